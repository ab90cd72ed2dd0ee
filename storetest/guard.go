package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/google/uuid"
)

// RunGuard runs the contract tests of the SMS pumping guard's store against
// stores made by open, on the terms of Run. Beyond GuardStore's
// documentation they pin down these rules:
//   - Sends are counted in buckets of one minute: a send counts in a window
//     (the prefix's and the budget's) for at least the window and less than
//     the window and a minute; a refused budget send's RetryAfter is until
//     the bucket of the oldest counted send has left the window. The tests
//     send on whole minutes, where both are exact.
//   - A new block's Sends count the send that caused it.
//   - Unblock also forgets the prefix's counted sends, so that its next
//     send is allowed; a block that ended is not blocked (ENOTFOUND).
//   - GuardBlocks and GuardCountries never return nil; times come back in
//     UTC, equal to the microsecond-aligned times given.
//   - AdmitSend answers EINVALID to a send without a prefix or a policy it
//     cannot apply (a window, minimum of sends or block that is not
//     positive, a conversion outside [0, 1], a longest block shorter than
//     the first, a negative budget or a budget without a window);
//     RecordVerified to an empty customer ID or prefix.
//   - ReleaseSend answers EINVALID to a send without a prefix or a key.
//   - A send's Key is remembered for a day, or the policy's longest window
//     when longer (guardrule.KeepSince, whole minutes): a retry within that
//     is a repeat, one after it is decided afresh.
func RunGuard(t *testing.T, open func(t *testing.T) coffeeshop.GuardStore) {
	runAll(t, open, []contractTest[coffeeshop.GuardStore]{
		{"GuardBlocksLowConversion", testGuardBlocksLowConversion},
		{"GuardEnoughVerified", testGuardEnoughVerified},
		{"GuardVerifiedOnce", testGuardVerifiedOnce},
		{"GuardBlockExpiresAndRepeats", testGuardBlockExpiresAndRepeats},
		{"GuardUnblock", testGuardUnblock},
		{"GuardWindowSlides", testGuardWindowSlides},
		{"GuardBudget", testGuardBudget},
		{"GuardConcurrentSends", testGuardConcurrentSends},
		{"GuardConcurrentBudget", testGuardConcurrentBudget},
		{"GuardBlocksList", testGuardBlocksList},
		{"GuardCountries", testGuardCountries},
		{"GuardInvalid", testGuardInvalid},
		{"GuardCanceledContext", testGuardCanceledContext},
		{"GuardKeyCountsOnce", testGuardKeyCountsOnce},
		{"GuardKeyDuringBlock", testGuardKeyDuringBlock},
		{"GuardKeyDuringSpentBudget", testGuardKeyDuringSpentBudget},
		{"GuardKeyConcurrent", testGuardKeyConcurrent},
		{"GuardKeyRetention", testGuardKeyRetention},
		{"GuardReleaseUndoes", testGuardReleaseUndoes},
		{"GuardReleaseUnknown", testGuardReleaseUnknown},
		{"GuardReleaseOnce", testGuardReleaseOnce},
		{"GuardReleaseOtherMinute", testGuardReleaseOtherMinute},
		{"GuardReleaseAdmitAgain", testGuardReleaseAdmitAgain},
	})
}

// guardPolicy is the tests' policy: the defaults, with a longest block of
// an hour (15m, 30m, 1h, 1h) and no budget.
var guardPolicy = coffeeshop.GuardPolicy{
	Window: time.Hour, MinSends: 10, MinConversion: 0.2,
	BlockFor: 15 * time.Minute, MaxBlock: time.Hour,
}

// guardClock returns a made-up clock for one test, on a whole minute: a day
// of its own in a year no other suite uses, so that a store that is not
// empty has no sends, budget or blocks in the test's windows.
func guardClock() time.Time {
	return time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rand.IntN(30_000))
}

// guardPrefix returns a prefix and guardCountry a country no other test has
// used: the stores take both as opaque text.
func guardPrefix() string  { return "+test-" + uuid.NewString() }
func guardCountry() string { return "T-" + uuid.NewString() }

func admit(t *testing.T, g coffeeshop.GuardStore, s coffeeshop.GuardSend, p coffeeshop.GuardPolicy, now time.Time) coffeeshop.GuardDecision {
	t.Helper()
	d, err := g.AdmitSend(t.Context(), s, p, now)
	if err != nil {
		t.Fatalf("AdmitSend(%+v, %v): %v", s, now, err)
	}
	return d
}

