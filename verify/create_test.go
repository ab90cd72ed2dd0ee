package verify_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/verify"
)

// creating turns h into the harness of a verification that creates its
// customer c (not yet stored).
func (h *harness) creating(c *coffeeshop.Customer) string {
	hash := verify.BodyHash(c)
	h.cust = c
	h.params = verify.Params{CustomerID: c.ID, PhoneNumber: c.PhoneNumber, Create: &verify.NewCustomer{
		FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, BodyHash: hash}}
	return hash
}

// answerOf returns the one answer named name.
func (h *harness) answerOf(name string) answer {
	h.t.Helper()
	for _, a := range h.answers {
		if a.name == name {
			return a
		}
	}
	h.t.Fatalf("no answer %q in %v", name, h.answers)
	return answer{}
}

func TestCreateStepStoresCustomerBeforeTheFirstCode(t *testing.T) {
	h := newHarness(t)
	c := &coffeeshop.Customer{ID: "0c7a4e0e-8f43-4b8e-a0a4-6f0e6d1c2b33", FirstName: "Grace", LastName: "Hopper",
		Email: "grace@example.com", PhoneNumber: "+447911123457"}
	hash := h.creating(c)
	// The code must not be on its way before the row exists.
	h.env.OnActivity("SendCode", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in verify.SendCodeInput) (verify.SendCodeResult, error) {
			if _, err := h.store.GetCustomer(ctx, c.ID); err != nil {
				t.Errorf("code sent before the customer was stored: %v", err)
			}
			return h.activities().SendCode(ctx, in)
		})
	h.update(0, "create", verify.CreateUpdate, "", verify.CreateRequest{BodyHash: hash})
	h.update(0, "duplicate", verify.CreateUpdate, "", verify.CreateRequest{BodyHash: hash})
	h.update(0, "other body", verify.CreateUpdate, "", verify.CreateRequest{BodyHash: verify.BodyHash(&coffeeshop.Customer{})})
	h.attempt(10*time.Second, "1111")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final.Result)
	}
	for _, name := range []string{"create", "duplicate"} {
		a := h.answerOf(name)
		got, ok := a.value.(coffeeshop.Customer)
		if a.err != nil || !ok || got.ID != c.ID || got.Email != c.Email || got.CreatedAt.IsZero() || got.PhoneVerified {
			t.Errorf("%s answered %+v, %v", name, a.value, a.err)
		}
	}
	if a := h.answerOf("other body"); errType(a.err) != "RequestIDReused" {
		t.Errorf("other body answered %v", a)
	}
	h.wantVerified(true)
	h.wantTexts(1)
}

func TestCreateStepRefusedSendsNoCode(t *testing.T) {
	h := newHarness(t)
	taken := h.cust.PhoneNumber
	hash := h.creating(&coffeeshop.Customer{ID: "0c7a4e0e-8f43-4b8e-a0a4-6f0e6d1c2b34", FirstName: "Grace",
		LastName: "Hopper", Email: "grace@example.com", PhoneNumber: taken})
	h.update(0, "create", verify.CreateUpdate, "", verify.CreateRequest{BodyHash: hash})
	// An attempt that arrives while the customer is being stored learns
	// that there is none.
	h.attempt(0, "1111")
	h.env.ExecuteWorkflow(verify.VerifyPhone, h.params)
	if !h.env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	var appErr *temporal.ApplicationError
	if err := h.env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != "CustomerInUse" ||
		appErr.Message() != "customer.phone_number is already used by another customer" {
		t.Errorf("workflow error = %v", err)
	}
	h.wantAnswers("create:error(CustomerInUse)", "verify:error(NoCustomer)")
	if _, err := h.store.GetCustomer(context.Background(), h.cust.ID); coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
		t.Errorf("refused customer stored: %v", err)
	}
	h.wantTexts(0)
}

func TestCreateUpdateOnAVerificationThatDidNotCreate(t *testing.T) {
	h := newHarness(t)
	h.update(0, "create", verify.CreateUpdate, "", verify.CreateRequest{BodyHash: verify.BodyHash(h.cust)})
	h.attempt(time.Second, "1111")
	h.run()
	h.wantAnswers("create:error(NotACreate)", "verify:SUCCESS")
}

// A retry of the create activity after it stored the customer (its
// completion was lost) succeeds with the stored customer.
func TestCreateActivityIsIdempotent(t *testing.T) {
	h := newHarness(t)
	a := &verify.Activities{Store: h.store}
	got, err := a.StoreCustomer(context.Background(), *h.cust)
	if err != nil || got.ID != h.cust.ID || got.CreatedAt.IsZero() {
		t.Errorf("StoreCustomer of a stored customer = %+v, %v", got, err)
	}
	other := *h.cust
	other.ID = "0c7a4e0e-8f43-4b8e-a0a4-6f0e6d1c2b35"
	other.Email = "new@example.com"
	var appErr *temporal.ApplicationError
	if _, err := a.StoreCustomer(context.Background(), other); !errors.As(err, &appErr) || !appErr.NonRetryable() ||
		appErr.Message() != "customer.phone_number is already used by another customer" {
		t.Errorf("StoreCustomer with a taken phone = %v", err)
	}
}
