package verify_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/verify"
)

// newCustomer is a customer as the API hands it to SignUp.
func newCustomer(n int) *coffeeshop.Customer {
	return &coffeeshop.Customer{FirstName: "Ada", LastName: "L", Email: fmt.Sprintf("create%d@example.com", n),
		PhoneNumber: fmt.Sprintf("+4479111235%02d", n)}
}

// create calls SignUp with a copy of c.
func (s *stack) create(c *coffeeshop.Customer, requestID string) (*coffeeshop.Customer, error) {
	in := *c
	return s.client.SignUp(ctx(s.t), &in, requestID)
}

// waitCode waits until the current code of c's verification is sent.
func (s *stack) waitCode(id string) {
	s.t.Helper()
	h, err := s.tc.UpdateWorkflow(ctx(s.t), client.UpdateWorkflowOptions{WorkflowID: verify.WorkflowID(id),
		UpdateName: verify.WaitCodeUpdate, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx(s.t), nil)
	}
	if err != nil {
		s.t.Fatalf("wait for the code of %s: %v", id, err)
	}
}

// activities counts the activities (local or not) of each type in the
// history of the workflow of the customer id; it fails the test unless that
// workflow has had exactly one run.
func (s *stack) activities(id string) map[string]int {
	s.t.Helper()
	desc, err := s.tc.DescribeWorkflowExecution(ctx(s.t), verify.WorkflowID(id), "")
	if err != nil {
		s.t.Fatal(err)
	}
	if info := desc.GetWorkflowExecutionInfo(); info.GetFirstRunId() != info.GetExecution().GetRunId() {
		s.t.Errorf("workflow of %s has had more than one run", id)
	}
	n := map[string]int{}
	it := s.tc.GetWorkflowHistory(ctx(s.t), verify.WorkflowID(id), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			s.t.Fatal(err)
		}
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
			n[a.GetActivityType().GetName()]++
		}
		if m := e.GetMarkerRecordedEventAttributes(); m.GetMarkerName() == "LocalActivity" {
			// The SDK records a local activity's identity as JSON in the
			// marker's "data" detail.
			var data struct{ ActivityType string }
			if err := json.Unmarshal(m.GetDetails()["data"].GetPayloads()[0].GetData(), &data); err != nil {
				s.t.Fatalf("local activity marker: %v", err)
			}
			n[data.ActivityType]++
		}
	}
	return n
}

// Parallel duplicate creates with one request_id make one customer, one
// workflow and one text, and all answer with that customer; another body
// with that request_id is a conflict, also after the verification closed.
func TestConcurrentDuplicateCreatesOnServer(t *testing.T) {
	s := newStack(t, verify.FixedCode("1234"), verify.Client{})
	body := newCustomer(1)
	const n = 10
	got := make([]*coffeeshop.Customer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = s.create(body, "req-1") })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("create %d: %v", i, errs[i])
		}
		if *got[i] != *got[0] {
			t.Errorf("create %d answered %+v, create 0 %+v", i, got[i], got[0])
		}
	}
	c := got[0]
	if c.ID != verify.CustomerID("req-1") || c.Email != body.Email || c.PhoneVerified || c.CreatedAt.IsZero() {
		t.Errorf("customer %+v", c)
	}
	s.waitCode(c.ID)
	if runs := s.activities(c.ID); runs["CreateCustomer"] != 1 || runs["SendCode"] != 1 {
		t.Errorf("activities %v, want one create and one code", runs)
	}
	if stored, err := s.store.GetCustomer(ctx(t), c.ID); err != nil || *stored != *c {
		t.Errorf("stored %+v, %v", stored, err)
	}

	other := *body
	other.FirstName = "Eve"
	if _, err := s.create(&other, "req-1"); coffeeshop.ErrorCode(err) != coffeeshop.ECONFLICT ||
		coffeeshop.ErrorMessage(err) != "request_id was already used for a different customer" {
		t.Errorf("same request_id, other body: %v", err)
	}

	// Once the verification has closed the store answers.
	expect(t, "verify", s.verify(c, "1234", ""), coffeeshop.VerificationSuccess)
	s.waitClosed(c)
	if again, err := s.create(body, "req-1"); err != nil || again.ID != c.ID || !again.CreatedAt.Equal(c.CreatedAt) ||
		!again.PhoneVerified {
		t.Errorf("repeat after close: %+v, %v; want the verified customer", again, err)
	}
	if _, err := s.create(&other, "req-1"); coffeeshop.ErrorCode(err) != coffeeshop.ECONFLICT {
		t.Errorf("other body after close: %v", err)
	}
	if n := s.sms.count(); n != 1 {
		t.Errorf("%d texts, want 1", n)
	}
}

