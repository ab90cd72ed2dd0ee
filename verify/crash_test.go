package verify_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/devserver/devservertest"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/verify"
)

// crashDirEnv, when set, makes the test binary run crashChild instead of
// the tests: a coffeeshop process (server, worker, client) that creates a
// customer and reports READY at a point inside the create, where the test
// kills it. crashModeEnv names the point.
const (
	crashDirEnv  = "VERIFY_TEST_CRASH_DIR"
	crashModeEnv = "VERIFY_TEST_CRASH_MODE"
)

// The points of a create the child is killed at.
const (
	// crashStarted: the workflow has started, no worker has run its first
	// step (the process has none).
	crashStarted = "started"
	// crashStored: the first step has inserted the row, its completion has
	// not reached the server.
	crashStored = "stored"
)

// crashRequestID is the request_id of the create the child is killed in.
const crashRequestID = "crash-1"

func crashCustomer() *coffeeshop.Customer {
	return &coffeeshop.Customer{FirstName: "Kay", LastName: "Oss", Email: "kay@example.com", PhoneNumber: "+447911123499"}
}

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		if err := crashChild(dir, os.Getenv(crashModeEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

// stallingStore stalls the process, for a kill, right after it inserted a
// customer.
type stallingStore struct {
	coffeeshop.CustomerStore
}

func (s stallingStore) InsertCustomer(ctx context.Context, c *coffeeshop.Customer) error {
	if err := s.CustomerStore.InsertCustomer(ctx, c); err != nil {
		return err
	}
	fmt.Println("READY")
	select {}
}

func crashChild(dir, mode string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	srv, err := devserver.Start(ctx, devserver.Config{DataDir: filepath.Join(dir, "temporal"), FrontendAddr: "127.0.0.1:0", Logger: quiet})
	if err != nil {
		return err
	}
	store, err := sqlite.Open(filepath.Join(dir, "customers.db"))
	if err != nil {
		return err
	}
	tc, err := client.Dial(client.Options{HostPort: srv.FrontendAddr(), Logger: sdklog.NewStructuredLogger(quiet)})
	if err != nil {
		return err
	}
	if mode == crashStored {
		w := worker.New(tc, verify.TaskQueue, worker.Options{})
		verify.Register(w, &verify.Activities{Store: stallingStore{store}, Ledger: store, SMS: &recordingSMS{},
			NewCode: verify.FixedCode("1234"), Secret: testSecret})
		if err := w.Start(); err != nil {
			return err
		}
	}
	vc := &verify.Client{Temporal: tc, Secret: testSecret, Store: store}
	go vc.SignUp(ctx, crashCustomer(), crashRequestID) //nolint:errcheck // the process is killed under it
	if mode == crashStarted {
		// Once the server knows the workflow it has stored its start.
		for {
			_, err := tc.DescribeWorkflowExecution(ctx, verify.WorkflowID(verify.CustomerID(crashRequestID)), "")
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return err
			}
			time.Sleep(10 * time.Millisecond) // polling the server, not timing the test
		}
		fmt.Println("READY")
	}
	select {}
}

// A process killed (SIGKILL) in the middle of a create leaves no half: on
// restart the workflow, which is durable from its start, stores the
// customer (again, harmlessly, when it already had) and texts the code, and
// a retry of the create answers with that customer.
func TestCreateSurvivesAKill(t *testing.T) {
	for _, mode := range []string{crashStarted, crashStored} {
		t.Run(mode, func(t *testing.T) { testCreateSurvivesAKill(t, mode) })
	}
}

func testCreateSurvivesAKill(t *testing.T, mode string) {
	dir := t.TempDir()
	cctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	devservertest.KillChild(cctx, t, crashDirEnv+"="+dir, crashModeEnv+"="+mode)

	id := verify.CustomerID(crashRequestID)
	store, err := sqlite.Open(filepath.Join(dir, "customers.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	_, err = store.GetCustomer(ctx(t), id)
	if mode == crashStarted && coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
		t.Fatalf("customer before the first step: %v", err)
	} else if mode == crashStored && err != nil {
		t.Fatalf("customer the first step stored: %v", err)
	}

	// The restarted process: only its worker, no client call, completes
	// the create.
	s := &stack{t: t, dataDir: filepath.Join(dir, "temporal"), codes: verify.FixedCode("1234"), store: store,
		sms: &recordingSMS{}, client: &verify.Client{Store: store}}
	s.up()
	s.waitCode(id)
	c, err := store.GetCustomer(ctx(t), id)
	if want := crashCustomer(); err != nil || c.Email != want.Email || c.PhoneNumber != want.PhoneNumber {
		t.Fatalf("customer after restart: %+v, %v", c, err)
	}
	if n := s.sms.count(); n != 1 {
		t.Errorf("%d texts after restart, want 1", n)
	}
	if again, err := s.create(crashCustomer(), crashRequestID); err != nil || again.ID != id || !again.CreatedAt.Equal(c.CreatedAt) {
		t.Errorf("retried create: %+v, %v", again, err)
	}
	expect(t, "verify", s.verify(c, "1234", ""), coffeeshop.VerificationSuccess)
}
