package verify_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/verify"
	"go.temporal.io/sdk/testsuite"
)

// recordingSMS stands in for a remote SMS provider and remembers each text.
type recordingSMS struct {
	mu   sync.Mutex
	sent []string
}

func (r *recordingSMS) SendSMS(ctx context.Context, to, body string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, to+": "+body)
	return nil
}

func (r *recordingSMS) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

// sequentialCodes hands out "1111", "2222", ... so a test can tell a fresh
// code from the one it replaced.
func sequentialCodes() verify.CodeGenerator {
	var n int
	return func() (string, error) {
		n++
		return fmt.Sprintf("%d%d%d%d", n, n, n, n), nil
	}
}

type harness struct {
	t     *testing.T
	env   *testsuite.TestWorkflowEnvironment
	store coffeeshop.CustomerStore
	sms   *recordingSMS
	cust  *coffeeshop.Customer
	got   []coffeeshop.VerificationResult
	errs  []error
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "customers.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	cust := &coffeeshop.Customer{ID: "6f1c1f5e-4b8e-4d3a-9a57-2f1f0f0b6c11", FirstName: "Ada", LastName: "Lovelace",
		Email: "ada@example.com", PhoneNumber: "+447700900123"}
	if err := store.CreateCustomer(context.Background(), cust); err != nil {
		t.Fatalf("create customer: %v", err)
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	sms := &recordingSMS{}
	verify.Register(env, &verify.Activities{Store: store, SMS: sms, NewCode: sequentialCodes()})
	return &harness{t: t, env: env, store: store, sms: sms, cust: cust}
}

// attempt sends code as a VerifyUpdate after delay (workflow time) and
// records the answer.
func (h *harness) attempt(delay time.Duration, code string) {
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(verify.VerifyUpdate, fmt.Sprintf("attempt-%d-%s", len(h.got)+len(h.errs), code),
			&testsuite.TestUpdateCallback{
				OnReject: func(err error) { h.errs = append(h.errs, err) },
				OnAccept: func() {},
				OnComplete: func(v any, err error) {
					if err != nil {
						h.errs = append(h.errs, err)
						return
					}
					h.got = append(h.got, v.(coffeeshop.VerificationResult))
				},
			}, code)
	}, delay)
}

// run executes the workflow to its end and returns its result.
func (h *harness) run() coffeeshop.VerificationResult {
	h.t.Helper()
	h.env.ExecuteWorkflow(verify.VerifyPhone, verify.Params{CustomerID: h.cust.ID, PhoneNumber: h.cust.PhoneNumber})
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow failed: %v", err)
	}
	var final coffeeshop.VerificationResult
	if err := h.env.GetWorkflowResult(&final); err != nil {
		h.t.Fatalf("workflow result: %v", err)
	}
	return final
}

func (h *harness) wantAnswers(want ...coffeeshop.VerificationResult) {
	h.t.Helper()
	if fmt.Sprint(h.got) != fmt.Sprint(want) {
		h.t.Errorf("answers = %v, want %v (errors: %v)", h.got, want, h.errs)
	}
}

func (h *harness) wantVerified(want bool) {
	h.t.Helper()
	c, err := h.store.GetCustomer(context.Background(), h.cust.ID)
	if err != nil {
		h.t.Fatalf("get customer: %v", err)
	}
	if c.PhoneVerified != want {
		h.t.Errorf("PhoneVerified = %v, want %v", c.PhoneVerified, want)
	}
}

func TestCorrectCodeVerifies(t *testing.T) {
	h := newHarness(t)
	h.attempt(10*time.Second, "1111")
	if final := h.run(); final != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final)
	}
	h.wantAnswers(coffeeshop.VerificationSuccess)
	h.wantVerified(true)
	if n := h.sms.count(); n != 1 {
		t.Errorf("sent %d texts, want 1", n)
	}
}

func TestWrongCodeSendsNewCode(t *testing.T) {
	h := newHarness(t)
	h.attempt(10*time.Second, "0000") // wrong; "2222" is sent next
	h.attempt(20*time.Second, "1111") // the replaced code no longer works; "3333" is sent next
	h.attempt(30*time.Second, "3333")
	if final := h.run(); final != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final)
	}
	h.wantAnswers(coffeeshop.VerificationIncorrectCode, coffeeshop.VerificationIncorrectCode, coffeeshop.VerificationSuccess)
	h.wantVerified(true)
	if n := h.sms.count(); n != 3 {
		t.Errorf("sent %d texts, want 3 (first code and one after each wrong attempt)", n)
	}
}

func TestMaxAttemptsEndsVerification(t *testing.T) {
	h := newHarness(t)
	h.attempt(10*time.Second, "0000")
	h.attempt(20*time.Second, "0001")
	h.attempt(30*time.Second, "0002")
	if final := h.run(); final != coffeeshop.VerificationMaxAttemptsReached {
		t.Errorf("final = %v, want MAX_ATTEMPTS_REACHED", final)
	}
	h.wantAnswers(coffeeshop.VerificationIncorrectCode, coffeeshop.VerificationIncorrectCode,
		coffeeshop.VerificationMaxAttemptsReached)
	h.wantVerified(false)
}

func TestExpiredCodeCountsAndIsReplaced(t *testing.T) {
	h := newHarness(t)
	h.attempt(verify.DefaultCodeTTL+time.Second, "1111")   // right code, too late
	h.attempt(verify.DefaultCodeTTL+2*time.Second, "2222") // the fresh code works
	if final := h.run(); final != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final)
	}
	h.wantAnswers(coffeeshop.VerificationCodeExpired, coffeeshop.VerificationSuccess)
	h.wantVerified(true)
}

func TestCodeJustBeforeExpiryIsAccepted(t *testing.T) {
	h := newHarness(t)
	h.attempt(verify.DefaultCodeTTL-time.Second, "1111")
	if final := h.run(); final != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final)
	}
	h.wantAnswers(coffeeshop.VerificationSuccess)
}

func TestEmptyCodeIsRejectedWithoutConsumingAnAttempt(t *testing.T) {
	h := newHarness(t)
	h.attempt(time.Second, "")
	h.attempt(2*time.Second, "")
	h.attempt(3*time.Second, "")
	h.attempt(4*time.Second, "1111")
	if final := h.run(); final != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final)
	}
	if len(h.errs) != 3 {
		t.Errorf("rejections = %v, want 3", h.errs)
	}
	h.wantAnswers(coffeeshop.VerificationSuccess)
}
