package verify_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/coffeeshop/coffeeshop/verify"
)

// Every recorded VerifyPhone history (testdata/histories, recorded by
// TestRecordHistories with this build and with earlier ones) replays on
// this build's workflow code without a non-determinism error: a run that
// an earlier build left open goes on under this one. The replayer is set
// up as cmd/coffeeshop sets up the worker: the same interceptors and
// context propagators, the default data converter (the histories are not
// encrypted).
//
// A history of a run that was still open is replayed to its end; one of a
// closed run also has to end with the same completion.
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
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				Interceptors:       verify.WorkerInterceptors(),
				ContextPropagators: []workflow.ContextPropagator{verify.RequestIDPropagator()},
			})
			if err != nil {
				t.Fatal(err)
			}
			// As verify.Register registers it.
			r.RegisterWorkflow(verify.VerifyPhone)
			if err := r.ReplayWorkflowHistoryFromJSONFile(logger, f); err != nil {
				t.Errorf("replay %s: %v", f, err)
			}
		})
	}
}
