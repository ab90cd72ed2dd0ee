package verify_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/verify"
)

// The window closing while a step of the verification runs.

// A window that closes while the first code is on its way ends the
// verification as EXPIRED: an attempt waiting for the code gets that
// answer, and the send, once done, does not reopen it.
func TestWindowClosingWhileTheCodeIsSentEndsExpired(t *testing.T) {
	h := newHarness(t)
	h.params.Window = 30 * time.Second
	h.env.OnActivity(verify.SendCodeActivity, mock.Anything, mock.Anything).After(time.Minute).Return(
		func(ctx context.Context, in verify.SendCodeInput) (verify.SendCodeResult, error) {
			return h.activities().SendCode(ctx, in)
		})
	h.attempt(10*time.Second, "1111")
	if final := h.run(); final.Result != coffeeshop.VerificationExpired || !final.CodeExpiresAt.IsZero() {
		t.Errorf("final = %+v, want EXPIRED without a code", final)
	}
	if got := h.env.Now().Sub(h.start); got < time.Minute {
		t.Errorf("ended at %s, before the code was sent: the test proves nothing", got)
	}
	h.wantAnswers("verify:EXPIRED")
	h.wantTexts(1)
}

// A window that closes while the create step stores the customer ends the
// verification as EXPIRED without sending a code; the create is answered
// with the stored customer all the same.
func TestWindowClosingWhileTheCustomerIsStoredEndsExpired(t *testing.T) {
	h := newHarness(t)
	c := &coffeeshop.Customer{ID: "0c7a4e0e-8f43-4b8e-a0a4-6f0e6d1c2b36", FirstName: "Grace", LastName: "Hopper",
		Email: "grace@example.com", PhoneNumber: "+447911123457"}
	hash := h.creating(c)
	h.params.Window = 30 * time.Second
	h.env.OnActivity(verify.StoreCustomerActivity, mock.Anything, mock.Anything).After(time.Minute).Return(
		func(ctx context.Context, c coffeeshop.Customer) (coffeeshop.Customer, error) {
			return h.activities().StoreCustomer(ctx, c)
		})
	h.update(0, "create", verify.CreateUpdate, "", verify.CreateRequest{BodyHash: hash})
	h.attempt(10*time.Second, "1111")
	if final := h.run(); final.Result != coffeeshop.VerificationExpired {
		t.Errorf("final = %v, want EXPIRED", final.Result)
	}
	if a := h.answerOf("create"); a.err != nil || a.value.(coffeeshop.Customer).ID != c.ID {
		t.Errorf("create answered %+v, %v; want the stored customer", a.value, a.err)
	}
	if a := h.answerOf("verify"); a.err != nil || a.value != coffeeshop.VerificationExpired {
		t.Errorf("verify answered %v, want EXPIRED", a)
	}
	h.wantVerified(false) // and stored
	h.wantTexts(0)
}
