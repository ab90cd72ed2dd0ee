package verify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	servermetrics "go.temporal.io/server/common/metrics"
	"google.golang.org/protobuf/proto"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/devserver/devservertest"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/verify"
)

// stack is a real embedded Temporal server with a worker and a Client on
// it, as one coffeeshop process runs them.
type stack struct {
	t       *testing.T
	dataDir string
	srv     *devserver.Server
	tc      client.Client
	w       worker.Worker
	codes   verify.CodeGenerator
	store   *sqlite.Store
	sms     *recordingSMS
	client  *verify.Client
	n       int // customers created
	// configure, when set, adjusts the worker's activities before they
	// are registered.
	configure func(*verify.Activities)
	// serverMetrics, when set, receives the embedded server's metrics;
	// dial and work, when set, adjust the client's and the worker's
	// options.
	serverMetrics servermetrics.Handler
	dial          func(*client.Options)
	work          func(*worker.Options)
}

// newStack starts a server and a worker whose codes come from codes; cfg
// configures the Client (Temporal, Secret and Store are filled in).
func newStack(t *testing.T, codes verify.CodeGenerator, cfg verify.Client) *stack {
	t.Helper()
	return newStackWith(t, codes, cfg, nil)
}

// newStackWith is newStack with configure adjusting the worker's
// activities.
func newStackWith(t *testing.T, codes verify.CodeGenerator, cfg verify.Client, configure func(*verify.Activities)) *stack {
	t.Helper()
	return startStack(t, &stack{codes: codes, client: &cfg, configure: configure})
}

// startStack opens s's customer store and starts s.
func startStack(t *testing.T, s *stack) *stack {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "customers.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s.t, s.dataDir, s.store, s.sms = t, t.TempDir(), store, &recordingSMS{}
	s.up()
	return s
}

