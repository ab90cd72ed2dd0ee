package verify_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/verify"
)

// errRefused is how an SMS sender reports a message the provider refused for
// good (here, as the Twilio sender words an invalid number).
var errRefused = fmt.Errorf("twilio: send to +44•••••••456 refused: HTTP 400, Twilio error 21211: %w",
	coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "the text message could not be delivered"))

// errProviderDown is how an SMS sender reports a failure worth retrying.
var errProviderDown = fmt.Errorf("twilio: send to +44•••••••456: HTTP 503: %w",
	coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "the SMS provider is unavailable"))

func always(err error) func(int) error { return func(int) error { return err } }

// A first code the provider refuses for good ends the verification as
// UNDELIVERABLE at once: the send is not retried, and the workflow
// completes (it does not fail) so that clients get a clear answer.
func TestUndeliverableFirstCodeEndsVerification(t *testing.T) {
	h := newHarness(t)
	h.sms.failWith(always(errRefused))
	final := h.run()
	if final.Result != coffeeshop.VerificationUndeliverable || !final.CodeExpiresAt.IsZero() {
		t.Errorf("final = %+v, want UNDELIVERABLE without a code", final)
	}
	if n := h.sms.attempts(); n != 1 {
		t.Errorf("SendSMS called %d times, want 1 (no retries)", n)
	}
	h.wantTexts(0)
	// The customer exists, so the verification counts as started; it
	// failed for the reason "undeliverable".
	h.wantCounts(map[string]int64{
		verify.MetricStarted:                           1,
		verify.MetricFailed + "{reason=undeliverable}": 1,
	})
}

// A resend whose code is refused for good answers with the final status
// UNDELIVERABLE, and the verification ends with it.
func TestUndeliverableResendEndsVerification(t *testing.T) {
	h := newHarness(t)
	h.sms.failWith(func(try int) error {
		if try >= 2 {
			return errRefused
		}
		return nil
	})
	h.query(20*time.Second, func(_ time.Time, st verify.Status) {
		if st.Result != coffeeshop.VerificationInProgress {
			t.Errorf("status before the resend: %v, want IN_PROGRESS", st.Result)
		}
	})
	h.resend(40 * time.Second)
	final := h.run()
	if final.Result != coffeeshop.VerificationUndeliverable {
		t.Errorf("final = %v, want UNDELIVERABLE", final.Result)
	}
	if len(h.answers) != 1 || h.answers[0].err != nil {
		t.Fatalf("answers %v, want one resend answer", h.answers)
	}
	if st := h.answers[0].value.(verify.Status); st.Result != coffeeshop.VerificationUndeliverable {
		t.Errorf("resend answered %+v, want UNDELIVERABLE", st)
	}
	if n := h.sms.attempts(); n != 2 {
		t.Errorf("SendSMS called %d times, want 2 (no retries)", n)
	}
	h.wantTexts(1)
}

// A failure that may go away (the provider is down, rate limited) is
// retried until the code is sent, and the verification carries on.
func TestRetryableSendFailureIsRetried(t *testing.T) {
	h := newHarness(t)
	h.sms.failWith(func(try int) error {
		if try <= 3 {
			return errProviderDown
		}
		return nil
	})
	h.attempt(time.Minute, "4444") // each try makes a new code: the fourth is sent
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final.Result)
	}
	if n := h.sms.attempts(); n != 4 {
		t.Errorf("SendSMS called %d times, want 4 (3 failures, then the text)", n)
	}
	h.wantTexts(1)
	h.wantVerified(true)
	// The four tries are one send for the per-phone cap: with a limit of 2,
	// one more send fits, and no second one.
	for i, want := range []bool{true, false} {
		ok, _, err := h.store.RecordCodeSent(t.Context(), h.cust.PhoneNumber, "", time.Now(), verify.DefaultPhoneCodeWindow, 2)
		if err != nil || ok != want {
			t.Errorf("send %d after the retried one: allowed %v, %v; want %v", i+2, ok, err, want)
		}
	}
}

// On a real server, through the Client: a verification whose code cannot be
// delivered has the status UNDELIVERABLE and answers a verify with that
// result; a resend starts over, answering EUNDELIVERABLE with a message for
// the client (not the provider's detail) while the provider still refuses,
// so once the cause is fixed the customer can still verify.
func TestUndeliverableOnServer(t *testing.T) {
	s := newStack(t, verify.FixedCode("1234"), verify.Client{})
	s.sms.failWith(always(errRefused))
	c := s.customer()
	s.waitClosed(c) // the refusal ends the run; nothing else does so soon

	wantUndeliverable := func(step string, err error) {
		t.Helper()
		var e *coffeeshop.Error
		if !errors.As(err, &e) || e.Code != coffeeshop.EUNDELIVERABLE {
			t.Fatalf("%s: %v, want EUNDELIVERABLE", step, err)
		}
		if !strings.Contains(e.Message, "could not be delivered") || strings.Contains(e.Message, "21211") ||
			strings.Contains(e.Message, "twilio") {
			t.Errorf("%s: client message %q", step, e.Message)
		}
	}
	v, err := s.client.GetVerification(ctx(t), c.ID)
	if err != nil || v.Status != coffeeshop.VerificationStatusUndeliverable {
		t.Fatalf("status: %+v, %v; want UNDELIVERABLE", v, err)
	}
	expect(t, "verify", s.verify(c, "1234", ""), coffeeshop.VerificationUndeliverable)
	_, err = s.client.ResendCode(ctx(t), c) // a new run, refused again
	wantUndeliverable("resend", err)
	if n := s.sms.attempts(); n != 2 {
		t.Errorf("SendSMS called %d times, want 2 (one per run, no retries)", n)
	}

	s.sms.failWith(nil) // say, the customer texted START again
	v, err = s.client.ResendCode(ctx(t), c)
	if err != nil || v.Status != coffeeshop.VerificationStatusInProgress {
		t.Fatalf("resend once deliverable: %+v, %v", v, err)
	}
	expect(t, "verify", s.verify(c, "1234", ""), coffeeshop.VerificationSuccess)
}