// admitN sends n times, a second apart from at, and fails t unless each is
// allowed.
func admitN(t *testing.T, g coffeeshop.GuardStore, s coffeeshop.GuardSend, p coffeeshop.GuardPolicy, at time.Time, n int) {
	t.Helper()
	for i := range n {
		if d := admit(t, g, s, p, at.Add(time.Duration(i)*time.Second)); !d.Allowed || d.Repeated || d.NewBlock != nil || d.Reason != "" {
			t.Fatalf("send %d of %s: %+v, want allowed", i+1, s.Prefix, d)
		}
	}
}

// wantAllowed and wantRefused fail t unless d is such a decision.
func wantAllowed(t *testing.T, d coffeeshop.GuardDecision, what string) {
	t.Helper()
	if !d.Allowed || d.Repeated || d.Reason != "" || d.RetryAfter != 0 || d.NewBlock != nil {
		t.Fatalf("%s: %+v, want allowed", what, d)
	}
}

// wantRepeated fails t unless d allows a repeated send.
func wantRepeated(t *testing.T, d coffeeshop.GuardDecision, what string) {
	t.Helper()
	if !d.Allowed || !d.Repeated || d.Reason != "" || d.RetryAfter != 0 || d.NewBlock != nil {
		t.Fatalf("%s: %+v, want allowed as a repeat", what, d)
	}
}

func wantRefused(t *testing.T, d coffeeshop.GuardDecision, reason string, retryAfter time.Duration, what string) {
	t.Helper()
	if d.Allowed || d.Repeated || d.Reason != reason || d.RetryAfter != retryAfter {
		t.Fatalf("%s: %+v, want refused with %s, RetryAfter %v", what, d, reason, retryAfter)
	}
}

func wantBlock(t *testing.T, got *coffeeshop.GuardBlock, want coffeeshop.GuardBlock, what string) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: no block, want %+v", what, want)
	}
	if got.Since.Location() != time.UTC || got.Until.Location() != time.UTC {
		t.Errorf("%s: block times %v, %v; want them in UTC", what, got.Since, got.Until)
	}
	g := *got
	if !g.Since.Equal(want.Since) || !g.Until.Equal(want.Until) {
		t.Errorf("%s: block from %v until %v, want from %v until %v", what, g.Since, g.Until, want.Since, want.Until)
	}
	g.Since, g.Until, want.Since, want.Until = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != want {
		t.Errorf("%s: block %+v, want %+v", what, g, want)
	}
}

func verified(t *testing.T, g coffeeshop.GuardStore, customerID string, s coffeeshop.GuardSend, at time.Time) {
	t.Helper()
	if err := g.RecordVerified(t.Context(), customerID, s, at); err != nil {
		t.Fatalf("RecordVerified(%s, %+v): %v", customerID, s, err)
	}
}

// testGuardBlocksLowConversion: MinSends-1 sends with none verified are
// allowed; the MinSends-th blocks the prefix and is refused, and so is every
// send until the block ends; other prefixes, of the same country, are not
// affected.
func testGuardBlocksLowConversion(t *testing.T, g coffeeshop.GuardStore) {
	base, country := guardClock(), guardCountry()
	s := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: country}
	for i := range guardPolicy.MinSends - 1 {
		d := admit(t, g, s, guardPolicy, base.Add(time.Duration(i)*time.Second))
		wantAllowed(t, d, fmt.Sprintf("send %d", i+1))
		if d.BudgetLeft != -1 {
			t.Errorf("send %d: BudgetLeft = %d without a budget, want -1", i+1, d.BudgetLeft)
		}
	}
	at := base.Add(time.Minute + 123456*time.Microsecond)
	d := admit(t, g, s, guardPolicy, at)
	wantRefused(t, d, coffeeshop.ReasonPrefixBlocked, 15*time.Minute, "the MinSends-th send")
	wantBlock(t, d.NewBlock, coffeeshop.GuardBlock{Prefix: s.Prefix, Country: country, Since: at, Until: at.Add(15 * time.Minute),
		Strikes: 1, Sends: guardPolicy.MinSends, Verified: 0}, "the MinSends-th send")
	for _, later := range []time.Duration{time.Second, 10 * time.Minute, 15*time.Minute - time.Microsecond} {
		d := admit(t, g, s, guardPolicy, at.Add(later))
		wantRefused(t, d, coffeeshop.ReasonPrefixBlocked, 15*time.Minute-later, fmt.Sprintf("a send %v into the block", later))
		if d.NewBlock != nil {
			t.Errorf("a send to a blocked prefix made a new block %+v", d.NewBlock)
		}
	}
	other := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: country}
	wantAllowed(t, admit(t, g, other, guardPolicy, at.Add(time.Second)), "a send to another prefix of the country")
}

