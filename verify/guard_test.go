package verify_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/verify"
)

// recordingGuard answers every AdmitSend with the next of its answers (the
// last one over and over; nil admits) and records the calls, and the keys
// of the ReleaseSend calls.
type recordingGuard struct {
	mu       sync.Mutex
	answers  []error
	phones   []string
	keys     []string
	released []string
}

func (g *recordingGuard) AdmitSend(_ context.Context, phone, key string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.phones, g.keys = append(g.phones, phone), append(g.keys, key)
	if len(g.answers) == 0 {
		return nil
	}
	err := g.answers[0]
	if len(g.answers) > 1 {
		g.answers = g.answers[1:]
	}
	return err
}

func (g *recordingGuard) ReleaseSend(_ context.Context, phone, key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.released = append(g.released, key)
}

// releasedKeys returns the keys of the ReleaseSend calls.
func (g *recordingGuard) releasedKeys() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.released...)
}

func (g *recordingGuard) calls() ([]string, []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.phones...), append([]string(nil), g.keys...)
}

func newGuardedHarness(t *testing.T, g verify.SendGuard) *harness {
	return newHarnessWith(t, func(a *verify.Activities) { a.Guard = g })
}

// newStoreGuardedHarness is a harness whose worker asks the API's Guard,
// counting in the harness's store as the worker's does in its own, with
// the default policy but for a prefix's 3rd unverified text blocking it.
func newStoreGuardedHarness(t *testing.T) (*harness, *api.Guard) {
	policy := api.DefaultGuardPolicy()
	policy.MinSends = 3
	var acts *verify.Activities
	h := newHarnessWith(t, func(a *verify.Activities) { acts = a })
	guard := api.NewGuard(api.GuardConfig{Store: h.store, Policy: policy, Now: h.env.Now})
	acts.Guard = guard
	return h, guard
}

// Only the code a run sends by itself after a wrong or expired code is put
// to the guard: the first code and a resend were admitted by the API's.
func TestGuardAsksOnlyForCodesAfterAttempts(t *testing.T) {
	g := &recordingGuard{}
	h := newGuardedHarness(t, g)
	h.resend(verify.DefaultResendCooldown)                         // 2222, on request
	h.attempt(verify.DefaultResendCooldown+10*time.Second, "0000") // wrong: 3333, by itself
	// The code expired: 4444, by itself.
	h.attempt(verify.DefaultResendCooldown+10*time.Second+verify.DefaultCodeTTL+time.Second, "3333")
	h.params.MaxAttempts = 4
	h.attempt(verify.DefaultResendCooldown+20*time.Second+verify.DefaultCodeTTL+time.Second, "4444")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Fatalf("final = %v, want SUCCESS", final.Result)
	}
	if len(h.answers) != 4 || h.answers[0].name != "resend" || h.answers[0].err != nil {
		t.Fatalf("answers %v, want the resend answered first", h.answers)
	}
	h.answers = h.answers[1:]
	h.wantAnswers("verify:INCORRECT_CODE", "verify:CODE_EXPIRED", "verify:SUCCESS")
	h.wantTexts(4)
	phones, keys := g.calls()
	if len(phones) != 2 || phones[0] != h.cust.PhoneNumber || phones[1] != h.cust.PhoneNumber {
		t.Fatalf("guard asked for %v, want the customer's number twice", phones)
	}
	if keys[0] == "" || keys[0] == keys[1] {
		t.Errorf("guard keys %q: want two different send keys", keys)
	}
}

// A code after a wrong attempt that the guard refuses is not texted; the
// code sent before stays the one to verify with, and the run goes on.
func TestGuardRefusalKeepsTheCurrentCode(t *testing.T) {
	g := &recordingGuard{answers: []error{&coffeeshop.Error{Code: coffeeshop.ETOOMANY, RetryAfter: 15 * time.Minute,
		Reason: coffeeshop.ReasonPrefixBlocked, Message: "paused"}}}
	h := newGuardedHarness(t, g)
	h.attempt(10*time.Second, "0000")
	h.query(15*time.Second, func(_ time.Time, st verify.Status) {
		if st.Result != coffeeshop.VerificationInProgress || st.AttemptsLeft != verify.DefaultMaxAttempts-1 || st.CodeExpiresAt.IsZero() {
			t.Errorf("status after the refusal %+v, want in progress, one attempt used, the first code valid", st)
		}
	})
	h.attempt(20*time.Second, "1111")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Fatalf("final = %v, want SUCCESS", final.Result)
	}
	h.wantAnswers("verify:INCORRECT_CODE", "verify:SUCCESS")
	h.wantTexts(1)
	if phones, _ := g.calls(); len(phones) != 1 {
		t.Errorf("guard asked %d times, want 1 (a refusal is not retried)", len(phones))
	}
}

