package verify_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/coffeeshop/coffeeshop/verify"
)

// knownOutcomeChanges are recorded closed runs that this build would have
// ended otherwise, with why that is accepted. A closed run is not run
// again; only a query on it replays it.
var knownOutcomeChanges = map[string]string{
	"2b87e4d-undeliverable.json": "builds before the SMSRejected path failed the run when the provider refused the code " +
		"for good; this one completes it as UNDELIVERABLE. The client does not query failed runs",
}

// Every recorded VerifyPhone history (testdata/histories, recorded by
// TestRecordHistories with this build and with earlier ones) replays on
// this build's workflow code without a non-determinism error: a run that
// an earlier build left open goes on under this one. The replayer is set
// up as cmd/coffeeshop sets up the worker: the same interceptors and
// context propagators, the default data converter (the histories are not
// encrypted).
//
// The SDK's check compares the commands with the events but skips the
// event that closes a run, so the test also compares how the replay ends:
// a run that was open must not end, a completed one must end with the same
// result, a failed one must fail.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no histories in testdata/histories")
	}
	logger := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			h, err := client.HistoryFromJSON(bytes.NewReader(b), client.HistoryJSONOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var end outcome
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				Interceptors:       append(verify.WorkerInterceptors(), &outcomeInterceptor{end: &end}),
				ContextPropagators: []workflow.ContextPropagator{verify.RequestIDPropagator()},
			})
			if err != nil {
				t.Fatal(err)
			}
			// As verify.Register registers it.
			r.RegisterWorkflow(verify.VerifyPhone)
			if err := r.ReplayWorkflowHistory(logger, h); err != nil {
				t.Fatalf("replay: %v", err)
			}
			if msg := end.differs(h.Events[len(h.Events)-1]); msg != "" {
				if why, ok := knownOutcomeChanges[filepath.Base(f)]; ok {
					t.Logf("known: %s (%s)", msg, why)
					return
				}
				t.Error(msg)
			}
		})
	}
}

// outcome is how a replayed VerifyPhone returned, if it did.
type outcome struct {
	returned bool
	result   any
	err      error
}

// differs describes how the outcome differs from the history's last
// event, or returns "".
func (o outcome) differs(last *historypb.HistoryEvent) string {
	switch last.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
		if !o.returned || o.err != nil {
			return "the run completed; the replay did not: " + o.String()
		}
		dc := converter.GetDefaultDataConverter()
		p, err := dc.ToPayload(o.result)
		if err != nil {
			return "encode the replay's result: " + err.Error()
		}
		want := last.GetWorkflowExecutionCompletedEventAttributes().GetResult().GetPayloads()
		if len(want) != 1 {
			return "the run completed with " + strconv.Itoa(len(want)) + " results"
		}
		// Read the recorded result as this build reads it (older builds
		// wrote durations and results as numbers), then write it as this
		// build does: the two must be the same.
		recorded := reflect.New(reflect.TypeOf(o.result))
		if err := dc.FromPayload(want[0], recorded.Interface()); err != nil {
			return "decode the recorded result " + string(want[0].GetData()) + ": " + err.Error()
		}
		if r, err := dc.ToPayload(recorded.Elem().Interface()); err != nil || !bytes.Equal(r.GetData(), p.GetData()) {
			return "the run completed with " + string(want[0].GetData()) + "; the replay with " + string(p.GetData())
		}
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
		if !o.returned || o.err == nil {
			return "the run failed; the replay did not: " + o.String()
		}
	default:
		if o.returned {
			return "the run was open (last event " + last.GetEventType().String() + "); the replay ended: " + o.String()
		}
	}
	return ""
}

func (o outcome) String() string {
	switch {
	case !o.returned:
		return "still running"
	case o.err != nil:
		return "failed: " + o.err.Error()
	}
	p, err := converter.GetDefaultDataConverter().ToPayload(o.result)
	if err != nil {
		return "completed"
	}
	return "completed with " + string(p.GetData())
}

// outcomeInterceptor records how the workflow function returned.
type outcomeInterceptor struct {
	interceptor.WorkerInterceptorBase
	end *outcome
}

func (i *outcomeInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &outcomeInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, end: i.end}
}

type outcomeInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	end *outcome
}

func (i *outcomeInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	result, err := i.Next.ExecuteWorkflow(ctx, in)
	*i.end = outcome{returned: true, result: result, err: err}
	return result, err
}
