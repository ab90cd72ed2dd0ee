package verify_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.temporal.io/server/common/metrics/metricstest"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/codec"
	"github.com/coffeeshop/coffeeshop/verify"
)

// What one verification costs the engine's database and Temporal Cloud,
// measured on the embedded server: docs/capacity.md takes its figures
// from this test's -v output.

// countingStore counts the customer store calls of the worker's
// activities.
type countingStore struct {
	coffeeshop.CustomerStore
	ledger coffeeshop.CodeSendLedger
	mu     sync.Mutex
	calls  map[string]int
}

func (c *countingStore) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op]++
}

// snapshot returns a copy of the counts so far.
func (c *countingStore) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]int, len(c.calls))
	for k, v := range c.calls {
		m[k] = v
	}
	return m
}

func (c *countingStore) InsertCustomer(ctx context.Context, cust *coffeeshop.Customer) error {
	c.count("InsertCustomer (write)")
	return c.CustomerStore.InsertCustomer(ctx, cust)
}

func (c *countingStore) GetCustomer(ctx context.Context, id string) (*coffeeshop.Customer, error) {
	c.count("GetCustomer (read)")
	return c.CustomerStore.GetCustomer(ctx, id)
}

func (c *countingStore) MarkPhoneVerified(ctx context.Context, id string) error {
	c.count("MarkPhoneVerified (write)")
	return c.CustomerStore.MarkPhoneVerified(ctx, id)
}

func (c *countingStore) RecordCodeSent(ctx context.Context, phone, key string, at time.Time, window time.Duration, limit int) (bool, time.Duration, error) {
	c.count("RecordCodeSent (write)")
	return c.ledger.RecordCodeSent(ctx, phone, key, at, window, limit)
}

// workflowLog counts the workflow's log lines by message and customer, so
// that a scenario can act when a customer would: once the code has been
// sent, or a receipt taken. Watching the log, unlike a Query, costs the
// server nothing. Warnings and errors go on to next.
type workflowLog struct {
	*logCounts
	next slog.Handler
}

type logCounts struct {
	mu    sync.Mutex
	lines map[string]int // message + " " + customer ID → lines
}

func newWorkflowLog() workflowLog {
	return workflowLog{&logCounts{lines: map[string]int{}},
		slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})}
}

func (w workflowLog) Enabled(context.Context, slog.Level) bool { return true }

func (w workflowLog) Handle(ctx context.Context, r slog.Record) error {
	// The customer ID is an argument of the workflow's lines, never an
	// attribute added before.
	var id string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "customer_id" {
			id = a.Value.String()
			return false
		}
		return true
	})
	if id != "" {
		w.mu.Lock()
		w.lines[r.Message+" "+id]++
		w.mu.Unlock()
	}
	if w.next.Enabled(ctx, r.Level) {
		return w.next.Handle(ctx, r)
	}
	return nil
}

func (w workflowLog) WithAttrs(as []slog.Attr) slog.Handler {
	return workflowLog{w.logCounts, w.next.WithAttrs(as)}
}

func (w workflowLog) WithGroup(name string) slog.Handler {
	return workflowLog{w.logCounts, w.next.WithGroup(name)}
}

// wait waits until the workflow of customer id has logged msg n times.
func (w workflowLog) wait(t *testing.T, msg, id string, n int) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(2 * time.Millisecond) {
		w.mu.Lock()
		got := w.lines[msg+" "+id]
		w.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s logged %q %d times, want %d", id, msg, got, n)
		}
	}
}

// meter is a stack as dev runs it — payloads encrypted, request IDs in
// the headers — whose server's metrics and store calls are counted.
type meter struct {
	*stack
	metrics *metricstest.CaptureHandler
	store   *countingStore
	db      *sql.DB // the server's SQLite file, read-only
	log     workflowLog
}