// A guard that cannot answer holds the code back (retried), never lets it
// out unchecked: the text goes out once the guard admits it, under the
// same key.
func TestGuardUnavailableRetriesTheSend(t *testing.T) {
	g := &recordingGuard{answers: []error{errors.New("database is locked"), errors.New("database is locked"), nil}}
	h := newGuardedHarness(t, g)
	h.attempt(10*time.Second, "0000")
	h.attempt(time.Minute, "2222")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Fatalf("final = %v, want SUCCESS", final.Result)
	}
	h.wantTexts(2)
	_, keys := g.calls()
	if len(keys) != 3 || keys[0] != keys[1] || keys[1] != keys[2] {
		t.Errorf("guard keys %q: want one key asked three times", keys)
	}
}

// The API's Guard over the real store blocks a prefix whose texts do not
// convert: a run's code after a wrong attempt counts for its prefix, and
// the one that reaches --guard-min-sends unverified is refused, the prefix
// blocked for every process; the customer still verifies with the code
// they have.
func TestGuardBlocksPrefixOfCodesAfterAttempts(t *testing.T) {
	h, guard := newStoreGuardedHarness(t)
	h.params.MaxAttempts = 5
	// The API admitted the first code.
	if err := guard.AdmitSend(t.Context(), h.cust.PhoneNumber, "create:r1"); err != nil {
		t.Fatal(err)
	}
	h.attempt(10*time.Second, "0000") // 2222: the prefix's 2nd text
	h.attempt(20*time.Second, "0001") // the 3rd would block: refused
	h.attempt(30*time.Second, "2222")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Fatalf("final = %v, want SUCCESS", final.Result)
	}
	h.wantAnswers("verify:INCORRECT_CODE", "verify:INCORRECT_CODE", "verify:SUCCESS")
	h.wantTexts(2)
	blocks, err := h.store.GuardBlocks(t.Context(), h.env.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 1 || blocks[0].Prefix != coffeeshop.NumberPrefix(h.cust.PhoneNumber) || blocks[0].Country != "GG" {
		t.Fatalf("blocks %+v, want the customer's prefix (GG)", blocks)
	}
	// A create on the blocked prefix is refused as well.
	err = guard.AdmitSend(t.Context(), h.cust.PhoneNumber[:len(h.cust.PhoneNumber)-1]+"0", "create:r2")
	if coffeeshop.ErrorCode(err) != coffeeshop.ETOOMANY {
		t.Errorf("a send to the blocked prefix: %v, want ETOOMANY", err)
	}
}

// The code a run sends on the next channel after an undelivered message is
// put to the guard too: admitted, it goes out as usual (asked once, for the
// WhatsApp send); refused (the prefix blocked meanwhile), no message goes
// out and the code sent before stays the one to verify with.
func TestGuardDecidesFallbacks(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		t.Run(fmt.Sprintf("refused=%v", refuse), func(t *testing.T) {
			g := &recordingGuard{}
			if refuse {
				g.answers = []error{&coffeeshop.Error{Code: coffeeshop.ETOOMANY, RetryAfter: time.Hour,
					Reason: coffeeshop.ReasonPrefixBlocked, Message: "paused"}}
			}
			msgs := &recordingMessages{}
			h := newReceiptHarness(t, msgs, verify.CurrentVersion, func(a *verify.Activities) { a.Guard = g })
			h.receipt(5*time.Second, 1, "SM1", coffeeshop.DeliveryUndelivered)
			code, want := "2222", []string{"sms:1111", "whatsapp:2222"}
			if refuse {
				code, want = "1111", []string{"sms:1111"}
			}
			h.attempt(time.Minute, code)
			if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
				t.Fatalf("final = %v, want SUCCESS", final.Result)
			}
			wantMessages(t, msgs, want...)
			if phones, _ := g.calls(); len(phones) != 1 || phones[0] != h.cust.PhoneNumber {
				t.Errorf("guard asked for %v, want the customer's number once (the fallback)", phones)
			}
		})
	}
}
