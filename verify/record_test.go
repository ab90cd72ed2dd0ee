package verify_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
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

// Recording the histories that TestReplayRecordedHistories replays:
//
//	go test ./verify -run TestRecordHistories -record-histories -history-build $(git rev-parse --short HEAD)
//
// writes testdata/histories/<build>-<scenario>.json, one VerifyPhone run
// per scenario, driven through verify.Client as the API drives it.
var (
	recordHistories = flag.Bool("record-histories", false,
		"TestRecordHistories: record VerifyPhone histories into testdata/histories")
	historyBuild = flag.String("history-build", "current",
		"TestRecordHistories: the build the histories are recorded with, the prefix of their file names")
)

// The code every send texts; wrongCode is never it.
const recordCode, wrongCode = "4821", "0000"

// rejectingSMS texts every number but those in reject, which it refuses
// for good as an SMS sender refuses an invalid number.
type rejectingSMS struct{ reject map[string]bool }

func (s rejectingSMS) SendSMS(_ context.Context, to, _ string) error {
	if s.reject[to] {
		return coffeeshop.Errorf(coffeeshop.EINVALID, "the number cannot receive text messages")
	}
	return nil
}

// SendMessage is SendSMS for SMS and WhatsApp messages with receipts; the
// message ID is the number's last digits.
func (s rejectingSMS) SendMessage(ctx context.Context, m coffeeshop.Message) (string, error) {
	if err := s.SendSMS(ctx, m.To, m.Body); err != nil {
		return "", err
	}
	return "SM" + string(m.Channel) + m.To[len(m.To)-4:], nil
}

// recorder is an embedded server with a worker and a verify.Client, wired
// as cmd/coffeeshop wires them.
type recorder struct {
	t      *testing.T
	tc     client.Client
	client *verify.Client
	dir    string
}

// A scenario brings one verification to the point its history is taken
// at. open: the run is still running then (what a new build must replay
// when it takes over); otherwise it waits for the run to close.
type recordScenario struct {
	name  string
	open  bool
	phone string
	run   func(r *recorder, c *coffeeshop.Customer)
}

