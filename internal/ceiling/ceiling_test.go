package ceiling

import (
	"context"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/devserver/devservertest"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

func dial(t testing.TB) client.Client {
	t.Helper()
	srv := devservertest.Start(t, devserver.Config{})
	tc, err := client.Dial(client.Options{HostPort: srv.FrontendAddr(), Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	return tc
}

// TestRunCompletesEveryWorkflow checks the measurement's claim: every
// workflow it counts did run to completion on the server.
func TestRunCompletesEveryWorkflow(t *testing.T) {
	tc := dial(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Run(ctx, tc, Config{N: 20, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Workflows.Requests != 20 || rep.Workflows.OK != 20 || len(rep.Workflows.Errors) != 0 {
		t.Fatalf("report %+v, want 20 ok and no errors", rep.Workflows)
	}
	for i := range 20 {
		d, err := tc.DescribeWorkflowExecution(ctx, WorkflowID(rep.RunID, i), "")
		if err != nil {
			t.Fatalf("workflow %d: %v", i, err)
		}
		if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			t.Fatalf("workflow %d is %v, want completed", i, st)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{N: 0, Concurrency: 1}, {N: 1, Concurrency: 0}, {N: 1, Concurrency: 2000}} {
		if c.Validate() == nil {
			t.Errorf("%+v: want an error", c)
		}
	}
	if err := (Config{N: 1, Concurrency: 1}).Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
}
