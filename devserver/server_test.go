package devserver_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/coffeeshop/coffeeshop/devserver"
)

// TestWorkflowSurvivesRestart runs a workflow to completion, restarts the
// server on the same data dir and finds the workflow's result and history.
func TestWorkflowSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var run client.WorkflowRun
	t.Run("first start", func(t *testing.T) {
		srv, took := startServer(t, dir, true)
		t.Logf("start on a new file: %v", took)
		if got := srv.FrontendAddr(); !strings.HasPrefix(got, "127.0.0.1:") || strings.HasSuffix(got, ":0") {
			t.Errorf("FrontendAddr() = %q, want 127.0.0.1 and a chosen port", got)
		}

		c := dial(t, srv.FrontendAddr())
		startWorker(t, c)
		var err error
		run, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "greet-ada", TaskQueue: taskQueue}, Greet, "Ada")
		if err != nil {
			t.Fatalf("ExecuteWorkflow: %v", err)
		}
		var got string
		if err := run.Get(ctx, &got); err != nil {
			t.Fatalf("workflow: %v", err)
		}
		if got != "hello, Ada" {
			t.Errorf("workflow result = %q, want %q", got, "hello, Ada")
		}
	})
	if t.Failed() {
		return
	}

	t.Run("second start", func(t *testing.T) {
		srv, took := startServer(t, dir, false)
		t.Logf("start on an existing file: %v", took)
		if srv.UIURL() != "" {
			t.Errorf("UIURL() = %q without a UI, want \"\"", srv.UIURL())
		}

		// No worker: a completed workflow's result comes from the server.
		c := dial(t, srv.FrontendAddr())
		var got string
		if err := c.GetWorkflow(ctx, run.GetID(), run.GetRunID()).Get(ctx, &got); err != nil {
			t.Fatalf("result after restart: %v", err)
		}
		if got != "hello, Ada" {
			t.Errorf("result after restart = %q, want %q", got, "hello, Ada")
		}

		var types []enumspb.EventType
		it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Fatalf("history after restart: %v", err)
			}
			types = append(types, e.GetEventType())
		}
		if len(types) < 2 ||
			types[0] != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED ||
			types[len(types)-1] != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED ||
			!containsEvent(types, enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
			t.Errorf("history after restart = %v, want started … activity completed … completed", types)
		}
	})
}

func containsEvent(types []enumspb.EventType, want enumspb.EventType) bool {
	for _, typ := range types {
		if typ == want {
			return true
		}
	}
	return false
}

// TestUI checks that the Web UI serves its page and reaches the frontend.
func TestUI(t *testing.T) {
	srv, _ := startServer(t, t.TempDir(), true)
	if !strings.HasPrefix(srv.UIURL(), "http://127.0.0.1:") {
		t.Fatalf("UIURL() = %q, want http://127.0.0.1:port", srv.UIURL())
	}

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.UIURL() + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return resp.StatusCode, string(body)
	}

	if code, body := get("/"); code != http.StatusOK || !strings.Contains(body, "<html") {
		t.Errorf("GET / = %d, %.80q; want 200 and a page", code, body)
	}
	// The UI's API proxies to the frontend over gRPC.
	if code, body := get("/api/v1/namespaces"); code != http.StatusOK || !strings.Contains(body, `"default"`) {
		t.Errorf("GET /api/v1/namespaces = %d, %.200q; want 200 listing \"default\"", code, body)
	}
	if code, body := get("/api/v1/settings"); code != http.StatusOK || !strings.Contains(body, `"DisableNewsFetch":true`) {
		t.Errorf("GET /api/v1/settings = %d, %.300q; want 200 with news fetch disabled", code, body)
	}
}

// TestFrontendAddrTaken checks that Start fails, naming the address, when
// something listens on the frontend address.
func TestFrontendAddrTaken(t *testing.T) {
	l := listen(t)
	_, err := devserver.Start(context.Background(), devserver.Config{
		DataDir:      t.TempDir(),
		FrontendAddr: l.Addr().String(),
	})
	if err == nil || !strings.Contains(err.Error(), l.Addr().String()) {
		t.Fatalf("Start on a taken frontend address: err = %v, want an error naming %s", err, l.Addr())
	}
}

// TestUIAddrTaken checks that Start fails, naming the address, when the UI
// address is taken, and leaves nothing behind: the data dir can be used
// right away.
func TestUIAddrTaken(t *testing.T) {
	dir := t.TempDir()
	l := listen(t)
	_, err := devserver.Start(context.Background(), devserver.Config{
		DataDir:      dir,
		FrontendAddr: "127.0.0.1:0",
		UIAddr:       l.Addr().String(),
	})
	if err == nil || !strings.Contains(err.Error(), l.Addr().String()) {
		t.Fatalf("Start on a taken UI address: err = %v, want an error naming %s", err, l.Addr())
	}
	startServer(t, dir, false)
}

// TestDataDirInUse checks that a second server cannot open a data dir in
// use, and that Stop releases it.
func TestDataDirInUse(t *testing.T) {
	dir := t.TempDir()
	srv, _ := startServer(t, dir, false)
	_, err := devserver.Start(context.Background(), devserver.Config{DataDir: dir, FrontendAddr: "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Start on %s: err = %v, want an in-use error", dir, err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("second Stop: %v, want nil", err)
	}
	startServer(t, dir, false)
}

// TestStartCanceled checks that Start gives up when its context ends.
func TestStartCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := devserver.Start(ctx, devserver.Config{DataDir: t.TempDir(), FrontendAddr: "127.0.0.1:0"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Start with a canceled context: err = %v, want context.Canceled", err)
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}
