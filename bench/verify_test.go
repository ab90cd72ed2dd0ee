package bench

import (
	"regexp"
	"testing"
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

func TestPhonesAreUniqueE164(t *testing.T) {
	e164 := regexp.MustCompile(`^\+1[2-9]\d{2}[2-9]\d{6}$`)
	// Start near the last block so the run wraps around to the first.
	id := identity{RunID: "r", firstBlock: numBlocks - 1}
	seen := map[string]int{}
	for i := range 3 * linesPerBlock {
		p := id.phone(i)
		if !e164.MatchString(p) {
			t.Fatalf("customer %d: %q is not a US E.164 number", i, p)
		}
		if j, dup := seen[p]; dup {
			t.Fatalf("customers %d and %d share %s", j, i, p)
		}
		seen[p] = i
	}
	if id.email(1) == id.email(2) || id.requestID("verify", 1) == id.requestID("verify-wrong", 1) {
		t.Error("emails or request IDs of different customers or attempts are equal")
	}
	a, err := newIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if a.firstBlock < 0 || a.firstBlock >= numBlocks || len(a.RunID) != 8 {
		t.Errorf("newIdentity = %+v", a)
	}
}
