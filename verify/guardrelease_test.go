package verify_test

import (
	"slices"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/verify"
)

// A code after a wrong attempt that the guard admitted and the per-phone
// cap then refused is released from the guard under the key it was
// admitted with: it was not texted.
func TestGuardReleasedWhenPhoneCapRefuses(t *testing.T) {
	g := &recordingGuard{}
	h := newGuardedHarness(t, g)
	h.fillPhoneCap() // the first code is the last one allowed
	h.attempt(10*time.Second, "0000")
	h.attempt(20*time.Second, "1111")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Fatalf("final = %v, want SUCCESS", final.Result)
	}
	h.wantTexts(1)
	_, keys := g.calls()
	if released := g.releasedKeys(); len(keys) != 1 || !slices.Equal(released, keys) {
		t.Errorf("admitted %q, released %q: want the one admitted key released", keys, released)
	}
}

// A code after a wrong attempt that the SMS provider refuses for good is
// released from the guard; one it takes is not.
func TestGuardReleasedWhenProviderRefuses(t *testing.T) {
	g := &recordingGuard{}
	h := newGuardedHarness(t, g)
	h.sms.failWith(func(try int) error {
		if try == 3 {
			return errRefused // the second code after a wrong attempt
		}
		return nil
	})
	h.params.MaxAttempts = 4
	h.attempt(10*time.Second, "0000") // 2222, texted
	h.attempt(20*time.Second, "0001") // refused for good: the verification ends
	if final := h.run(); final.Result != coffeeshop.VerificationUndeliverable {
		t.Fatalf("final = %v, want UNDELIVERABLE", final.Result)
	}
	h.wantTexts(2)
	_, keys := g.calls()
	if released := g.releasedKeys(); len(keys) != 2 || !slices.Equal(released, keys[1:]) {
		t.Errorf("admitted %q, released %q: want the second key released", keys, released)
	}
}

// Over the real store, codes after attempts that the per-phone cap refuses
// do not count for the prefix: wrong attempts of a customer whose number
// is at its cap block no one's range, and the prefix holds the first code
// only.
func TestGuardPhoneCapRefusalsDoNotCount(t *testing.T) {
	h, guard := newStoreGuardedHarness(t)
	h.fillPhoneCap()
	h.params.MaxAttempts = 5
	// The API admitted the first code.
	if err := guard.AdmitSend(t.Context(), h.cust.PhoneNumber, "create:r1"); err != nil {
		t.Fatal(err)
	}
	h.attempt(10*time.Second, "0000") // refused by the cap, released
	h.attempt(20*time.Second, "0001") // the same
	h.attempt(30*time.Second, "0002") // the same
	h.attempt(40*time.Second, "1111")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Fatalf("final = %v, want SUCCESS", final.Result)
	}
	h.wantTexts(1)
	blocks, err := h.store.GuardBlocks(t.Context(), h.env.Now())
	if err != nil || len(blocks) != 0 {
		t.Fatalf("blocks %+v, %v; want none", blocks, err)
	}
	// One text counted: a second is allowed, the third blocks.
	neighbour := func(d string) string { return h.cust.PhoneNumber[:len(h.cust.PhoneNumber)-1] + d }
	if err := guard.AdmitSend(t.Context(), neighbour("0"), "create:r2"); err != nil {
		t.Fatalf("the prefix's second text: %v", err)
	}
	if err := guard.AdmitSend(t.Context(), neighbour("1"), "create:r3"); coffeeshop.ErrorCode(err) != coffeeshop.ETOOMANY {
		t.Errorf("the prefix's third text: %v, want ETOOMANY", err)
	}
}

// The code the fallback sends on the next channel, admitted by the guard
// and then refused for good by that channel's provider, is released.
func TestGuardReleasedWhenFallbackRefused(t *testing.T) {
	g := &recordingGuard{}
	msgs := &recordingMessages{reject: map[coffeeshop.Channel]bool{coffeeshop.ChannelWhatsApp: true}}
	h := newReceiptHarness(t, msgs, verify.CurrentVersion, func(a *verify.Activities) { a.Guard = g })
	h.receipt(5*time.Second, 1, "SM1", coffeeshop.DeliveryUndelivered)
	final := h.run()
	wantMessages(t, msgs, "sms:1111")
	_, keys := g.calls()
	if released := g.releasedKeys(); len(keys) != 1 || !slices.Equal(released, keys) {
		t.Errorf("admitted %q, released %q (final %v): want the fallback's key released", keys, released, final.Result)
	}
}
