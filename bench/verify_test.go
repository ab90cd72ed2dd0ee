package bench

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/coffeeshop/coffeeshop"
)

func TestMatchesCatchesStaleAnswers(t *testing.T) {
	const id = "c1"
	for _, tc := range []struct {
		name  string
		a     VerifyAnswer
		right bool
		want  bool
	}{
		{"right code, SUCCESS", VerifyAnswer{id, ResultSuccess}, true, true},
		{"wrong code, INCORRECT_CODE", VerifyAnswer{id, ResultIncorrectCode}, false, true},
		{"right code answered with the previous attempt's INCORRECT_CODE", VerifyAnswer{id, ResultIncorrectCode}, true, false},
		{"wrong code answered SUCCESS", VerifyAnswer{id, ResultSuccess}, false, false},
		{"right code, MAX_ATTEMPTS_REACHED", VerifyAnswer{id, "VERIFICATION_RESULT_MAX_ATTEMPTS_REACHED"}, true, false},
		{"right code, unspecified", VerifyAnswer{id, "VERIFICATION_RESULT_UNSPECIFIED"}, true, false},
		{"answer about another customer", VerifyAnswer{"c2", ResultSuccess}, true, false},
		{"answer naming no customer", VerifyAnswer{"", ResultSuccess}, true, false},
	} {
		if got := matches(tc.a, id, tc.right); got != tc.want {
			t.Errorf("%s: matches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestWrongCode(t *testing.T) {
	for code, want := range map[string]string{"1234": "1235", "9999": "9990", "0": "1", "123456": "123457"} {
		if got := wrongCode(code); got != want {
			t.Errorf("wrongCode(%q) = %q, want %q", code, got, want)
		}
	}
}

// Every number the tool makes is a British mobile by libphonenumber's
// rules (a server with default settings takes it), and every customer of a
// run, and every attacked prefix, has a prefix of its own, also when a run
// wraps around the last prefix.
func TestPhonesAreUniqueUKMobiles(t *testing.T) {
	id := identity{RunID: "r", firstPrefix: numPrefixes - 50, line: 7}
	seen := map[string]string{}
	check := func(who, p string) {
		t.Helper()
		n, err := phonenumbers.Parse(p, "GB")
		if err != nil || !phonenumbers.IsValidNumber(n) || phonenumbers.GetRegionCodeForNumber(n) != "GB" ||
			phonenumbers.GetNumberType(n) != phonenumbers.MOBILE || phonenumbers.Format(n, phonenumbers.E164) != p {
			t.Fatalf("%s: %q is not a GB mobile in E.164 (%v)", who, p, err)
		}
		prefix := coffeeshop.NumberPrefix(p)
		if other, dup := seen[prefix]; dup {
			t.Fatalf("%s and %s share the prefix %s", other, who, prefix)
		}
		seen[prefix] = who
	}
	for i := range 3000 {
		check(fmt.Sprintf("customer %d", i), id.phone(i))
	}
	// Attacked prefixes come after the legit ones; their numbers share
	// the prefix, the first 100 all but the last two digits.
	for k := range 3 {
		first := id.attackPhone(3000, k, 0)
		check(fmt.Sprintf("attacked prefix %d", k), first)
		for m := range linesPerPrefix {
			p := id.attackPhone(3000, k, m)
			if coffeeshop.NumberPrefix(p) != coffeeshop.NumberPrefix(first) || m < 100 && p[:len(p)-2] != first[:len(first)-2] {
				t.Fatalf("attack signup %d on prefix %d: %s, first %s", m, k, p, first)
			}
		}
	}
	// The corners of the range.
	for _, p := range []string{mobile(0, 0), mobile(numPrefixes-1, linesPerPrefix-1), mobile(numPrefixes/3, 0), mobile(2*numPrefixes/3-1, 999)} {
		n, err := phonenumbers.Parse(p, "GB")
		if err != nil || phonenumbers.GetRegionCodeForNumber(n) != "GB" || phonenumbers.GetNumberType(n) != phonenumbers.MOBILE {
			t.Errorf("%s is not a GB mobile", p)
		}
	}
	if id.email(1) == id.email(2) || id.requestID("verify", 1) == id.requestID("verify-wrong", 1) {
		t.Error("emails or request IDs of different customers or attempts are equal")
	}
	if a, b := id.addr(0), id.addr(addresses-1); a == b || !strings.HasPrefix(a, "198.1") || id.addr(addresses) != a {
		t.Errorf("addresses %s, %s", a, b)
	}
	for i := range addresses {
		a := id.addr(i)
		if ip, err := netip.ParseAddr(a); err != nil || !netip.MustParsePrefix("198.18.0.0/15").Contains(ip) {
			t.Fatalf("address %d: %s is not in 198.18.0.0/15", i, a)
		}
	}
	a, err := newIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if a.firstPrefix < 0 || a.firstPrefix >= numPrefixes || a.line < 0 || a.line >= linesPerPrefix || len(a.RunID) != 8 {
		t.Errorf("newIdentity = %+v", a)
	}
}