// up starts the server on the stack's data dir, a client and a worker.
func (s *stack) up() {
	t := s.t
	t.Helper()
	s.srv = devservertest.Start(t, devserver.Config{DataDir: s.dataDir, Metrics: s.serverMetrics})
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	copts := client.Options{HostPort: s.srv.FrontendAddr(), Logger: sdklog.NewStructuredLogger(quiet)}
	if s.dial != nil {
		s.dial(&copts)
	}
	tc, err := client.Dial(copts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	var wopts worker.Options
	if s.work != nil {
		s.work(&wopts)
	}
	w := worker.New(tc, verify.TaskQueue, wopts)
	acts := &verify.Activities{Store: s.store, Ledger: s.store, SMS: s.sms, NewCode: s.codes, Secret: testSecret}
	if s.configure != nil {
		s.configure(acts)
	}
	verify.Register(w, acts)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	s.tc, s.w = tc, w
	// Set here, before any test call, so that concurrent calls only read
	// the Client.
	s.client.Temporal, s.client.Secret, s.client.Store = tc, testSecret, s.store
}

// restart stops the worker, the client and the server, and starts them
// again on the same data dir: the server then knows only what it stored.
func (s *stack) restart() {
	s.t.Helper()
	s.w.Stop()
	s.tc.Close()
	if err := s.srv.Stop(); err != nil {
		s.t.Fatal(err)
	}
	s.up()
}

// customer stores a new customer and starts its verification.
func (s *stack) customer() *coffeeshop.Customer {
	s.t.Helper()
	s.n++
	c := &coffeeshop.Customer{ID: fmt.Sprintf("6f1c1f5e-4b8e-4d3a-9a57-2f1f0f0b6c%02d", s.n), FirstName: "Ada", LastName: "L",
		Email: fmt.Sprintf("ada%d@example.com", s.n), PhoneNumber: fmt.Sprintf("+4479111234%02d", s.n)}
	if err := s.store.InsertCustomer(context.Background(), c); err != nil {
		s.t.Fatal(err)
	}
	if err := s.client.StartVerification(context.Background(), c); err != nil {
		s.t.Fatal(err)
	}
	return c
}

func (s *stack) verify(c *coffeeshop.Customer, code, requestID string) coffeeshop.VerificationResult {
	s.t.Helper()
	r, err := s.client.Verify(ctx(s.t), c.ID, code, requestID)
	if err != nil {
		s.t.Fatalf("verify %s (%q): %v", code, requestID, err)
	}
	return r
}

func (s *stack) status(c *coffeeshop.Customer) *coffeeshop.Verification {
	s.t.Helper()
	v, err := s.client.GetVerification(ctx(s.t), c.ID)
	if err != nil {
		s.t.Fatalf("get verification: %v", err)
	}
	return v
}

// waitClosed waits for the latest run of c's verification to close.
func (s *stack) waitClosed(c *coffeeshop.Customer) {
	s.t.Helper()
	var st verify.Status
	if err := s.tc.GetWorkflow(ctx(s.t), verify.WorkflowID(c.ID), "").Get(ctx(s.t), &st); err != nil {
		s.t.Fatal(err)
	}
}

// history returns every event of every run of c's verification, encoded.
func (s *stack) history(c *coffeeshop.Customer) (events [][]byte, types []enumspb.EventType) {
	s.t.Helper()
	it := s.tc.GetWorkflowHistory(ctx(s.t), verify.WorkflowID(c.ID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			s.t.Fatal(err)
		}
		// The binary form holds payload data as it is, unlike JSON, which
		// would base64 it and hide a code from bytes.Contains.
		b, err := proto.Marshal(e)
		if err != nil {
			s.t.Fatal(err)
		}
		events, types = append(events, b), append(types, e.GetEventType())
	}
	return events, types
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// A repeated idempotency key gets the first answer and consumes nothing,
// also once the workflow has closed: the server keeps the outcome of each
// Update ID with the closed run.
func TestIdempotentVerifyOnServer(t *testing.T) {
	s := newStack(t, verify.FixedCode("1234"), verify.Client{})
	c := s.customer()
	expect(t, "wrong with k1", s.verify(c, "0000", "k1"), coffeeshop.VerificationIncorrectCode)
	expect(t, "k1 again", s.verify(c, "0000", "k1"), coffeeshop.VerificationIncorrectCode)
	expect(t, "k1 again, other code", s.verify(c, "1234", "k1"), coffeeshop.VerificationIncorrectCode)
	if v := s.status(c); v.AttemptsLeft != verify.DefaultMaxAttempts-1 || v.Status != coffeeshop.VerificationStatusInProgress {
		t.Fatalf("status after k1 three times: %+v, want one attempt consumed", v)
	}
	expect(t, "right with k2", s.verify(c, "1234", "k2"), coffeeshop.VerificationSuccess)
	s.waitClosed(c)

	expect(t, "k1 after close", s.verify(c, "0000", "k1"), coffeeshop.VerificationIncorrectCode)
	expect(t, "k2 after close", s.verify(c, "0000", "k2"), coffeeshop.VerificationSuccess)
	// Not a cache: the outcomes are stored with the closed run.
	s.restart()
	expect(t, "k1 after a server restart", s.verify(c, "0000", "k1"), coffeeshop.VerificationIncorrectCode)
	expect(t, "new key after close", s.verify(c, "0000", "k3"), coffeeshop.VerificationSuccess)
	expect(t, "no key after close", s.verify(c, "0000", ""), coffeeshop.VerificationSuccess)
	if v := s.status(c); v.Status != coffeeshop.VerificationStatusVerified || v.AttemptsLeft != verify.DefaultMaxAttempts-1 {
		t.Errorf("final status %+v", v)
	}
	if n := s.sms.count(); n != 2 {
		t.Errorf("%d texts, want 2 (the first code and one after the wrong attempt)", n)
	}
}

// Parallel retries of one verify, as a client that times out and retries
// may send them, are one attempt with one answer.
func TestParallelDuplicateVerifiesOnServer(t *testing.T) {
	s := newStack(t, verify.FixedCode("1234"), verify.Client{})
	c := s.customer()
	const n = 20
	results := make([]coffeeshop.VerificationResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.client.Verify(ctx(t), c.ID, "0000", "retry-key")
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || results[i] != coffeeshop.VerificationIncorrectCode {
			t.Errorf("duplicate %d: %v, %v; want INCORRECT_CODE", i, results[i], errs[i])
		}
	}
	if v := s.status(c); v.AttemptsLeft != verify.DefaultMaxAttempts-1 {
		t.Errorf("attempts left %d after %d duplicates of one attempt, want %d", v.AttemptsLeft, n, verify.DefaultMaxAttempts-1)
	}
	// The wrong attempt's answer comes before the new code is sent.
	s.waitCode(c.ID)
	if got := s.sms.count(); got != 2 {
		t.Errorf("%d texts, want 2 (the first code and one after the one wrong attempt)", got)
	}
}

func expect(t *testing.T, step string, got, want coffeeshop.VerificationResult) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got %v, want %v", step, got, want)
	}
}

