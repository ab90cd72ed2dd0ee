package devservertest_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/devserver/devservertest"
)

// TestStart checks that Start returns a server that serves the namespace
// asked for.
func TestStart(t *testing.T) {
	srv := devservertest.Start(t, devserver.Config{Namespace: "coffeeshop"})
	c, err := client.Dial(client.Options{
		HostPort:  srv.FrontendAddr(),
		Namespace: "coffeeshop",
		Logger:    sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
	})
	if err != nil {
		t.Fatalf("dial %s: %v", srv.FrontendAddr(), err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "coffeeshop"})
	if err != nil {
		t.Fatalf("DescribeNamespace: %v", err)
	}
	if got := resp.GetNamespaceInfo().GetName(); got != "coffeeshop" {
		t.Errorf("namespace = %q, want coffeeshop", got)
	}
}
