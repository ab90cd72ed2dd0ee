package devserver_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/devserver/devservertest"
)

// childDirEnv, when set, makes the test binary run childMain instead of
// the tests: a server, a worker and a workflow in a process the test can
// kill. childModeEnv says where the child is when it reports READY.
const (
	childDirEnv  = "DEVSERVER_TEST_CHILD_DIR"
	childModeEnv = "DEVSERVER_TEST_CHILD_MODE"
)

// The child's modes.
const (
	// idle: the workflow waits for the next Update; no task is in flight.
	modeIdle = "idle"
	// inflight: an Update's workflow task is being worked on, stuck in its
	// local activity.
	modeInFlight = "inflight"
	// firsttask: the workflow's first task is being worked on, stuck in its
	// local activity.
	modeFirstTask = "firsttask"
)

const counterID = "counter"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		if err := childMain(dir, os.Getenv(childModeEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

// childMain starts a server on dir, a worker, and a Counter workflow that
// it sends one Update, prints "READY" once the Update is answered, and
// waits to be killed.
func childMain(dir, mode string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Config{DataDir: dir, FrontendAddr: "127.0.0.1:0", Logger: quietLogger()})
	if err != nil {
		return err
	}
	c, err := client.Dial(client.Options{
		HostPort:  srv.FrontendAddr(),
		Namespace: "default",
		Logger:    sdklog.NewStructuredLogger(quietLogger()),
	})
	if err != nil {
		return err
	}
	// Add blocks on 5, the number each mode uses to get a task stuck.
	stuck := make(chan struct{})
	addHook = func(n int) {
		if n == 5 {
			close(stuck)
			select {}
		}
	}
	w := newWorker(c)
	if err := w.Start(); err != nil {
		return err
	}
	initial := 1
	if mode == modeFirstTask {
		initial = 5
	}
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: counterID, TaskQueue: taskQueue}, Counter, initial); err != nil {
		return err
	}
	if mode == modeFirstTask {
		<-stuck
	} else if sum, err := add(ctx, c, counterID, 10); err != nil || sum != 11 {
		return fmt.Errorf("first Update: sum %d, err %v; want 11", sum, err)
	}
	if mode == modeInFlight {
		go add(ctx, c, counterID, 5) //nolint:errcheck // never returns
		<-stuck
	}
	fmt.Println("READY")
	select {}
}

// TestUpdateAfterSIGKILL is the durability demo: a process running the
// server, a worker and a workflow is killed with SIGKILL; a new server on
// the same data dir, with a new worker, must answer the next Update to the
// workflow, with the workflow's state intact.
func TestUpdateAfterSIGKILL(t *testing.T) {
	for _, mode := range []string{modeIdle, modeInFlight, modeFirstTask} {
		t.Run(mode, func(t *testing.T) { testUpdateAfterSIGKILL(t, mode) })
	}
}

func testUpdateAfterSIGKILL(t *testing.T, mode string) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	devservertest.KillChild(ctx, t, childDirEnv+"="+dir, childModeEnv+"="+mode)

	restarted := time.Now()
	srv, took := startServer(t, dir, false)
	c := dial(t, srv.FrontendAddr())
	startWorker(t, c)
	sum, err := add(ctx, c, counterID, 2)
	if err != nil {
		t.Fatalf("Update after restart: %v", err)
	}
	latency := time.Since(restarted)
	t.Logf("start on the killed server's file: %v; restart to Update answered: %v", took, latency)
	// With a task in flight at the kill, the workflow waits for the task
	// to time out: 2 s by the devserver's default, 10 s by Temporal's. The
	// setting is checked, not the time taken, so the test does not depend
	// on the machine's speed.
	desc, err := c.DescribeWorkflowExecution(ctx, counterID, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.GetExecutionConfig().GetDefaultWorkflowTaskTimeout().AsDuration(); got != 2*time.Second {
		t.Errorf("workflow task timeout %v, want the devserver's 2s (Temporal's default 10s makes recovery after a kill slow)", got)
	}
	// What the workflow had before the kill: the initial 1 and the Update's
	// 10, or the initial 5 of the first task that was cut off and retried.
	// The Update stuck at the kill never reached the history; its client
	// died with the process.
	want := 11 + 2
	if mode == modeFirstTask {
		want = 5 + 2
	}
	if sum != want {
		t.Errorf("Update after restart = %d, want %d", sum, want)
	}

	if sum, err := add(ctx, c, counterID, 0); err != nil || sum != want {
		t.Fatalf("final Update = %d, %v; want %d", sum, err, want)
	}
	var result int
	if err := c.GetWorkflow(ctx, counterID, "").Get(ctx, &result); err != nil || result != want {
		t.Fatalf("workflow result = %d, %v; want %d", result, err, want)
	}
}