// Malformed codes and keys are refused before anything is written; a
// malformed Update argument from any other caller is refused by the
// workflow's validator and leaves no event either.
func TestMalformedInputLeavesNoHistory(t *testing.T) {
	s := newStack(t, verify.FixedCode("1234"), verify.Client{})
	c := s.customer()
	for _, code := range []string{"", "123", "12345", "12a4", "１２３４"} {
		_, err := s.client.Verify(ctx(t), c.ID, code, "")
		if coffeeshop.ErrorCode(err) != coffeeshop.EINVALID {
			t.Errorf("code %q: %v, want EINVALID", code, err)
		}
	}
	for _, key := range []string{"has space", string(bytes.Repeat([]byte{'k'}, verify.MaxRequestIDLen+1)), "é"} {
		if _, err := s.client.Verify(ctx(t), c.ID, "1234", key); coffeeshop.ErrorCode(err) != coffeeshop.EINVALID {
			t.Errorf("request ID %q: %v, want EINVALID", key, err)
		}
	}
	h, err := s.tc.UpdateWorkflow(ctx(t), client.UpdateWorkflowOptions{
		WorkflowID: verify.WorkflowID(c.ID), UpdateName: verify.VerifyUpdate,
		Args: []any{verify.Guess{CodeMAC: "1234"}}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx(t), nil)
	}
	if errType(err) != "InvalidCode" {
		t.Errorf("raw malformed Update: %v, want InvalidCode", err)
	}
	_, types := s.history(c)
	for _, ty := range types {
		if ty == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED || ty == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED {
			t.Errorf("history holds %v after refused input only", ty)
		}
	}
	if v := s.status(c); v.AttemptsLeft != verify.DefaultMaxAttempts {
		t.Errorf("attempts left %d, want %d", v.AttemptsLeft, verify.DefaultMaxAttempts)
	}
}

// Neither a code, nor a guess, nor an SMS body is in any event of a
// finished verification: only MACs are.
func TestHistoryHoldsNoCode(t *testing.T) {
	const code, wrong = "90817263", "55506666"
	s := newStack(t, verify.FixedCode(code), verify.Client{CodeLength: len(code), ResendCooldown: time.Second})
	c := s.customer()
	expect(t, "wrong", s.verify(c, wrong, "attempt-1"), coffeeshop.VerificationIncorrectCode)
	expect(t, "right", s.verify(c, code, "attempt-2"), coffeeshop.VerificationSuccess)
	s.waitClosed(c)

	texts := s.sms.texts()
	if len(texts) != 2 || !bytes.Contains([]byte(texts[0]), []byte(code)) {
		t.Fatalf("texts %q: want two with the code", texts)
	}
	events, _ := s.history(c)
	secrets := map[string]string{"code": code, "wrong guess": wrong, "SMS body": "verification code is",
		"secret": string(testSecret)}
	var macs int
	for i, e := range events {
		for what, s := range secrets {
			if bytes.Contains(e, []byte(s)) {
				t.Errorf("event %d holds the %s %q", i+1, what, s)
			}
		}
		if bytes.Contains(e, []byte(verify.CodeMAC(testSecret, c.ID, code))) {
			macs++
		}
	}
	// The check reads the payloads: the MAC of the code is found in them
	// (two sends and the right guess).
	if macs < 3 {
		t.Errorf("the code's MAC is in %d events, want at least 3: the check does not see payloads", macs)
	}
}

// Fifty verifies at once on one customer: they are applied one by one, so
// exactly the attempt budget is consumed and the answers are those of that
// order — every wrong attempt before the last one is INCORRECT_CODE, the
// last MAX_ATTEMPTS_REACHED, and every later one the final result.
func TestConcurrentVerifiesOnServer(t *testing.T) {
	s := newStack(t, verify.FixedCode("1234"), verify.Client{})
	c := s.customer()
	const n = 50
	var wg sync.WaitGroup
	results := make([]coffeeshop.VerificationResult, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = s.client.Verify(ctx(t), c.ID, fmt.Sprintf("%04d", 5000+i), "")
		})
	}
	wg.Wait()
	counts := map[coffeeshop.VerificationResult]int{}
	for i, err := range errs {
		if err != nil {
			t.Errorf("verify %d: %v", i, err)
		}
		counts[results[i]]++
	}
	want := map[coffeeshop.VerificationResult]int{
		coffeeshop.VerificationIncorrectCode:      verify.DefaultMaxAttempts - 1,
		coffeeshop.VerificationMaxAttemptsReached: n - (verify.DefaultMaxAttempts - 1),
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("answers %v, want %v", counts, want)
	}
	if v := s.status(c); v.Status != coffeeshop.VerificationStatusMaxAttemptsReached || v.AttemptsLeft != 0 {
		t.Errorf("status %+v", v)
	}
	if got := s.sms.count(); got != verify.DefaultMaxAttempts {
		t.Errorf("%d texts, want %d", got, verify.DefaultMaxAttempts)
	}
}