// testGuardEnoughVerified: a prefix whose sends are verified often enough
// is not blocked, and is judged again on each send.
func testGuardEnoughVerified(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	s := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()}
	admitN(t, g, s, guardPolicy, base, 9)
	verified(t, g, uuid.NewString(), s, base.Add(time.Minute))
	verified(t, g, uuid.NewString(), s, base.Add(time.Minute))
	// Verifications of another prefix do not count for this one.
	verified(t, g, uuid.NewString(), coffeeshop.GuardSend{Prefix: guardPrefix(), Country: s.Country}, base.Add(time.Minute))
	wantAllowed(t, admit(t, g, s, guardPolicy, base.Add(2*time.Minute)), "send 10 with 2 verified")
	if d := admit(t, g, s, guardPolicy, base.Add(3*time.Minute)); d.Allowed || d.NewBlock == nil || d.NewBlock.Sends != 11 || d.NewBlock.Verified != 2 {
		t.Fatalf("send 11 with 2 verified: %+v, want a new block of 11 sends, 2 verified", d)
	}

	s = coffeeshop.GuardSend{Prefix: guardPrefix(), Country: s.Country}
	admitN(t, g, s, guardPolicy, base, 9)
	for range 3 {
		verified(t, g, uuid.NewString(), s, base.Add(time.Minute))
	}
	admitN(t, g, s, guardPolicy, base.Add(2*time.Minute), 6) // 15 sends, 3 verified
	if d := admit(t, g, s, guardPolicy, base.Add(3*time.Minute)); d.Allowed || d.NewBlock == nil || d.NewBlock.Sends != 16 {
		t.Fatalf("send 16 with 3 verified: %+v, want a new block", d)
	}
}

// testGuardVerifiedOnce: a customer's verifications count once.
func testGuardVerifiedOnce(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	s := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()}
	admitN(t, g, s, guardPolicy, base, 9)
	id := uuid.NewString()
	for i := range 3 {
		verified(t, g, id, s, base.Add(time.Duration(i+1)*time.Minute))
	}
	d := admit(t, g, s, guardPolicy, base.Add(5*time.Minute))
	if d.Allowed || d.NewBlock == nil || d.NewBlock.Verified != 1 {
		t.Fatalf("send 10 with one customer verified three times: %+v, want a new block with 1 verified", d)
	}
}

// testGuardBlockExpiresAndRepeats: a block ends at its Until; a prefix whose
// window still holds too few verified is blocked again on its next send, for
// twice as long, up to MaxBlock, and its strikes add up.
func testGuardBlockExpiresAndRepeats(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	s := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()}
	p := guardPolicy
	p.Window = 24 * time.Hour // the sends stay in the window throughout
	admitN(t, g, s, p, base, 9)
	at := base.Add(time.Minute)
	for i, length := range []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, time.Hour} {
		d := admit(t, g, s, p, at)
		wantRefused(t, d, coffeeshop.ReasonPrefixBlocked, length, fmt.Sprintf("block %d", i+1))
		wantBlock(t, d.NewBlock, coffeeshop.GuardBlock{Prefix: s.Prefix, Country: s.Country, Since: at, Until: at.Add(length),
			Strikes: i + 1, Sends: 10, Verified: 0}, fmt.Sprintf("block %d", i+1))
		wantRefused(t, admit(t, g, s, p, at.Add(length-time.Microsecond)), coffeeshop.ReasonPrefixBlocked, time.Microsecond,
			fmt.Sprintf("a send at the last microsecond of block %d", i+1))
		at = at.Add(length)
		if bs := blocksOf(t, g, at, s.Prefix); len(bs) != 0 {
			t.Fatalf("GuardBlocks at the end of block %d: %+v, want it gone", i+1, bs)
		}
	}
	// Once the sends have left the window the prefix is let through again,
	// and its next block is still longer for the strikes it had.
	at = at.Add(p.Window + time.Minute)
	admitN(t, g, s, p, at, 9)
	d := admit(t, g, s, p, at.Add(time.Minute))
	if d.NewBlock == nil || d.NewBlock.Strikes != 5 || d.RetryAfter != time.Hour {
		t.Fatalf("the next block after a quiet day: %+v, want strike 5 for an hour", d)
	}
}