func TestRecordHistories(t *testing.T) {
	if !*recordHistories {
		t.Skip("records histories only with -record-histories")
	}
	const undeliverablePhone = "+447911123466"
	scenarios := []recordScenario{
		{name: "waiting", open: true, run: func(r *recorder, c *coffeeshop.Customer) {}},
		{name: "wrong-code-waiting", open: true, run: func(r *recorder, c *coffeeshop.Customer) {
			r.expect(r.verify(c, wrongCode, "wrong-1"), coffeeshop.VerificationIncorrectCode)
		}},
		{name: "resend-waiting", open: true, run: func(r *recorder, c *coffeeshop.Customer) {
			time.Sleep(1500 * time.Millisecond) // past the cooldown
			if _, err := r.client.ResendCode(r.ctx("resend-1"), c); err != nil {
				r.t.Fatalf("resend: %v", err)
			}
		}},
		{name: "verified", run: func(r *recorder, c *coffeeshop.Customer) {
			r.expect(r.verify(c, wrongCode, "wrong-1"), coffeeshop.VerificationIncorrectCode)
			r.expect(r.verify(c, recordCode, "right-1"), coffeeshop.VerificationSuccess)
		}},
		{name: "max-attempts", run: func(r *recorder, c *coffeeshop.Customer) {
			for i := 1; i < verify.DefaultMaxAttempts; i++ {
				r.expect(r.verify(c, wrongCode, fmt.Sprintf("wrong-%d", i)), coffeeshop.VerificationIncorrectCode)
			}
			r.expect(r.verify(c, wrongCode, "wrong-last"), coffeeshop.VerificationMaxAttemptsReached)
		}},
		// The SMS provider refuses the first code for good: the run fails
		// (builds before the SMSRejected path) or completes UNDELIVERABLE.
		// (With receipts: on SMS, then on WhatsApp.)
		{name: "undeliverable", phone: undeliverablePhone, run: func(r *recorder, c *coffeeshop.Customer) {}},
		// The SMS is reported undelivered: the code goes out on WhatsApp.
		{name: "fallback-waiting", open: true, run: func(r *recorder, c *coffeeshop.Customer) {
			for _, st := range []coffeeshop.DeliveryStatus{coffeeshop.DeliverySent, coffeeshop.DeliveryUndelivered} {
				if err := r.client.Receipt(r.ctx(""), c.ID, coffeeshop.Receipt{Send: 1, Status: st, ErrorCode: "30003",
					At: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
					r.t.Fatalf("receipt: %v", err)
				}
			}
		}},
	}

	r := newRecorder(t, rejectingSMS{reject: map[string]bool{undeliverablePhone: true}})
	for i, sc := range scenarios {
		phone := sc.phone
		if phone == "" {
			phone = fmt.Sprintf("+4479111233%02d", i)
		}
		in := &coffeeshop.Customer{FirstName: "Ada", LastName: "Record", Email: fmt.Sprintf("record-%s@example.com", sc.name),
			PhoneNumber: phone}
		c, err := recordSignUp(r.ctx("create-"+sc.name), r.client, in, "record-"+sc.name)
		if err != nil {
			t.Fatalf("%s: create: %v", sc.name, err)
		}
		if sc.phone == "" {
			r.settle(c) // the first code is sent
		}
		sc.run(r, c)
		status := r.settle(c)
		if sc.open != (status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING) {
			t.Fatalf("%s: run is %v, want open=%v", sc.name, status, sc.open)
		}
		r.write(c, sc.name, status)
	}
}

func newRecorder(t *testing.T, sms coffeeshop.SMSSender) *recorder {
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "customers.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	srv := devservertest.Start(t, devserver.Config{DataDir: t.TempDir()})
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// A fixed identity keeps the host's name out of the recorded events.
	opts := client.Options{HostPort: srv.FrontendAddr(), Logger: sdklog.NewStructuredLogger(quiet), Identity: "coffeeshop-record"}
	recordClientOptions(&opts)
	tc, err := client.Dial(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	w := worker.New(tc, verify.TaskQueue, recordWorkerOptions())
	verify.Register(w, recordActivities(store, sms))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	vc := &verify.Client{Temporal: tc, Secret: testSecret, Store: store, CodeTTL: time.Minute, ResendCooldown: time.Second}
	recordClient(vc)
	dir := filepath.Join("testdata", "histories")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &recorder{t: t, tc: tc, client: vc, dir: dir}
}

// ctx is a call's context, with the request ID the API would give it.
func (r *recorder) ctx(requestID string) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	r.t.Cleanup(cancel)
	return withRecordRequestID(c, requestID)
}

func (r *recorder) verify(c *coffeeshop.Customer, code, requestID string) coffeeshop.VerificationResult {
	r.t.Helper()
	res, err := r.client.Verify(r.ctx(requestID), c.ID, code, requestID)
	if err != nil {
		r.t.Fatalf("verify %s: %v", code, err)
	}
	return res
}

func (r *recorder) expect(got, want coffeeshop.VerificationResult) {
	r.t.Helper()
	if got != want {
		r.t.Fatalf("got %v, want %v", got, want)
	}
}

// settle waits until c's run has closed, or has nothing in flight: no
// workflow task and no activity, and no new event since the last look. It
// returns the run's status.
func (r *recorder) settle(c *coffeeshop.Customer) enumspb.WorkflowExecutionStatus {
	r.t.Helper()
	id := verify.WorkflowID(c.ID)
	var seen, quiet int
	var last string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		d, err := r.tc.DescribeWorkflowExecution(r.ctx(""), id, "")
		if err != nil {
			r.t.Fatal(err)
		}
		status := d.GetWorkflowExecutionInfo().GetStatus()
		if status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return status
		}
		n := len(r.history(c))
		last = fmt.Sprintf("%d pending activities, workflow task %v, %d events", len(d.GetPendingActivities()), d.GetPendingWorkflowTask(), n)
		if len(d.GetPendingActivities()) == 0 && d.GetPendingWorkflowTask() == nil && n == seen {
			// Twice in a row, so that nothing was on its way in between.
			if quiet++; quiet == 2 {
				return status
			}
		} else {
			quiet = 0
		}
		seen = n
	}
	r.t.Fatalf("verification %s did not settle: %s", id, last)
	return 0
}

