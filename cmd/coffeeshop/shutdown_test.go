package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// blockingStore holds every GetCustomer until release is closed or its
// context ends, after telling entered.
type blockingStore struct {
	store
	entered chan struct{}
	release chan struct{}
}

func (b *blockingStore) GetCustomer(ctx context.Context, id string) (*coffeeshop.Customer, error) {
	b.entered <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return b.store.GetCustomer(ctx, id)
}

// Requests in flight when the API stops (an HTTP one through the gateway,
// a direct gRPC one) get their answers; new connections are refused at
// once; stop returns once they are done.
func TestAPIShutdownFinishesInFlightRequests(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "customers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cust := &coffeeshop.Customer{ID: "5c0e2b7e-93a4-4f43-a0f1-7d1f6a4b9e01", FirstName: "Ada", LastName: "Lovelace",
		Email: "ada@example.com", PhoneNumber: "+447911123456"}
	if err := st.InsertCustomer(t.Context(), cust); err != nil {
		t.Fatal(err)
	}
	bs := &blockingStore{store: st, entered: make(chan struct{}), release: make(chan struct{})}
	// GET needs no Temporal: a client of a frontend nobody runs will do.
	tc, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	cfg := parseFlags(t, "api", "--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0",
		"--code-secret", opsTestSecret, "--shutdown-timeout", "1m")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	o := newOps(cfg, discardLogger())
	defer o.close()
	o.checkReady(bs, tc)
	a, err := startAPI(ctx, cfg, bs, tc, o, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	shutdownBegan := make(chan struct{})
	a.http.RegisterOnShutdown(func() { close(shutdownBegan) }) // runs once the listeners are closed

	type answer struct {
		code int
		body string
	}
	httpDone := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://" + a.httpAddr + "/v1/customers/" + cust.ID)
		if err != nil {
			httpDone <- answer{0, err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		httpDone <- answer{resp.StatusCode, string(b)}
	}()
	conn, err := grpc.NewClient(a.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	grpcDone := make(chan error, 1)
	go func() {
		resp, err := customerv1.NewCustomerServiceClient(conn).GetCustomer(context.Background(),
			&customerv1.GetCustomerRequest{CustomerId: cust.ID})
		if err == nil && resp.GetCustomer().GetId() != cust.ID {
			t.Errorf("gRPC GetCustomer answered %v", resp)
		}
		grpcDone <- err
	}()
	<-bs.entered
	<-bs.entered // both requests are in their handlers

	cancel() // what SIGTERM does to the run context
	stopped := make(chan struct{})
	go func() { a.stop(); close(stopped) }()
	<-shutdownBegan
	if c, err := net.Dial("tcp", a.httpAddr); err == nil {
		c.Close()
		t.Error("the HTTP port accepts connections during shutdown")
	}
	select {
	case <-stopped:
		t.Fatal("stop returned with requests in flight")
	default:
	}

	close(bs.release)
	if got := <-httpDone; got.code != 200 || !strings.Contains(got.body, cust.ID) {
		t.Errorf("in-flight HTTP request: %d %s, want 200 with the customer", got.code, got.body)
	}
	if err := <-grpcDone; err != nil {
		t.Errorf("in-flight gRPC request: %v", err)
	}
	select {
	case <-stopped:
	case <-time.After(time.Minute): // a guard against a hang, not a synchronization
		t.Fatal("stop did not return after the requests finished")
	}
}

// A request that outlives --shutdown-timeout is cut off: stop returns.
func TestAPIShutdownDeadline(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "customers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bs := &blockingStore{store: st, entered: make(chan struct{}), release: make(chan struct{})}
	defer close(bs.release)
	tc, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	cfg := parseFlags(t, "api", "--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0",
		"--code-secret", opsTestSecret, "--shutdown-timeout", "200ms")
	o := newOps(cfg, discardLogger())
	defer o.close()
	a, err := startAPI(t.Context(), cfg, bs, tc, o, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		// Cut off by the deadline: an error is the expected end.
		if resp, err := http.Get("http://" + a.httpAddr + "/v1/customers/5c0e2b7e-93a4-4f43-a0f1-7d1f6a4b9e01"); err == nil {
			resp.Body.Close()
		}
	}()
	<-bs.entered
	start := time.Now()
	a.stop()
	if d := time.Since(start); d < 200*time.Millisecond || d > 20*time.Second {
		t.Errorf("stop took %s with a request that never ends, want about the 200ms deadline", d)
	}
}