// testGuardUnblock: Unblock lifts a block at once, forgets the prefix's
// sends and strikes, and answers ENOTFOUND for a prefix that is not
// blocked.
func testGuardUnblock(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	s := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()}
	admitN(t, g, s, guardPolicy, base, 9)
	admit(t, g, s, guardPolicy, base.Add(time.Minute))    // strike 1
	admit(t, g, s, guardPolicy, base.Add(16*time.Minute)) // strike 2, 30m
	if d := admit(t, g, s, guardPolicy, base.Add(17*time.Minute)); d.Allowed {
		t.Fatal("send during the second block allowed")
	}
	at := base.Add(18 * time.Minute)
	if err := g.Unblock(t.Context(), s.Prefix, at); err != nil {
		t.Fatalf("Unblock: %v", err)
	}
	if bs := blocksOf(t, g, at, s.Prefix); len(bs) != 0 {
		t.Fatalf("GuardBlocks after Unblock: %+v", bs)
	}
	admitN(t, g, s, guardPolicy, at, 9)
	d := admit(t, g, s, guardPolicy, at.Add(time.Minute))
	wantRefused(t, d, coffeeshop.ReasonPrefixBlocked, 15*time.Minute, "the MinSends-th send after Unblock")
	if d.NewBlock == nil || d.NewBlock.Strikes != 1 || d.NewBlock.Sends != 10 {
		t.Fatalf("the block after Unblock: %+v, want strike 1 on 10 sends", d.NewBlock)
	}

	wantCode(t, g.Unblock(t.Context(), guardPrefix(), at), coffeeshop.ENOTFOUND, "Unblock of a prefix never blocked")
	wantCode(t, g.Unblock(t.Context(), s.Prefix, at.Add(time.Hour)), coffeeshop.ENOTFOUND, "Unblock of a block that ended")
	if err := g.Unblock(t.Context(), s.Prefix, at.Add(2*time.Minute)); err != nil {
		t.Fatalf("Unblock of the block in force: %v", err)
	}
	wantCode(t, g.Unblock(t.Context(), s.Prefix, at.Add(2*time.Minute)), coffeeshop.ENOTFOUND, "Unblock twice")
}

// testGuardWindowSlides: sends stop counting once the window has passed
// them.
func testGuardWindowSlides(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	country := guardCountry()
	a := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: country}
	b := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: country}
	admitN(t, g, a, guardPolicy, base, 9)
	admitN(t, g, b, guardPolicy, base, 9)
	// Still in the window: the 10th send blocks.
	if d := admit(t, g, a, guardPolicy, base.Add(guardPolicy.Window-time.Minute)); d.NewBlock == nil {
		t.Fatalf("send 10 within the window: %+v, want a new block", d)
	}
	// Past the window (and its bucket): the count starts again.
	at := base.Add(guardPolicy.Window + time.Minute)
	admitN(t, g, b, guardPolicy, at, 9)
	d := admit(t, g, b, guardPolicy, at.Add(time.Minute))
	if d.NewBlock == nil || d.NewBlock.Sends != 10 {
		t.Fatalf("send 10 of the new window: %+v, want a new block on 10 sends", d)
	}
	// Verifications leave the window too.
	c := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: country}
	verified(t, g, uuid.NewString(), c, base)
	verified(t, g, uuid.NewString(), c, base)
	admitN(t, g, c, guardPolicy, base.Add(guardPolicy.Window), 9)
	if d := admit(t, g, c, guardPolicy, base.Add(guardPolicy.Window+time.Minute)); d.NewBlock == nil || d.NewBlock.Verified != 0 {
		t.Fatalf("send 10 after the verifications left the window: %+v, want a new block with 0 verified", d)
	}
}

// testGuardBudget: a budget of N allows N sends in its window, over every
// prefix, then refuses with the time until the oldest counted send's bucket
// leaves the window; refusals are not counted, and the window slides.
func testGuardBudget(t *testing.T, g coffeeshop.GuardStore) {
	base, country := guardClock(), guardCountry()
	p := guardPolicy
	p.Budget, p.BudgetWindow = 3, time.Hour
	send := func() coffeeshop.GuardSend { return coffeeshop.GuardSend{Prefix: guardPrefix(), Country: country} }
	for i := range 3 {
		d := admit(t, g, send(), p, base.Add(time.Duration(i)*10*time.Minute))
		wantAllowed(t, d, fmt.Sprintf("send %d of the budget", i+1))
		if d.BudgetLeft != 2-i {
			t.Errorf("send %d: BudgetLeft = %d, want %d", i+1, d.BudgetLeft, 2-i)
		}
	}
	for range 2 {
		d := admit(t, g, send(), p, base.Add(30*time.Minute))
		// The first send's bucket, [base, base+1m), leaves the window at
		// base+1h+1m.
		wantRefused(t, d, coffeeshop.ReasonSMSBudgetExhausted, 31*time.Minute, "a send over the budget")
		if d.BudgetLeft != 0 || d.NewBlock != nil {
			t.Errorf("a send over the budget: %+v, want BudgetLeft 0 and no block", d)
		}
	}
	wantRefused(t, admit(t, g, send(), p, base.Add(time.Hour+time.Minute-time.Microsecond)),
		coffeeshop.ReasonSMSBudgetExhausted, time.Microsecond, "a send before the first left the window")
	d := admit(t, g, send(), p, base.Add(time.Hour+time.Minute))
	wantAllowed(t, d, "a send after the first left the window")
	if d.BudgetLeft != 0 {
		t.Errorf("BudgetLeft = %d, want 0", d.BudgetLeft)
	}
	wantRefused(t, admit(t, g, send(), p, base.Add(time.Hour+time.Minute)),
		coffeeshop.ReasonSMSBudgetExhausted, 10*time.Minute, "a send with the budget full again")

	// A blocked prefix is refused as blocked; the budget is not spent.
	s := send()
	q := guardPolicy
	q.Budget, q.BudgetWindow = 100, time.Hour
	at := base.Add(3 * time.Hour)
	admitN(t, g, s, q, at, 9)
	d = admit(t, g, s, q, at.Add(time.Minute))
	if d.NewBlock == nil || d.BudgetLeft != 91 {
		t.Fatalf("the blocking send with a budget: %+v, want a new block and 91 left", d)
	}
}

