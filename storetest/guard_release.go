package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// The contract tests of GuardStore.ReleaseSend, run by RunGuard. Each
// brings a prefix one send short of a block (9 sends counted of the
// policy's MinSends 10, none verified), so that the send that blocks it
// tells how many sends the window holds.

func release(t *testing.T, g coffeeshop.GuardStore, s coffeeshop.GuardSend) {
	t.Helper()
	if err := g.ReleaseSend(t.Context(), s); err != nil {
		t.Fatalf("ReleaseSend(%+v): %v", s, err)
	}
}

// admittedKey admits, on a clock and prefix of the test's own, a keyed
// send a under p, and returns the clock, a and a's send without the key.
func admittedKey(t *testing.T, g coffeeshop.GuardStore, p coffeeshop.GuardPolicy) (base time.Time, unkeyed, a coffeeshop.GuardSend) {
	t.Helper()
	base = guardClock()
	unkeyed = coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()}
	a = keyed(unkeyed)
	wantAllowed(t, admit(t, g, a, p, base), "a")
	return base, unkeyed, a
}

// countrySends returns the sends GuardCountries counts for country since
// since.
func countrySends(t *testing.T, g coffeeshop.GuardStore, country string, since time.Time) int {
	t.Helper()
	counts, err := g.GuardCountries(t.Context(), since)
	if err != nil {
		t.Fatalf("GuardCountries: %v", err)
	}
	for _, c := range counts {
		if c.Country == country {
			return c.Sends
		}
	}
	return 0
}

// testGuardReleaseUndoes: releasing two keyed sends of a prefix one send
// short of a block takes them back from the prefix, the country and the
// budget: two more sends are allowed, and the budget has two more left.
func testGuardReleaseUndoes(t *testing.T, g coffeeshop.GuardStore) {
	p := guardPolicy
	p.Budget, p.BudgetWindow = 20, time.Hour
	base, unkeyed, a := admittedKey(t, g, p)
	b := keyed(unkeyed)
	wantAllowed(t, admit(t, g, b, p, base), "b")
	admitN(t, g, unkeyed, p, base, 7)
	release(t, g, a)
	// The country given to a release is not read: the send's own is.
	release(t, g, coffeeshop.GuardSend{Prefix: b.Prefix, Country: "elsewhere", Key: b.Key})
	if n := countrySends(t, g, unkeyed.Country, base); n != 7 {
		t.Errorf("GuardCountries after two releases: %d sends, want 7", n)
	}
	at := base.Add(time.Minute)
	for i := range 2 {
		d := admit(t, g, unkeyed, p, at)
		wantAllowed(t, d, fmt.Sprintf("send %d after the releases", i+1))
		if want := 20 - 7 - i - 1; d.BudgetLeft != want {
			t.Errorf("send %d after the releases: BudgetLeft %d, want %d", i+1, d.BudgetLeft, want)
		}
	}
	wantBlockOn(t, g, unkeyed, p, at, 10, "the third send after the releases")
}

// testGuardReleaseUnknown: releasing a key never admitted, or admitted for
// another prefix, changes nothing and is no error; a release without a
// key or a prefix is EINVALID.
func testGuardReleaseUnknown(t *testing.T, g coffeeshop.GuardStore) {
	base, unkeyed, a := admittedKey(t, g, guardPolicy)
	admitN(t, g, unkeyed, guardPolicy, base, 8)
	release(t, g, keyed(unkeyed))
	release(t, g, coffeeshop.GuardSend{Prefix: guardPrefix(), Country: a.Country, Key: a.Key})
	wantCode(t, g.ReleaseSend(t.Context(), unkeyed), coffeeshop.EINVALID, "a release without a key")
	wantCode(t, g.ReleaseSend(t.Context(), coffeeshop.GuardSend{Key: a.Key}), coffeeshop.EINVALID, "a release without a prefix")
	wantBlockOn(t, g, unkeyed, guardPolicy, base.Add(time.Minute), 10, "send 10")
	// a is still remembered.
	wantRepeated(t, admit(t, g, a, guardPolicy, base.Add(2*time.Minute)), "a's retry")
}

// testGuardReleaseOnce: a key released twice, or by many concurrent
// releases, is taken back once.
func testGuardReleaseOnce(t *testing.T, g coffeeshop.GuardStore) {
	base, unkeyed, a := admittedKey(t, g, guardPolicy)
	b := keyed(unkeyed)
	wantAllowed(t, admit(t, g, b, guardPolicy, base), "b")
	admitN(t, g, unkeyed, guardPolicy, base, 7)
	release(t, g, a)
	release(t, g, a)
	const n = 10
	for i, err := range parallel(n, func(int) error { return g.ReleaseSend(t.Context(), b) }) {
		if err != nil {
			t.Fatalf("concurrent release %d: %v", i, err)
		}
	}
	at := base.Add(time.Minute)
	admitN(t, g, unkeyed, guardPolicy, at, 2)
	wantBlockOn(t, g, unkeyed, guardPolicy, at, 10, "send 10")
}

// testGuardReleaseOtherMinute: a release takes the send back from the
// bucket it was counted in, not the release's: once that bucket has left
// the window, the sends after it are all the window holds.
func testGuardReleaseOtherMinute(t *testing.T, g coffeeshop.GuardStore) {
	base, unkeyed, a := admittedKey(t, g, guardPolicy)
	admitN(t, g, unkeyed, guardPolicy, base.Add(time.Minute), 8)
	release(t, g, a)
	if n := countrySends(t, g, unkeyed.Country, base); n != 8 {
		t.Errorf("GuardCountries after the release: %d sends, want 8", n)
	}
	// The window from base+1m holds the 8 sends after a's minute.
	at := base.Add(time.Hour + time.Minute)
	wantAllowed(t, admit(t, g, unkeyed, guardPolicy, at), "send 9")
	wantBlockOn(t, g, unkeyed, guardPolicy, at, 10, "send 10")
}

// testGuardReleaseAdmitAgain: a released key admitted again is a new send,
// counted and remembered again.
func testGuardReleaseAdmitAgain(t *testing.T, g coffeeshop.GuardStore) {
	base, unkeyed, a := admittedKey(t, g, guardPolicy)
	release(t, g, a)
	wantAllowed(t, admit(t, g, a, guardPolicy, base.Add(2*time.Second)), "a after its release")
	wantRepeated(t, admit(t, g, a, guardPolicy, base.Add(3*time.Second)), "a's retry")
	admitN(t, g, unkeyed, guardPolicy, base.Add(time.Minute), 8)
	wantBlockOn(t, g, unkeyed, guardPolicy, base.Add(time.Minute), 10, "send 10")
	if n := countrySends(t, g, unkeyed.Country, base); n != 9 {
		t.Errorf("GuardCountries: %d sends, want 9", n)
	}
}
