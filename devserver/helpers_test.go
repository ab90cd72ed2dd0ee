package devserver_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/coffeeshop/coffeeshop/devserver"
)

const taskQueue = "devserver-test"

// quietLogger writes warnings and errors to stderr, where a failing test
// shows them. (Not t.Log: server goroutines may log after the test ends.)
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// startServer starts a server on dir with free ports, and a UI when withUI,
// and stops it when the test ends. It reports how long Start took.
func startServer(t *testing.T, dir string, withUI bool) (*devserver.Server, time.Duration) {
	t.Helper()
	cfg := devserver.Config{
		DataDir:      dir,
		FrontendAddr: "127.0.0.1:0",
		Logger:       quietLogger(),
	}
	if withUI {
		cfg.UIAddr = "127.0.0.1:0"
	}
	return startWith(t, cfg)
}

// startWith starts a server with cfg and stops it when the test ends.
func startWith(t *testing.T, cfg devserver.Config) (*devserver.Server, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	began := time.Now()
	srv, err := devserver.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	took := time.Since(began)
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return srv, took
}

// dial connects an SDK client to srv and closes it when the test ends.
func dial(t *testing.T, addr string) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  addr,
		Namespace: "default",
		Logger:    sdklog.NewStructuredLogger(quietLogger()),
	})
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(c.Close)
	return c
}

// startWorker runs a worker for the test workflows on c until the test ends.
func startWorker(t *testing.T, c client.Client) worker.Worker {
	t.Helper()
	w := newWorker(c)
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(w.Stop)
	return w
}

func newWorker(c client.Client) worker.Worker {
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(Greet)
	w.RegisterActivity(Greeting)
	w.RegisterWorkflow(Counter)
	return w
}

// Greet is a trivial workflow: one activity, one result.
func Greet(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var greeting string
	err := workflow.ExecuteActivity(ctx, Greeting, name).Get(ctx, &greeting)
	return greeting, err
}

// Greeting is Greet's activity.
func Greeting(_ context.Context, name string) (string, error) {
	return fmt.Sprintf("hello, %s", name), nil
}

// Counter adds the numbers it receives by the Update "add", each through a
// local activity (the shape of the product's verification flow), and
// completes with the sum when it receives 0. A non-zero initial is added
// first, by a local activity in the first workflow task (as the product
// sends its code).
func Counter(ctx workflow.Context, initial int) (int, error) {
	laOptions := workflow.LocalActivityOptions{StartToCloseTimeout: 5 * time.Second}
	sum, started, done := 0, false, false
	// The handler goes first: an Update that arrives before it is
	// registered is rejected.
	err := workflow.SetUpdateHandler(ctx, "add", func(ctx workflow.Context, n int) (int, error) {
		if err := workflow.Await(ctx, func() bool { return started }); err != nil {
			return 0, err
		}
		ctx = workflow.WithLocalActivityOptions(ctx, laOptions)
		if err := workflow.ExecuteLocalActivity(ctx, Add, sum, n).Get(ctx, &sum); err != nil {
			return 0, err
		}
		done = n == 0
		return sum, nil
	})
	if err != nil {
		return 0, err
	}
	if initial != 0 {
		ctx := workflow.WithLocalActivityOptions(ctx, laOptions)
		if err := workflow.ExecuteLocalActivity(ctx, Add, 0, initial).Get(ctx, &sum); err != nil {
			return 0, err
		}
	}
	started = true
	if err := workflow.Await(ctx, func() bool { return done }); err != nil {
		return 0, err
	}
	// Let the Update that ended the workflow finish before it completes.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return 0, err
	}
	return sum, nil
}

// Add is Counter's local activity.
func Add(_ context.Context, a, b int) (int, error) {
	if addHook != nil {
		addHook(b)
	}
	return a + b, nil
}

// addHook, when set, runs at the start of every Add.
var addHook func(n int)

// add sends the Update "add" with n to the workflow id and returns its
// result.
func add(ctx context.Context, c client.Client, id string, n int) (int, error) {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   id,
		UpdateName:   "add",
		Args:         []any{n},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return 0, err
	}
	var sum int
	err = h.Get(ctx, &sum)
	return sum, err
}