// A create whose phone number is taken is refused with the field named and
// sends nothing; its request_id keeps that answer, and a fresh request_id
// with free fields creates the customer.
func TestRefusedCreateOnServer(t *testing.T) {
	s := newStack(t, verify.FixedCode("1234"), verify.Client{})
	first, err := s.create(newCustomer(1), "")
	if err != nil {
		t.Fatal(err)
	}
	s.waitCode(first.ID)
	taken := newCustomer(2)
	taken.PhoneNumber = first.PhoneNumber
	for _, step := range []string{"first", "repeat"} {
		_, err := s.create(taken, "req-2")
		if coffeeshop.ErrorCode(err) != coffeeshop.ECONFLICT ||
			coffeeshop.ErrorMessage(err) != "customer.phone_number is already used by another customer" {
			t.Errorf("%s: %v, want the phone number in use", step, err)
		}
	}
	other := *taken
	other.LastName = "M"
	if _, err := s.create(&other, "req-2"); coffeeshop.ErrorMessage(err) != "request_id was already used for a different customer" {
		t.Errorf("other body: %v", err)
	}
	refused := verify.CustomerID("req-2")
	if _, err := s.store.GetCustomer(ctx(t), refused); coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
		t.Errorf("refused customer stored: %v", err)
	}
	if _, err := s.client.GetVerification(ctx(t), refused); coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
		t.Errorf("verification of the refused customer: %v, want ENOTFOUND", err)
	}
	if _, err := s.client.Verify(ctx(t), refused, "1234", ""); coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
		t.Errorf("verify the refused customer: %v, want ENOTFOUND", err)
	}

	free := newCustomer(3)
	c, err := s.create(free, "req-3")
	if err != nil {
		t.Fatal(err)
	}
	s.waitCode(c.ID)
	if n := s.sms.count(); n != 2 {
		t.Errorf("%d texts, want 2 (none for the refused create)", n)
	}
	if a, b := verify.CustomerID("req-3"), c.ID; a != b {
		t.Errorf("ID %s, want %s", b, a)
	}
	if _, err := s.create(free, ""); coffeeshop.ErrorCode(err) != coffeeshop.ECONFLICT {
		t.Errorf("the same customer without a request_id: %v, want ECONFLICT", err)
	}
}

// Resend still replaces a verification that ended unsuccessfully with a
// new run under the same ID; a repeated create then reaches that run and
// answers from the store.
func TestResendAfterCreateOnServer(t *testing.T) {
	s := newStack(t, sequentialCodes(), verify.Client{MaxAttempts: 1})
	body := newCustomer(1)
	c, err := s.create(body, "req-1")
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "wrong", s.verify(c, "0000", ""), coffeeshop.VerificationMaxAttemptsReached)
	if _, err := s.client.ResendCode(ctx(t), c); err != nil {
		t.Fatalf("resend after MAX_ATTEMPTS_REACHED: %v", err)
	}
	if again, err := s.create(body, "req-1"); err != nil || *again != *c {
		t.Errorf("repeat create with a resend's run: %+v, %v", again, err)
	}
	expect(t, "the new code", s.verify(c, "2222", ""), coffeeshop.VerificationSuccess)
}

// A verification records who started it in its memo, so that the Web UI
// shows it: the key's ID, never a secret; none without a caller.
func TestSignUpRecordsCaller(t *testing.T) {
	s := newStack(t, verify.FixedCode("1234"), verify.Client{})
	for i, tc := range []struct {
		caller *coffeeshop.Caller
		want   string
	}{
		{&coffeeshop.Caller{Kind: coffeeshop.CallerKey, KeyID: "0123456789abcdef"}, "key 0123456789abcdef"},
		{&coffeeshop.Caller{Kind: coffeeshop.CallerOpen}, "open"},
		{nil, ""},
	} {
		c := ctx(t)
		if tc.caller != nil {
			c = coffeeshop.WithCaller(c, *tc.caller)
		}
		in := *newCustomer(60 + i)
		got, err := s.client.SignUp(c, &in, fmt.Sprintf("memo-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		desc, err := s.tc.DescribeWorkflowExecution(ctx(t), verify.WorkflowID(got.ID), "")
		if err != nil {
			t.Fatal(err)
		}
		field, ok := desc.GetWorkflowExecutionInfo().GetMemo().GetFields()[verify.CreatedByMemo]
		if tc.want == "" {
			if ok {
				t.Errorf("caller %v: memo %s is set", tc.caller, verify.CreatedByMemo)
			}
			continue
		}
		var by string
		if err := converter.GetDefaultDataConverter().FromPayload(field, &by); err != nil {
			t.Fatalf("caller %v: memo: %v", tc.caller, err)
		}
		if by != tc.want {
			t.Errorf("caller %v: memo %s = %q, want %q", tc.caller, verify.CreatedByMemo, by, tc.want)
		}
	}
}
