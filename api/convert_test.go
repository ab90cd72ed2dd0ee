package api

import (
	"testing"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// Every enum value of the API has a domain result with the same name, and
// the two conversions are inverse.
func TestVerificationResultConversion(t *testing.T) {
	if len(results) != len(customerv1.VerificationResult_name) {
		t.Errorf("%d results mapped, the enum has %d", len(results), len(customerv1.VerificationResult_name))
	}
	for n := range customerv1.VerificationResult_name {
		wire := customerv1.VerificationResult(n)
		domain, ok := resultFromProto(wire)
		if !ok {
			t.Errorf("%v has no domain result", wire)
			continue
		}
		if got := "VERIFICATION_RESULT_" + domain.String(); got != wire.String() {
			t.Errorf("%v maps to %s", wire, got)
		}
		if back, ok := resultToProto(domain); !ok || back != wire {
			t.Errorf("%v -> %v -> %v", wire, domain, back)
		}
	}
	if _, ok := resultToProto(coffeeshop.VerificationResult(42)); ok {
		t.Error("unknown domain result converted")
	}
	if _, ok := resultFromProto(customerv1.VerificationResult(42)); ok {
		t.Error("unknown enum value converted")
	}
}

// Every status enum value has a domain status with the same name, and the
// two conversions are inverse.
func TestVerificationStatusConversion(t *testing.T) {
	if len(statuses) != len(customerv1.VerificationStatus_name) {
		t.Errorf("%d statuses mapped, the enum has %d", len(statuses), len(customerv1.VerificationStatus_name))
	}
	for n := range customerv1.VerificationStatus_name {
		wire := customerv1.VerificationStatus(n)
		domain, ok := statusFromProto(wire)
		if !ok {
			t.Errorf("%v has no domain status", wire)
			continue
		}
		if got := "VERIFICATION_STATUS_" + domain.String(); got != wire.String() {
			t.Errorf("%v maps to %s", wire, got)
		}
		if back, ok := statusToProto(domain); !ok || back != wire {
			t.Errorf("%v -> %v -> %v", wire, domain, back)
		}
	}
	if _, ok := statusToProto(coffeeshop.VerificationStatus(42)); ok {
		t.Error("unknown domain status converted")
	}
	if _, err := verificationToProto(&coffeeshop.Verification{}); err == nil {
		t.Error("a verification without status converted")
	}
}
