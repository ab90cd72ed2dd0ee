package verify_test

import (
	"errors"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/verify"
)

// The per-phone cap on the real server: a verification whose automatic
// codes are refused runs out of attempts as usual, and the resend that would
// start a new one answers ETOOMANY with the time until a code may be sent,
// leaving a running verification without a code.
func TestPhoneCapOnServer(t *testing.T) {
	s := newStack(t, sequentialCodes(), verify.Client{})
	c := &coffeeshop.Customer{ID: "0b7f4a52-8a8e-4d0e-9d5e-6a1f3c2b9e01", FirstName: "Ada", LastName: "L",
		Email: "capped@example.com", PhoneNumber: "+447911999001"}
	if err := s.store.InsertCustomer(ctx(t), c); err != nil {
		t.Fatal(err)
	}
	// Earlier codes leave room for one: the first code of c's verification.
	earlier := time.Now().Add(-time.Hour)
	for range verify.DefaultPhoneCodeLimit - 1 {
		if ok, _, err := s.store.RecordCodeSent(ctx(t), c.PhoneNumber, "", earlier, verify.DefaultPhoneCodeWindow,
			verify.DefaultPhoneCodeLimit); err != nil || !ok {
			t.Fatalf("RecordCodeSent: %v, %v", ok, err)
		}
	}
	if err := s.client.StartVerification(ctx(t), c); err != nil {
		t.Fatal(err)
	}

	expect(t, "wrong 1", s.verify(c, "0000", ""), coffeeshop.VerificationIncorrectCode)
	expect(t, "wrong 2", s.verify(c, "0001", ""), coffeeshop.VerificationIncorrectCode)
	expect(t, "wrong 3", s.verify(c, "0002", ""), coffeeshop.VerificationMaxAttemptsReached)

	_, err := s.client.ResendCode(ctx(t), c)
	var e *coffeeshop.Error
	if !errors.As(err, &e) || e.Code != coffeeshop.ETOOMANY ||
		e.RetryAfter <= 22*time.Hour || e.RetryAfter > verify.DefaultPhoneCodeWindow-time.Hour+time.Second {
		t.Fatalf("resend over the cap: %#v, want ETOOMANY retry after ~23h", err)
	}
	if v := s.status(c); v.Status != coffeeshop.VerificationStatusInProgress || !v.CodeExpiresAt.IsZero() {
		t.Errorf("status %+v, want a running verification without a code", v)
	}
	if n := s.sms.count(); n != 1 {
		t.Errorf("%d texts, want 1", n)
	}
}