func newMeter(t *testing.T) *meter {
	t.Helper()
	pc, err := codec.New([]codec.Key{{ID: "test", Secret: []byte("0123456789abcdef0123456789abcdef")}})
	if err != nil {
		t.Fatal(err)
	}
	m := &meter{metrics: metricstest.NewCaptureHandler(), log: newWorkflowLog()}
	dc := pc.Converters()
	s := &stack{codes: verify.FixedCode("1234"), client: &verify.Client{}, serverMetrics: m.metrics,
		dial: func(o *client.Options) {
			o.DataConverter, o.FailureConverter = dc.Data, dc.Failure
			o.ContextPropagators = []workflow.ContextPropagator{verify.RequestIDPropagator()}
			o.Logger = sdklog.NewStructuredLogger(slog.New(m.log))
		},
		work: func(o *worker.Options) { o.Interceptors = verify.WorkerInterceptors() },
		configure: func(a *verify.Activities) {
			m.store = &countingStore{CustomerStore: a.Store, ledger: a.Ledger, calls: map[string]int{}}
			a.Store, a.Ledger = m.store, m.store
		},
	}
	m.stack = startStack(t, s)
	m.db, err = sql.Open("sqlite", "file:"+filepath.Join(s.dataDir, "temporal.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.db.Close() })
	return m
}

// historyNodes counts the rows of the server's history_node table: one
// per batch of events the server appended.
func (m *meter) historyNodes() int {
	m.t.Helper()
	var n int
	if err := m.db.QueryRow(`SELECT count(*) FROM history_node`).Scan(&n); err != nil {
		m.t.Fatal(err)
	}
	return n
}

// bill is what a scenario's verifications cost, summed over them.
type bill struct {
	name string
	n    int // verifications

	events, workflowTasks, activityTasks, markers, timers, updates, signals, upserts int
	historyBytes                                                                     int64
	cloud                                                                            int // actions by Temporal Cloud's rules, from the histories
	versionUpserts                                                                   int // upserts of TemporalChangeVersion only, which Cloud does not bill

	actions     map[string]int64 // the server's action metric by action_type
	persistence map[string]int64 // the server's requests to its database by operation
	visibility  map[string]int64 // the same for its visibility store
	frontend    map[string]int64 // calls to the frontend by operation
	nodes       int              // history_node rows appended
	store       map[string]int   // the activities' customer store calls
	cpu         time.Duration    // process CPU time, server, worker and client together
}

// run runs a scenario that makes n verifications and returns its bill.
// The capture ends once the visibility store has recorded each of the n
// workflows closed, the last write a verification makes (apart from the
// deletion of its history when the retention period ends, a day later).
func (m *meter) run(name string, n int, scenario func(i int) *coffeeshop.Customer) *bill {
	m.t.Helper()
	b := &bill{name: name, n: n, actions: map[string]int64{}, persistence: map[string]int64{}, visibility: map[string]int64{}, frontend: map[string]int64{}, store: map[string]int{}}
	nodes0, store0 := m.historyNodes(), m.store.snapshot()
	cpu0, cpuOK := cpuTime()
	capture := m.metrics.StartCapture()
	defer m.metrics.StopCapture(capture)
	var custs []*coffeeshop.Customer
	for i := range n {
		custs = append(custs, scenario(i))
	}
	// Waiting for the visibility records, not for each workflow's result
	// (a read of the server), keeps the count to what the service does.
	deadline := time.Now().Add(time.Minute)
	for snap := capture.Snapshot(); closed(snap) < int64(n) || inFlight(snap) > 0; snap = capture.Snapshot() {
		if time.Now().After(deadline) {
			m.t.Fatalf("%s: the visibility store recorded %d of %d verifications closed; %d calls in flight", name, closed(snap), n, inFlight(snap))
		}
		time.Sleep(10 * time.Millisecond) // polls the capture, not a timer of the workflow
	}
	if cpu1, ok := cpuTime(); ok && cpuOK {
		b.cpu = cpu1 - cpu0
	}
	snap := capture.Snapshot()
	sum := func(metric, tag string, into map[string]int64) {
		for _, r := range snap[metric] {
			if v, ok := r.Value.(int64); ok {
				into[r.Tags[tag]] += v
			}
		}
	}
	sum("action", "action_type", b.actions)
	sum("visibility_persistence_requests", "operation", b.visibility)
	for _, r := range snap["service_requests"] {
		if v, ok := r.Value.(int64); ok && r.Tags["service_name"] == "frontend" && r.Tags["namespace"] == "default" {
			b.frontend[r.Tags["operation"]] += v
		}
	}
	for _, r := range snap["persistence_requests"] {
		if v, ok := r.Value.(int64); ok {
			op := r.Tags["operation"]
			if ns := r.Tags["namespace"]; ns != "default" {
				op += " [" + ns + "]"
			}
			b.persistence[op] += v
		}
	}
	b.nodes = m.historyNodes() - nodes0
	for k, v := range m.store.snapshot() {
		if d := v - store0[k]; d != 0 {
			b.store[k] = d
		}
	}
	for _, c := range custs {
		m.addHistory(b, c.ID)
	}
	return b
}

// closed counts the visibility records of closed workflows in a capture.
func closed(snap metricstest.CaptureSnapshot) int64 {
	var n int64
	for _, r := range snap["visibility_persistence_requests"] {
		if v, ok := r.Value.(int64); ok && r.Tags["operation"] == "RecordWorkflowExecutionClosed" {
			n += v
		}
	}
	return n
}

// inFlight counts the calls the server's services have taken and not yet
// answered, long polls left out: a call's action is counted just before
// its answer, which may come after the visibility record of its close.
func inFlight(snap metricstest.CaptureSnapshot) int {
	n := 0
	for name, d := range map[string]int{"service_requests": 1, "service_latency": -1} {
		for _, r := range snap[name] {
			if !strings.HasPrefix(r.Tags["operation"], "Poll") {
				n += d
			}
		}
	}
	return n
}

// addHistory adds the history of the customer's verification (its latest
// run; each scenario's verifications have one) to b, and its Temporal Cloud actions counted by the rules of
// https://docs.temporal.io/cloud/actions: a start, each accepted Update,
// scheduled activity and its retries, timer, signal and search attribute
// upsert (TemporalChangeVersion's excepted), and one for all the markers
// (local activities, versions) of one workflow task.
func (m *meter) addHistory(b *bill, id string) {
	m.t.Helper()
	markerTasks := map[int64]bool{}
	m.eachEvent(id, func(e *historypb.HistoryEvent) {
		b.events++
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			b.cloud++
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			b.workflowTasks++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			b.updates++
			b.cloud++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			b.activityTasks++
			b.cloud++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			b.cloud += int(e.GetActivityTaskStartedEventAttributes().GetAttempt()) - 1
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			b.timers++
			b.cloud++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			b.signals++
			b.cloud++
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			b.upserts++
			fields := e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()
			if _, ok := fields["TemporalChangeVersion"]; ok && len(fields) == 1 {
				b.versionUpserts++
			} else {
				b.cloud++
			}
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			b.markers++
			markerTasks[e.GetMarkerRecordedEventAttributes().GetWorkflowTaskCompletedEventId()] = true
		}
	})
	b.cloud += len(markerTasks)
	desc, err := m.tc.DescribeWorkflowExecution(ctx(m.t), verify.WorkflowID(id), "")
	if err != nil {
		m.t.Fatal(err)
	}
	b.historyBytes += desc.GetWorkflowExecutionInfo().GetHistorySizeBytes()
}

// metricActions is the Cloud action count of the server's action metric:
// its total without the individual markers (its command_BatchMarkers
// counts one per workflow task, as Cloud bills them) and without the
// TemporalChangeVersion upserts, which Cloud does not bill.
func (b *bill) metricActions() int64 {
	var n int64
	for typ, v := range b.actions {
		if strings.HasPrefix(typ, "command_RecordMarker") {
			continue
		}
		n += v
	}
	return n - int64(b.versionUpserts)
}

// isRead reports whether a persistence operation only reads.
func isRead(op string) bool {
	for _, p := range []string{"Get", "Read", "List", "Scan", "Count", "Describe"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// writes sums the writes of ops, those of the verifications' own
// namespace only when own is set.
func writes(ops map[string]int64, own bool) int64 {
	var n int64
	for op, v := range ops {
		if !isRead(op) && (!own || !strings.Contains(op, "[")) {
			n += v
		}
	}
	return n
}

func (b *bill) per(v int64) float64 { return float64(v) / float64(b.n) }

// log prints the bill per verification.
func (b *bill) log(t *testing.T) {
	t.Helper()
	var w strings.Builder
	fmt.Fprintf(&w, "%s: %d verifications, per verification:\n", b.name, b.n)
	n := float64(b.n)
	fmt.Fprintf(&w, "  history: %.1f events, %.1f workflow tasks, %.1f activity tasks, %.1f markers, %.1f timers, %.1f updates, %.1f signals, %.1f upserts; %.0f bytes\n",
		float64(b.events)/n, float64(b.workflowTasks)/n, float64(b.activityTasks)/n, float64(b.markers)/n, float64(b.timers)/n,
		float64(b.updates)/n, float64(b.signals)/n, float64(b.upserts)/n, float64(b.historyBytes)/n)
	fmt.Fprintf(&w, "  Temporal Cloud actions: %.2f by the rules from history, %.2f from the server's action metric\n",
		float64(b.cloud)/n, b.per(b.metricActions()))
	for _, typ := range sortedKeys(b.actions) {
		fmt.Fprintf(&w, "    action %-50s %6.2f\n", typ, b.per(b.actions[typ]))
	}
	var calls int64
	for _, v := range b.frontend {
		calls += v
	}
	fmt.Fprintf(&w, "  frontend calls: %.2f\n", b.per(calls))
	for _, op := range sortedKeys(b.frontend) {
		fmt.Fprintf(&w, "    call %-52s %6.2f\n", op, b.per(b.frontend[op]))
	}
	fmt.Fprintf(&w, "  persistence: %.2f writes (%.2f of the verifications' namespace), %d history nodes (%.2f)\n",
		b.per(writes(b.persistence, false)), b.per(writes(b.persistence, true)), b.nodes, float64(b.nodes)/n)
	for _, op := range sortedKeys(b.persistence) {
		kind := "write"
		if isRead(op) {
			kind = "read"
		}
		fmt.Fprintf(&w, "    %-5s %-50s %6.2f\n", kind, op, b.per(b.persistence[op]))
	}
	for _, op := range sortedKeys(b.visibility) {
		fmt.Fprintf(&w, "    visibility %-45s %6.2f\n", op, b.per(b.visibility[op]))
	}
	for _, op := range sortedKeys(b.store) {
		fmt.Fprintf(&w, "    customer store %-41s %6.2f\n", op, float64(b.store[op])/n)
	}
	if b.cpu > 0 {
		fmt.Fprintf(&w, "  CPU (server, worker, client in one process, one verification at a time): %.1f ms\n",
			float64(b.cpu)/float64(time.Millisecond)/n)
	}
	t.Log(w.String())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestPersistenceCostOfOneVerification measures what verifications cost
// the server's database (requests by operation, history nodes, visibility
// records), the customer store and Temporal Cloud (actions, history
// bytes), per verification, for the happy path and its common variants,
// and holds the happy path to a budget. Run with -v for the tables that
// docs/capacity.md reports.
func TestPersistenceCostOfOneVerification(t *testing.T) {
	m := newMeter(t)
	// A first verification creates the task queues and fills the
	// server's caches of namespaces and queues, which later ones find.
	if c, err := m.create(newCustomer(99), "warm-up"); err != nil {
		t.Fatal(err)
	} else {
		expect(t, "warm-up", m.verify(c, "1234", ""), coffeeshop.VerificationSuccess)
		m.waitClosed(c)
	}

	k := 0
	create := func(name string) *coffeeshop.Customer {
		k++
		c, err := m.create(newCustomer(k), fmt.Sprintf("%s-%d", name, k))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var bills []*bill

	// Each customer acts once the code has been sent (the workflow has
	// logged it), as a person who types the code from the text does.
	happy := m.run("create, then the right code", 20, func(int) *coffeeshop.Customer {
		c := create("happy")
		m.log.wait(t, "code sent", c.ID, 1)
		expect(t, "right code", m.verify(c, "1234", ""), coffeeshop.VerificationSuccess)
		return c
	})
	bills = append(bills, happy)

	bills = append(bills, m.run("create, a wrong code, then the right one", 10, func(int) *coffeeshop.Customer {
		c := create("wrong")
		m.log.wait(t, "code sent", c.ID, 1)
		expect(t, "wrong code", m.verify(c, "0000", ""), coffeeshop.VerificationIncorrectCode)
		m.log.wait(t, "code sent", c.ID, 2)
		expect(t, "right code", m.verify(c, "1234", ""), coffeeshop.VerificationSuccess)
		return c
	}))

	m.client.ResendCooldown = time.Millisecond
	bills = append(bills, m.run("create, a resend, then the right code", 10, func(int) *coffeeshop.Customer {
		c := create("resend")
		m.log.wait(t, "code sent", c.ID, 1)
		if _, err := m.client.ResendCode(ctx(t), c); err != nil {
			t.Fatalf("resend: %v", err)
		}
		expect(t, "right code", m.verify(c, "1234", ""), coffeeshop.VerificationSuccess)
		return c
	}))
	m.client.ResendCooldown = 0

	// A provider such as Twilio reports a text sent, then delivered.
	bills = append(bills, m.run("create, receipts (sent, delivered), then the right code", 10, func(int) *coffeeshop.Customer {
		c := create("receipts")
		m.log.wait(t, "code sent", c.ID, 1)
		for i, st := range []coffeeshop.DeliveryStatus{coffeeshop.DeliverySent, coffeeshop.DeliveryDelivered} {
			if err := m.client.Receipt(ctx(t), c.ID, coffeeshop.Receipt{Send: 1, MessageID: "SM1", Status: st}); err != nil {
				t.Fatal(err)
			}
			m.log.wait(t, "delivery receipt", c.ID, i+1)
		}
		expect(t, "right code", m.verify(c, "1234", ""), coffeeshop.VerificationSuccess)
		return c
	}))

	// The window's timer ends these: 2 s of real time, for all of them at
	// once (run waits for them to close after creating them all).
	m.client.Window = 2 * time.Second
	bills = append(bills, m.run("create, no code: the window expires", 5, func(int) *coffeeshop.Customer {
		return create("expired")
	}))
	m.client.Window = 0

	for _, b := range bills {
		b.log(t)
		// Two independent counts of the same actions must agree.
		if int64(b.cloud) != b.metricActions() {
			t.Errorf("%s: %d Cloud actions by the rules from history, %d from the server's action metric", b.name, b.cloud, b.metricActions())
		}
	}

	// The budget of the happy path, per verification. Exact where the
	// count does not depend on timing; the server's updates of a
	// workflow's state may grow by a retried task on a busy machine.
	n := int64(happy.n)
	budget := []struct {
		what      string
		got, want int64
		exact     bool
	}{
		{"workflow executions created", happy.persistence["CreateWorkflowExecution"], 1 * n, true},
		{"workflow execution updates", happy.persistence["UpdateWorkflowExecution"], 7 * n / 2, false},
		{"history nodes appended", int64(happy.nodes), 11 * n / 2, false},
		{"visibility records written", writes(happy.visibility, false), 3 * n, false},
		{"Temporal Cloud actions", int64(happy.cloud), 6 * n, true},
		{"customer rows inserted", int64(happy.store["InsertCustomer (write)"]), 1 * n, true},
		{"code sends recorded", int64(happy.store["RecordCodeSent (write)"]), 1 * n, true},
		{"customers marked verified", int64(happy.store["MarkPhoneVerified (write)"]), 1 * n, true},
	}
	for _, c := range budget {
		if c.exact && c.got != c.want || c.got > c.want {
			t.Errorf("%s: %d for %d verifications, the budget is %d (docs/capacity.md)", c.what, c.got, n, c.want)
		}
	}
}
