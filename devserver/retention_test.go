package devserver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/coffeeshop/coffeeshop/devserver"
)

// retention is the namespace's retention as the frontend reports it.
func retention(t *testing.T, srv *devserver.Server) time.Duration {
	t.Helper()
	c := dial(t, srv.FrontendAddr())
	ns, err := c.WorkflowService().DescribeNamespace(context.Background(), &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
	if err != nil {
		t.Fatalf("DescribeNamespace: %v", err)
	}
	return ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration()
}

// A new namespace gets the configured retention, and a later start with
// another retention updates it; zero is the default.
func TestRetention(t *testing.T) {
	dir := t.TempDir()
	for _, step := range []struct {
		name string
		set  time.Duration
		want time.Duration
	}{
		{"new namespace", 48 * time.Hour, 48 * time.Hour},
		{"changed", 2 * time.Hour, 2 * time.Hour},
		{"default", 0, devserver.DefaultRetention},
	} {
		t.Run(step.name, func(t *testing.T) {
			srv, _ := startWith(t, devserver.Config{DataDir: dir, FrontendAddr: "127.0.0.1:0", Retention: step.set, Logger: quietLogger()})
			if got := retention(t, srv); got != step.want {
				t.Errorf("retention %v, want %v", got, step.want)
			}
		})
		if t.Failed() {
			return
		}
	}
	_, err := devserver.Start(context.Background(), devserver.Config{DataDir: dir, FrontendAddr: "127.0.0.1:0", Retention: 30 * time.Minute})
	if err == nil || !strings.Contains(err.Error(), "retention 30m0s is under the minimum of 1h0m0s") {
		t.Errorf("Start with 30 min: %v, want an error naming the minimum", err)
	}
}
