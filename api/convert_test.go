package api

import (
	"fmt"
	"slices"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// checkEnumTable checks that table pairs every value of a wire enum (its
// generated names map) with a domain value of the same name, prefix aside,
// and converts that domain value back to it.
func checkEnumTable[D interface {
	comparable
	fmt.Stringer
}, W interface {
	~int32
	fmt.Stringer
}](t *testing.T, table enumTable[D, W], names map[int32]string, prefix string) {
	t.Helper()
	if len(table) != len(names) {
		t.Errorf("%d values mapped, the enum has %d", len(table), len(names))
	}
	for n := range names {
		wire := W(n)
		i := slices.IndexFunc(table, func(p enumPair[D, W]) bool { return p.wire == wire })
		if i < 0 {
			t.Errorf("%v has no domain value", wire)
			continue
		}
		domain := table[i].domain
		if got := prefix + domain.String(); got != wire.String() {
			t.Errorf("%v maps to %s", wire, got)
		}
		if back, ok := table.toWire(domain); !ok || back != wire {
			t.Errorf("%v -> %v -> %v", wire, domain, back)
		}
	}
}

func TestVerificationResultConversion(t *testing.T) {
	checkEnumTable(t, results, customerv1.VerificationResult_name, "VERIFICATION_RESULT_")
	for _, r := range []coffeeshop.VerificationResult{coffeeshop.VerificationUnspecified, 42} {
		if _, err := resultToProto(r, "c1"); err == nil {
			t.Errorf("result %v converted", r)
		}
	}
}

func TestVerificationStatusConversion(t *testing.T) {
	checkEnumTable(t, statuses, customerv1.VerificationStatus_name, "VERIFICATION_STATUS_")
	for _, st := range []coffeeshop.VerificationStatus{coffeeshop.VerificationStatusUnspecified, 42} {
		if _, err := verificationToProto(&coffeeshop.Verification{Status: st}, nil); err == nil {
			t.Errorf("a verification with status %v converted", st)
		}
	}
}