// testGuardConcurrentSends: of many concurrent sends to one prefix, exactly
// MinSends-1 are allowed and exactly one blocks it.
func testGuardConcurrentSends(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	s := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()}
	const n = 40
	ds := make([]coffeeshop.GuardDecision, n)
	errs := parallel(n, func(i int) error {
		var err error
		ds[i], err = g.AdmitSend(t.Context(), s, guardPolicy, base.Add(time.Duration(i)*time.Millisecond))
		return err
	})
	allowed, blocks := 0, 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if ds[i].Allowed {
			allowed++
		} else if ds[i].Reason != coffeeshop.ReasonPrefixBlocked {
			t.Errorf("send %d: %+v, want allowed or blocked", i, ds[i])
		}
		if ds[i].NewBlock != nil {
			blocks++
		}
	}
	if allowed != guardPolicy.MinSends-1 || blocks != 1 {
		t.Errorf("%d concurrent sends: %d allowed and %d new blocks, want %d and 1", n, allowed, blocks, guardPolicy.MinSends-1)
	}
}

// testGuardConcurrentBudget: of many concurrent sends to many prefixes,
// exactly the budget is allowed.
func testGuardConcurrentBudget(t *testing.T, g coffeeshop.GuardStore) {
	base, country := guardClock(), guardCountry()
	p := guardPolicy
	p.Budget, p.BudgetWindow = 7, time.Hour
	const n = 40
	allowed := make([]bool, n)
	errs := parallel(n, func(i int) error {
		d, err := g.AdmitSend(t.Context(), coffeeshop.GuardSend{Prefix: guardPrefix(), Country: country}, p, base.Add(time.Duration(i)*time.Millisecond))
		allowed[i] = d.Allowed
		if err == nil && !d.Allowed && d.Reason != coffeeshop.ReasonSMSBudgetExhausted {
			return fmt.Errorf("refused with %q, want %q", d.Reason, coffeeshop.ReasonSMSBudgetExhausted)
		}
		return err
	})
	got := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if allowed[i] {
			got++
		}
	}
	if got != p.Budget {
		t.Errorf("%d of %d concurrent sends allowed with a budget of %d", got, n, p.Budget)
	}
}

// blocksOf returns the blocks GuardBlocks lists at now of the prefixes
// given, in its order.
func blocksOf(t *testing.T, g coffeeshop.GuardStore, now time.Time, prefixes ...string) []coffeeshop.GuardBlock {
	t.Helper()
	bs, err := g.GuardBlocks(t.Context(), now)
	if err != nil {
		t.Fatalf("GuardBlocks(%v): %v", now, err)
	}
	if bs == nil {
		t.Fatalf("GuardBlocks(%v) = nil, want an empty list", now)
	}
	return slices.DeleteFunc(bs, func(b coffeeshop.GuardBlock) bool { return !slices.Contains(prefixes, b.Prefix) })
}

