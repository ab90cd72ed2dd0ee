package verify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/devserver/devservertest"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/verify"
)

// loggingSMS logs each send as an SMS sender does, with the activity's
// context and the masked number.
type loggingSMS struct{ log *slog.Logger }

func (s loggingSMS) SendSMS(ctx context.Context, to, _ string) error {
	s.log.InfoContext(ctx, "sms sent", "to", coffeeshop.MaskPhone(to))
	return nil
}

// lockedBuffer is a bytes buffer safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The request ID of each API call reaches the workflow's and the
// activities' log lines through the Temporal headers: the create's for the
// start and the first code, each verify's for its attempt and the code it
// made the workflow send.
func TestRequestIDInWorkflowAndActivityLogs(t *testing.T) {
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "customers.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	srv := devservertest.Start(t, devserver.Config{DataDir: t.TempDir()})

	logs := &lockedBuffer{}
	log := coffeeshop.LogRequestIDs(slog.New(slog.NewJSONHandler(logs, nil)))
	props := []workflow.ContextPropagator{verify.RequestIDPropagator()}
	tc, err := client.Dial(client.Options{HostPort: srv.FrontendAddr(), Logger: sdklog.NewStructuredLogger(log),
		ContextPropagators: props})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	var mu sync.Mutex
	var sent []string
	codes := func(_ string, digits int) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		// Eight digits, so that a code cannot turn up by chance in a
		// timestamp or an ID of a log line.
		code := fmt.Sprintf("%0*d", digits, 58273910+len(sent))
		sent = append(sent, code)
		return code, nil
	}
	w := worker.New(tc, verify.TaskQueue, worker.Options{Interceptors: verify.WorkerInterceptors()})
	verify.Register(w, &verify.Activities{Store: store, Ledger: store, SMS: loggingSMS{log}, NewCode: codes, Secret: testSecret})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	vc := &verify.Client{Temporal: tc, Secret: testSecret, Store: store, CodeLength: 8}

	const phone = "+447911123499"
	in := &coffeeshop.Customer{ID: "0b6a3f1e-7c2d-4e8f-9a1b-3c4d5e6f7a80", FirstName: "Ada", LastName: "L",
		Email: "ada@example.com", PhoneNumber: phone}
	c, err := vc.SignUp(coffeeshop.WithRequestID(ctx(t), "signup-1"), in, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := vc.Verify(coffeeshop.WithRequestID(ctx(t), "verify-1"), c.ID, "00000000", "")
	if err != nil || r != coffeeshop.VerificationIncorrectCode {
		t.Fatalf("wrong code: %v %v", r, err)
	}
	var right string
	for deadline := time.Now().Add(time.Minute); right == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		if len(sent) == 2 {
			right = sent[1]
		}
		mu.Unlock()
	}
	r, err = vc.Verify(coffeeshop.WithRequestID(ctx(t), "verify-2"), c.ID, right, "")
	if err != nil || r != coffeeshop.VerificationSuccess {
		t.Fatalf("right code: %v %v", r, err)
	}
	var st verify.Status
	if err := tc.GetWorkflow(ctx(t), verify.WorkflowID(c.ID), "").Get(ctx(t), &st); err != nil {
		t.Fatal(err)
	}

	// msg → request IDs of its lines, in order.
	ids := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		msg, _ := rec["msg"].(string)
		id, _ := rec[coffeeshop.RequestIDLogKey].(string)
		ids[msg] = append(ids[msg], id)
		if n := strings.Count(line, `"`+coffeeshop.RequestIDLogKey+`"`); n > 1 {
			t.Errorf("request_id %d times: %s", n, line)
		}
		if strings.Contains(line, phone) || strings.Contains(line, strings.TrimPrefix(phone, "+")) {
			t.Errorf("unmasked phone number: %s", line)
		}
		mu.Lock()
		for _, code := range sent {
			if strings.Contains(line, code) {
				t.Errorf("code %s in: %s", code, line)
			}
		}
		mu.Unlock()
	}
	for msg, want := range map[string][]string{
		"verification started": {"signup-1"},
		"code sent":            {"signup-1", "verify-1"},
		"sms sent":             {"signup-1", "verify-1"},
		"verify attempt":       {"verify-1", "verify-2"},
		"verification ended":   {"signup-1"},
	} {
		if got := strings.Join(ids[msg], ","); got != strings.Join(want, ",") {
			t.Errorf("%q lines have request ids %q, want %q\n%s", msg, got, want, logs)
		}
	}
}