// Resend on the real server: the cooldown answers ETOOMANY with the time to
// wait; after the attempts ran out a resend starts a new run with a fresh
// budget; on a verified customer it is a conflict.
func TestResendOnServer(t *testing.T) {
	s := newStack(t, sequentialCodes(), verify.Client{MaxAttempts: 1, ResendCooldown: time.Hour})
	c := s.customer()

	_, err := s.client.ResendCode(ctx(t), c)
	var e *coffeeshop.Error
	if !errors.As(err, &e) || e.Code != coffeeshop.ETOOMANY || e.RetryAfter <= 59*time.Minute || e.RetryAfter > time.Hour {
		t.Fatalf("resend during the cooldown: %#v, want ETOOMANY retry after ~1h", err)
	}

	expect(t, "wrong", s.verify(c, "0000", ""), coffeeshop.VerificationMaxAttemptsReached)
	v, err := s.client.ResendCode(ctx(t), c)
	if err != nil {
		t.Fatalf("resend after MAX_ATTEMPTS_REACHED: %v", err)
	}
	if v.Status != coffeeshop.VerificationStatusInProgress || v.AttemptsLeft != 1 || v.SendsLeft != verify.DefaultMaxSends-1 ||
		v.CodeExpiresAt.IsZero() || v.ExpiresAt.Before(time.Now().Add(23*time.Hour)) {
		t.Errorf("new verification %+v", v)
	}
	expect(t, "the old code", s.verify(c, "1111", ""), coffeeshop.VerificationMaxAttemptsReached)
	// The new run sent "2222"; the failed attempt above ended it again.
	if _, err := s.client.ResendCode(ctx(t), c); err != nil {
		t.Fatalf("second restart: %v", err)
	}
	expect(t, "the newest code", s.verify(c, "3333", ""), coffeeshop.VerificationSuccess)
	if _, err := s.client.ResendCode(ctx(t), c); coffeeshop.ErrorCode(err) != coffeeshop.ECONFLICT {
		t.Errorf("resend when verified: %v, want ECONFLICT", err)
	}
	if n := s.sms.count(); n != 3 {
		t.Errorf("%d texts, want 3", n)
	}
}

// A verification that sees no right code within its window ends by its
// timer; verify then answers EXPIRED, and a resend starts over.
func TestExpiryOnServer(t *testing.T) {
	s := newStack(t, verify.FixedCode("1234"), verify.Client{Window: 2 * time.Second})
	c := s.customer()
	s.waitClosed(c) // no request: the timer ends it
	if v := s.status(c); v.Status != coffeeshop.VerificationStatusExpired || !v.CodeExpiresAt.IsZero() {
		t.Fatalf("status %+v, want EXPIRED without a code", v)
	}
	expect(t, "verify after expiry", s.verify(c, "1234", ""), coffeeshop.VerificationExpired)
	s.client.Window = time.Hour
	v, err := s.client.ResendCode(ctx(t), c)
	if err != nil || v.Status != coffeeshop.VerificationStatusInProgress {
		t.Fatalf("resend after expiry: %+v, %v", v, err)
	}
	expect(t, "verify the new code", s.verify(c, "1234", ""), coffeeshop.VerificationSuccess)
}

func TestUnknownCustomerOnServer(t *testing.T) {
	s := newStack(t, verify.FixedCode("1234"), verify.Client{})
	unknown := "00000000-0000-4000-8000-000000000000"
	if _, err := s.client.Verify(ctx(t), unknown, "1234", ""); coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
		t.Errorf("verify: %v, want ENOTFOUND", err)
	}
	if _, err := s.client.GetVerification(ctx(t), unknown); coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
		t.Errorf("get: %v, want ENOTFOUND", err)
	}
}