// testGuardBlocksList: GuardBlocks lists the blocks in force, the
// longest-running first, as AdmitSend made them.
func testGuardBlocksList(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	a := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()}
	b := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()}
	c := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: a.Country}
	admitN(t, g, b, guardPolicy, base, 9)
	admitN(t, g, a, guardPolicy, base, 9)
	admitN(t, g, c, guardPolicy, base, 9)
	verified(t, g, uuid.NewString(), b, base)
	bAt, aAt := base.Add(time.Minute+7*time.Microsecond), base.Add(2*time.Minute)
	blockB := admit(t, g, b, guardPolicy, bAt).NewBlock
	blockA := admit(t, g, a, guardPolicy, aAt).NewBlock
	if blockA == nil || blockB == nil {
		t.Fatalf("no blocks made: %+v, %+v", blockA, blockB)
	}
	bs := blocksOf(t, g, base.Add(3*time.Minute), a.Prefix, b.Prefix, c.Prefix)
	if len(bs) != 2 {
		t.Fatalf("GuardBlocks: %+v, want the blocks of b and a", bs)
	}
	wantBlock(t, &bs[0], *blockB, "GuardBlocks, first")
	wantBlock(t, &bs[1], *blockA, "GuardBlocks, second")
	wantBlock(t, &bs[0], coffeeshop.GuardBlock{Prefix: b.Prefix, Country: b.Country, Since: bAt, Until: bAt.Add(15 * time.Minute),
		Strikes: 1, Sends: 10, Verified: 1}, "b's block")
	bs = blocksOf(t, g, bAt.Add(15*time.Minute), a.Prefix, b.Prefix)
	if len(bs) != 1 || bs[0].Prefix != a.Prefix {
		t.Fatalf("GuardBlocks when b's block ended: %+v, want only a's", bs)
	}
}

// testGuardCountries: sends the guard allowed and verifications are summed
// per country from since, the most sends first; refused sends do not count.
func testGuardCountries(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	x, y, z := guardCountry(), guardCountry(), guardCountry()
	admitN(t, g, coffeeshop.GuardSend{Prefix: guardPrefix(), Country: x}, guardPolicy, base, 2) // before since
	since := base.Add(time.Hour)
	px := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: x}
	admitN(t, g, px, guardPolicy, since, 3)
	verified(t, g, uuid.NewString(), px, since.Add(time.Minute))
	verified(t, g, uuid.NewString(), px, base) // before since
	py := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: y}
	admitN(t, g, py, guardPolicy, since, 9)
	admit(t, g, py, guardPolicy, since.Add(time.Minute)) // blocks: not counted
	verified(t, g, uuid.NewString(), coffeeshop.GuardSend{Prefix: guardPrefix(), Country: z}, since.Add(time.Minute))

	counts, err := g.GuardCountries(t.Context(), since)
	if err != nil {
		t.Fatalf("GuardCountries: %v", err)
	}
	counts = slices.DeleteFunc(counts, func(c coffeeshop.GuardCount) bool { return c.Country != x && c.Country != y && c.Country != z })
	want := []coffeeshop.GuardCount{{Country: y, Sends: 9}, {Country: x, Sends: 3, Verified: 1}, {Country: z, Verified: 1}}
	if !slices.Equal(counts, want) {
		t.Errorf("GuardCountries(since) = %+v, want %+v", counts, want)
	}
	counts, err = g.GuardCountries(t.Context(), since.Add(time.Hour))
	if err != nil || counts == nil {
		t.Fatalf("GuardCountries later: %v, %v; want an empty list", counts, err)
	}
	for _, c := range counts {
		if c.Country == x || c.Country == y || c.Country == z {
			t.Errorf("GuardCountries after every send: %+v", c)
		}
	}
}

// testGuardInvalid: sends and policies the guard cannot decide on are
// EINVALID.
func testGuardInvalid(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	s := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()}
	_, err := g.AdmitSend(t.Context(), coffeeshop.GuardSend{Country: "GB"}, guardPolicy, base)
	wantCode(t, err, coffeeshop.EINVALID, "no prefix")
	for name, change := range map[string]func(p *coffeeshop.GuardPolicy){
		"window 0":            func(p *coffeeshop.GuardPolicy) { p.Window = 0 },
		"min sends 0":         func(p *coffeeshop.GuardPolicy) { p.MinSends = 0 },
		"conversion -0.1":     func(p *coffeeshop.GuardPolicy) { p.MinConversion = -0.1 },
		"conversion 1.5":      func(p *coffeeshop.GuardPolicy) { p.MinConversion = 1.5 },
		"block 0":             func(p *coffeeshop.GuardPolicy) { p.BlockFor = 0 },
		"max below block":     func(p *coffeeshop.GuardPolicy) { p.MaxBlock = time.Minute },
		"budget -1":           func(p *coffeeshop.GuardPolicy) { p.Budget = -1 },
		"budget with no time": func(p *coffeeshop.GuardPolicy) { p.Budget, p.BudgetWindow = 5, 0 },
	} {
		p := guardPolicy
		change(&p)
		_, err := g.AdmitSend(t.Context(), s, p, base)
		wantCode(t, err, coffeeshop.EINVALID, name)
	}
	wantCode(t, g.RecordVerified(t.Context(), "", s, base), coffeeshop.EINVALID, "RecordVerified without a customer")
	wantCode(t, g.RecordVerified(t.Context(), uuid.NewString(), coffeeshop.GuardSend{}, base), coffeeshop.EINVALID, "RecordVerified without a prefix")
	// None of those was counted.
	admitN(t, g, s, guardPolicy, base, 9)
}

