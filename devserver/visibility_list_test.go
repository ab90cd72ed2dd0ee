package devserver_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// TestVisibilityQueries: with the visibility indexes trimmed, the queries
// the Web UI makes still answer, also those on attributes that lost their
// index (answered by a scan), and closed runs are listed with their status.
func TestVisibilityQueries(t *testing.T) {
	srv, _ := startServer(t, t.TempDir(), false)
	c := dial(t, srv.FrontendAddr())
	startWorker(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "vis-1", TaskQueue: taskQueue}, Greet, "vis")
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"",
		"WorkflowType = 'Greet'",
		"WorkflowId = 'vis-1' AND ExecutionStatus = 'Completed'",
		"TaskQueue = '" + taskQueue + "'",
		"HistoryLength > 0", // its index is dropped
		"StateTransitionCount > 0 AND StartTime > '2000-01-01T00:00:00Z'",
	} {
		// Visibility records are written after the workflow closes, by a
		// task queue of the server's own: wait for the record.
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q})
			if err != nil {
				t.Fatalf("list %q: %v", q, err)
			}
			if len(resp.Executions) == 1 && resp.Executions[0].GetExecution().GetWorkflowId() == "vis-1" &&
				resp.Executions[0].GetStatus().String() == "Completed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("list %q: %v, want the completed run of vis-1", q, resp.Executions)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	n, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: "ExecutionStatus = 'Completed'"})
	if err != nil || n.GetCount() != 1 {
		t.Fatalf("count completed: %v, %v; want 1", n.GetCount(), err)
	}
}
