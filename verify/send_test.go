package verify_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/verify"
)

// answerLostSMS hands every text to the phone, but the first try's answer
// never comes back: the provider took the text, the worker saw a failure
// (a timeout, a dropped connection).
type answerLostSMS struct {
	mu     sync.Mutex
	bodies []string
}

func (s *answerLostSMS) SendSMS(_ context.Context, _, body string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodies = append(s.bodies, body)
	if len(s.bodies) == 1 {
		return errors.New("the provider's answer was lost")
	}
	return nil
}

func (s *answerLostSMS) texts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

// codeIn is the one-time code of a text.
var codeIn = regexp.MustCompile(`\b\d{4,10}\b`)

// The first code goes out in the first workflow task; when that try fails
// in a way that may pass, the activity that takes over is the same send:
// with codes derived from the send's key it texts the code the customer
// may already have, the per-phone cap counts it once, and that code
// verifies.
func TestFirstSendTakenOverIsTheSameSend(t *testing.T) {
	sms := &answerLostSMS{}
	h := newHarnessWith(t, func(a *verify.Activities) {
		a.SMS = sms
		a.NewCode = verify.DerivedCodes(testSecret)
	})
	var code string
	h.env.RegisterDelayedCallback(func() {
		texts := sms.texts()
		if len(texts) != 2 {
			t.Fatalf("texts before the attempt: %q, want the lost try's and the activity's", texts)
		}
		code = codeIn.FindString(texts[0])
		if code == "" || codeIn.FindString(texts[1]) != code {
			t.Fatalf("texts %q: want the same code in both", texts)
		}
	}, 30*time.Second)
	h.env.RegisterDelayedCallback(func() {
		h.attempt(0, code)
	}, 31*time.Second)
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Fatalf("final = %v, want SUCCESS", final.Result)
	}
	h.wantVerified(true)
	// One send for the cap: with a limit of 2, one more fits, no second.
	for i, want := range []bool{true, false} {
		ok, _, err := h.store.RecordCodeSent(t.Context(), h.cust.PhoneNumber, "", time.Now(), verify.DefaultPhoneCodeWindow, 2)
		if err != nil || ok != want {
			t.Errorf("send %d after the taken-over one: allowed %v, %v; want %v", i+2, ok, err, want)
		}
	}
}