func testGuardCanceledContext(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	s := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()}
	admitN(t, g, s, guardPolicy, base, 9)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	wantCanceled(t, map[string]func() error{
		"AdmitSend": func() error {
			_, err := g.AdmitSend(ctx, s, guardPolicy, base.Add(time.Minute))
			return err
		},
		"RecordVerified": func() error { return g.RecordVerified(ctx, uuid.NewString(), s, base) },
		"GuardBlocks": func() error {
			_, err := g.GuardBlocks(ctx, base)
			return err
		},
		"GuardCountries": func() error {
			_, err := g.GuardCountries(ctx, base)
			return err
		},
		"Unblock":     func() error { return g.Unblock(ctx, s.Prefix, base) },
		"ReleaseSend": func() error { return g.ReleaseSend(ctx, keyed(s)) },
	})
	// None of those happened: the 10th send still blocks, on no
	// verification.
	if d := admit(t, g, s, guardPolicy, base.Add(time.Minute)); d.NewBlock == nil || d.NewBlock.Verified != 0 {
		t.Fatalf("send 10 after the canceled calls: %+v, want a new block with 0 verified", d)
	}
}

// keyed returns s with a key no other test has used.
func keyed(s coffeeshop.GuardSend) coffeeshop.GuardSend {
	s.Key = "create:" + uuid.NewString()
	return s
}

// wantBlockOn fails t unless the send at now blocks s's prefix on sends
// sends in the window: the count the sends before it left.
func wantBlockOn(t *testing.T, g coffeeshop.GuardStore, s coffeeshop.GuardSend, p coffeeshop.GuardPolicy, now time.Time, sends int, what string) {
	t.Helper()
	d := admit(t, g, s, p, now)
	if d.Allowed || d.NewBlock == nil || d.NewBlock.Sends != sends {
		t.Fatalf("%s: %+v, want a new block on %d sends", what, d, sends)
	}
}

// testGuardKeyCountsOnce: a keyed send admitted again is a repeat, counted
// once for its prefix and its country; the same key with another prefix is
// another send.
func testGuardKeyCountsOnce(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	s := keyed(coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()})
	wantAllowed(t, admit(t, g, s, guardPolicy, base), "the first keyed send")
	for i := range 3 {
		wantRepeated(t, admit(t, g, s, guardPolicy, base.Add(time.Duration(i+1)*time.Second)), fmt.Sprintf("retry %d", i+1))
	}
	unkeyed := coffeeshop.GuardSend{Prefix: s.Prefix, Country: s.Country}
	admitN(t, g, unkeyed, guardPolicy, base.Add(time.Minute), 8) // 9 sends counted
	counts, err := g.GuardCountries(t.Context(), base)
	if err != nil {
		t.Fatalf("GuardCountries: %v", err)
	}
	for _, c := range counts {
		if c.Country == s.Country && c.Sends != 9 {
			t.Errorf("GuardCountries: %d sends, want 9", c.Sends)
		}
	}
	other := coffeeshop.GuardSend{Prefix: guardPrefix(), Country: s.Country, Key: s.Key}
	wantAllowed(t, admit(t, g, other, guardPolicy, base.Add(2*time.Minute)), "the key with another prefix")
	wantBlockOn(t, g, unkeyed, guardPolicy, base.Add(2*time.Minute), 10, "send 10")
}

// testGuardKeyDuringBlock: a keyed send admitted before a block began is
// allowed again during it, without a new block; a keyed send refused by
// the block is not remembered, and its retry is refused too.
func testGuardKeyDuringBlock(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	s := keyed(coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()})
	wantAllowed(t, admit(t, g, s, guardPolicy, base), "the keyed send")
	unkeyed := coffeeshop.GuardSend{Prefix: s.Prefix, Country: s.Country}
	admitN(t, g, unkeyed, guardPolicy, base, 8)
	at := base.Add(time.Minute)
	wantBlockOn(t, g, unkeyed, guardPolicy, at, 10, "send 10")
	wantRepeated(t, admit(t, g, s, guardPolicy, at.Add(time.Minute)), "the keyed send's retry during the block")

	refused := keyed(unkeyed)
	for i := range 2 {
		wantRefused(t, admit(t, g, refused, guardPolicy, at.Add(time.Duration(2+i)*time.Minute)), coffeeshop.ReasonPrefixBlocked,
			time.Duration(13-i)*time.Minute, fmt.Sprintf("a new keyed send during the block, try %d", i+1))
	}
	// Once the block is over the refused key is decided as any send: the
	// window still holds 9 sends and no verification, so it blocks again.
	wantBlockOn(t, g, refused, guardPolicy, at.Add(15*time.Minute), 10, "the refused key after the block")
}

