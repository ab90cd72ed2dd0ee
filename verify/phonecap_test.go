package verify_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/verify"
)

// fillPhoneCap records sends to the harness's phone an hour before the
// workflow starts, leaving room for one more under the default cap.
func (h *harness) fillPhoneCap() {
	h.t.Helper()
	at := h.env.Now().Add(-time.Hour)
	for range verify.DefaultPhoneCodeLimit - 1 {
		ok, _, err := h.store.RecordCodeSent(h.t.Context(), h.cust.PhoneNumber, "", at, verify.DefaultPhoneCodeWindow, verify.DefaultPhoneCodeLimit)
		if err != nil || !ok {
			h.t.Fatalf("RecordCodeSent: %v, %v", ok, err)
		}
	}
}

// A resend over the per-phone cap is refused until the oldest counted send
// leaves the window, and the code sent before keeps working.
func TestPhoneCapRefusesResend(t *testing.T) {
	h := newHarness(t)
	h.fillPhoneCap() // the first code is the last one allowed
	h.resend(verify.DefaultResendCooldown)
	h.attempt(time.Minute, "1111")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final.Result)
	}
	if len(h.answers) != 2 {
		t.Fatalf("answers %v", h.answers)
	}
	wantLimit(t, h.answers[0], verify.DefaultPhoneCodeWindow-time.Hour-verify.DefaultResendCooldown)
	h.wantTexts(1)
}

// When the code after a wrong attempt is refused by the per-phone cap, the
// workflow does not fail: the attempts go on against the code sent last and
// run out as usual.
func TestPhoneCapAfterWrongAttemptEndsAtMaxAttempts(t *testing.T) {
	h := newHarness(t)
	h.fillPhoneCap()
	h.attempt(10*time.Second, "0000")
	h.attempt(20*time.Second, "0001")
	h.query(30*time.Second, func(_ time.Time, st verify.Status) {
		if st.Result != coffeeshop.VerificationInProgress || st.AttemptsLeft != 1 {
			t.Errorf("status %+v, want in progress with 1 attempt left", st)
		}
	})
	h.attempt(40*time.Second, "0002")
	final := h.run()
	if final.Result != coffeeshop.VerificationMaxAttemptsReached {
		t.Errorf("final = %v, want MAX_ATTEMPTS_REACHED", final.Result)
	}
	h.wantAnswers("verify:INCORRECT_CODE", "verify:INCORRECT_CODE", "verify:MAX_ATTEMPTS_REACHED")
	h.wantTexts(1)
}

// failingFirstRecord fails the first RecordCodeSent: after the record was
// committed (the answer lost) or before it.
type failingFirstRecord struct {
	coffeeshop.CodeSendLedger
	committed bool
	calls     int
}

func (s *failingFirstRecord) RecordCodeSent(ctx context.Context, phone, key string, at time.Time, window time.Duration, limit int) (bool, time.Duration, error) {
	s.calls++
	if s.calls > 1 {
		return s.CodeSendLedger.RecordCodeSent(ctx, phone, key, at, window, limit)
	}
	if s.committed {
		if _, _, err := s.CodeSendLedger.RecordCodeSent(ctx, phone, key, at, window, limit); err != nil {
			return false, 0, err
		}
	}
	return false, 0, errors.New("connection reset")
}

// A send whose first try failed at the per-phone record — before it was
// committed, or after with the answer lost — counts exactly once when the
// retry succeeds.
func TestPhoneCapCountsARetriedSendOnce(t *testing.T) {
	for _, committed := range []bool{false, true} {
		t.Run(fmt.Sprintf("committed=%v", committed), func(t *testing.T) {
			flaky := &failingFirstRecord{committed: committed}
			h := newHarness(t, func(l coffeeshop.CodeSendLedger) coffeeshop.CodeSendLedger {
				flaky.CodeSendLedger = l
				return flaky
			})
			h.attempt(time.Minute, "1111")
			if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
				t.Fatalf("final = %v, want SUCCESS", final.Result)
			}
			if flaky.calls != 2 {
				t.Errorf("RecordCodeSent called %d times, want 2 (the failed try, the retry)", flaky.calls)
			}
			// With a limit of 2, one more send fits, and no second one.
			for i, want := range []bool{true, false} {
				ok, _, err := h.store.RecordCodeSent(t.Context(), h.cust.PhoneNumber, "", h.env.Now(), verify.DefaultPhoneCodeWindow, 2)
				if err != nil || ok != want {
					t.Errorf("send %d after the retried one: allowed %v, %v; want %v", i+2, ok, err, want)
				}
			}
		})
	}
}