func (r *recorder) history(c *coffeeshop.Customer) []*historypb.HistoryEvent {
	r.t.Helper()
	var events []*historypb.HistoryEvent
	it := r.tc.GetWorkflowHistory(r.ctx(""), verify.WorkflowID(c.ID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			r.t.Fatal(err)
		}
		events = append(events, e)
	}
	return events
}

// write stores c's history as `temporal workflow show --output json` does,
// the form client.HistoryFromJSON reads.
func (r *recorder) write(c *coffeeshop.Customer, scenario string, status enumspb.WorkflowExecutionStatus) {
	r.t.Helper()
	events := r.history(c)
	for _, e := range events {
		// The name of a worker's sticky queue holds its host's name; the
		// replayer does not read it.
		if tq := e.GetWorkflowTaskScheduledEventAttributes().GetTaskQueue(); tq.GetKind() == enumspb.TASK_QUEUE_KIND_STICKY {
			tq.Name = "sticky"
		}
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&historypb.History{Events: events})
	if err != nil {
		r.t.Fatal(err)
	}
	path := filepath.Join(r.dir, *historyBuild+"-"+scenario+".json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.t.Logf("%s: %d events, %v, %d bytes", path, len(events), status, len(b)+1)
}

// The wiring of cmd/coffeeshop that differs between builds; adapt these
// when copying this file into an older build:
//   - builds before request IDs (2b87e4d) have neither the propagator nor
//     the interceptors: there recordClientOptions, recordWorkerOptions and
//     withRecordRequestID are no-ops;
//   - builds before the CodeSendLedger have no Activities.Ledger (the store
//     is the ledger), and their Client's SignUp is called CreateCustomer;
//   - builds before receipts (before the delivery-receipts version) have
//     no channels, no message sender and no Client.Receipt: there
//     recordClient is a no-op, recordActivities sets no Messages, and the
//     fallback scenario is left out.

func recordSignUp(ctx context.Context, c *verify.Client, in *coffeeshop.Customer, requestID string) (*coffeeshop.Customer, error) {
	return c.SignUp(ctx, in, requestID)
}

func recordActivities(store *sqlite.Store, sms coffeeshop.SMSSender) *verify.Activities {
	a := &verify.Activities{Store: store, Ledger: store, SMS: sms, NewCode: verify.FixedCode(recordCode), Secret: testSecret}
	if m, ok := sms.(coffeeshop.MessageSender); ok {
		a.Messages = m
		a.ReceiptURL = func(c string, n int) string { return fmt.Sprintf("https://record.test/status?c=%s&n=%d", c, n) }
	}
	return a
}

// recordClient enables SMS then WhatsApp, with a delivery timeout no
// recording reaches.
func recordClient(c *verify.Client) {
	c.Channels = []coffeeshop.Channel{coffeeshop.ChannelSMS, coffeeshop.ChannelWhatsApp}
	c.DeliveryTimeout = time.Hour
}

func recordClientOptions(o *client.Options) {
	o.ContextPropagators = []workflow.ContextPropagator{verify.RequestIDPropagator()}
}

func recordWorkerOptions() worker.Options {
	return worker.Options{Interceptors: verify.WorkerInterceptors()}
}

func withRecordRequestID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return coffeeshop.WithRequestID(ctx, id)
}