// testGuardKeyDuringSpentBudget: a keyed send admitted before the budget
// was spent is allowed again, spending nothing; a refused one is not
// remembered.
func testGuardKeyDuringSpentBudget(t *testing.T, g coffeeshop.GuardStore) {
	base, country := guardClock(), guardCountry()
	p := guardPolicy
	p.Budget, p.BudgetWindow = 2, time.Hour
	a := keyed(coffeeshop.GuardSend{Prefix: guardPrefix(), Country: country})
	b := keyed(coffeeshop.GuardSend{Prefix: guardPrefix(), Country: country})
	c := keyed(coffeeshop.GuardSend{Prefix: guardPrefix(), Country: country})
	wantAllowed(t, admit(t, g, a, p, base), "a")
	d := admit(t, g, a, p, base.Add(time.Second))
	wantRepeated(t, d, "a's retry")
	if d.BudgetLeft != 1 {
		t.Errorf("a's retry: BudgetLeft = %d, want 1 (nothing spent)", d.BudgetLeft)
	}
	wantAllowed(t, admit(t, g, b, p, base.Add(time.Minute)), "b")
	wantRefused(t, admit(t, g, c, p, base.Add(2*time.Minute)), coffeeshop.ReasonSMSBudgetExhausted, 59*time.Minute, "c")
	d = admit(t, g, a, p, base.Add(3*time.Minute))
	wantRepeated(t, d, "a's retry with the budget spent")
	if d.BudgetLeft != 0 {
		t.Errorf("a's retry with the budget spent: BudgetLeft = %d, want 0", d.BudgetLeft)
	}
	wantRefused(t, admit(t, g, c, p, base.Add(4*time.Minute)), coffeeshop.ReasonSMSBudgetExhausted, 57*time.Minute, "c's retry")
}

// testGuardKeyConcurrent: of many concurrent sends of one key, one is
// counted and the others are repeats.
func testGuardKeyConcurrent(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	s := keyed(coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()})
	const n = 20
	ds := make([]coffeeshop.GuardDecision, n)
	errs := parallel(n, func(i int) error {
		var err error
		ds[i], err = g.AdmitSend(t.Context(), s, guardPolicy, base.Add(time.Duration(i)*time.Millisecond))
		return err
	})
	first := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if !ds[i].Allowed || ds[i].Reason != "" || ds[i].NewBlock != nil {
			t.Fatalf("send %d: %+v, want allowed", i, ds[i])
		}
		if !ds[i].Repeated {
			first++
		}
	}
	if first != 1 {
		t.Fatalf("%d concurrent sends of one key: %d counted, want 1", n, first)
	}
	unkeyed := coffeeshop.GuardSend{Prefix: s.Prefix, Country: s.Country}
	admitN(t, g, unkeyed, guardPolicy, base.Add(time.Second), 8)
	wantBlockOn(t, g, unkeyed, guardPolicy, base.Add(time.Minute), 10, "send 10")
}

// testGuardKeyRetention: a key is a repeat for a day, or the policy's
// longest window when longer, and decided afresh (and counted) after.
func testGuardKeyRetention(t *testing.T, g coffeeshop.GuardStore) {
	base := guardClock()
	s := keyed(coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()})
	wantAllowed(t, admit(t, g, s, guardPolicy, base), "the keyed send")
	wantRepeated(t, admit(t, g, s, guardPolicy, base.Add(23*time.Hour)), "a retry after 23h")
	wantAllowed(t, admit(t, g, s, guardPolicy, base.Add(25*time.Hour)), "a retry after 25h")
	// That retry was counted: it is remembered again, and it counts.
	at := base.Add(25*time.Hour + time.Minute)
	wantRepeated(t, admit(t, g, s, guardPolicy, at), "a retry of the retry")
	unkeyed := coffeeshop.GuardSend{Prefix: s.Prefix, Country: s.Country}
	admitN(t, g, unkeyed, guardPolicy, at, 8)
	wantBlockOn(t, g, unkeyed, guardPolicy, at.Add(time.Minute), 10, "send 10 of the later window")

	p := guardPolicy
	p.Window = 48 * time.Hour
	s = keyed(coffeeshop.GuardSend{Prefix: guardPrefix(), Country: guardCountry()})
	wantAllowed(t, admit(t, g, s, p, base), "the keyed send with a window of 48h")
	wantRepeated(t, admit(t, g, s, p, base.Add(47*time.Hour)), "a retry after 47h with a window of 48h")
	wantAllowed(t, admit(t, g, s, p, base.Add(49*time.Hour)), "a retry after 49h with a window of 48h")
}
