package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// blockingStore holds every GetCustomer until release is closed or its
// context ends, after telling entered.
type blockingStore struct {
	coffeeshop.CustomerStore
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
	return b.CustomerStore.GetCustomer(ctx, id)
}

// listenTest is the ListenConfig of an API over st on loopback ports.
func listenTest(t *testing.T, st coffeeshop.CustomerStore) ListenConfig {
	t.Helper()
	return ListenConfig{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Server: &Server{Store: st, Verifier: &fakeVerifier{}, Logger: discardLogger()}}
}

// httpGet answers with the status and body of a GET, or status 0 and the
// error.
func httpGet(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Both addresses serve at once; HTTP goes through WrapGateway, and the
// interceptors see every call, the gateway's too.
func TestListenServes(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer(t, "5c0e2b7e-93a4-4f43-a0f1-7d1f6a4b9e01", "Ada", false)
	cfg := listenTest(t, h.store)
	var mu sync.Mutex
	var methods []string
	cfg.Interceptors = []grpc.UnaryServerInterceptor{func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		mu.Lock()
		methods = append(methods, info.FullMethod)
		mu.Unlock()
		return handler(ctx, req)
	}}
	cfg.WrapGateway = func(gw http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /extra", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "extra") })
		mux.Handle("/", gw)
		return mux
	}
	l, err := Listen(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Shutdown(time.Minute)

	if code, body := httpGet("http://" + l.HTTPAddr() + "/v1/customers/" + id); code != 200 || body != `{"customer":`+customerJSON(id, "Ada", false)+`}` {
		t.Errorf("GET customer over HTTP: %d %s", code, body)
	}
	if code, body := httpGet("http://" + l.HTTPAddr() + "/extra"); code != 200 || body != "extra" {
		t.Errorf("GET /extra: %d %s", code, body)
	}
	resp, err := grpcClient(t, l.GRPCAddr()).GetCustomer(t.Context(), &customerv1.GetCustomerRequest{CustomerId: id})
	if err != nil || resp.GetCustomer().GetFirstName() != "Ada" {
		t.Errorf("GetCustomer over gRPC: %v, %v", resp, err)
	}
	mu.Lock()
	defer mu.Unlock()
	get := customerv1.CustomerService_GetCustomer_FullMethodName
	if len(methods) != 2 || methods[0] != get || methods[1] != get {
		t.Errorf("interceptors saw %v, want GetCustomer twice", methods)
	}
}

// Requests in flight at Shutdown (an HTTP one through the gateway, a
// direct gRPC one) get their answers, also when the context Listen was
// given has ended; new HTTP connections are refused at once; Shutdown
// returns once the requests are done.
func TestListenShutdownFinishesInFlightRequests(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer(t, "5c0e2b7e-93a4-4f43-a0f1-7d1f6a4b9e01", "Ada", false)
	bs := &blockingStore{CustomerStore: h.store, entered: make(chan struct{}), release: make(chan struct{})}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	l, err := Listen(ctx, listenTest(t, bs))
	if err != nil {
		t.Fatal(err)
	}
	shutdownBegan := make(chan struct{})
	l.http.RegisterOnShutdown(func() { close(shutdownBegan) }) // runs once the HTTP listener is closed

	type answer struct {
		code int
		body string
	}
	httpDone := make(chan answer, 1)
	go func() {
		code, body := httpGet("http://" + l.HTTPAddr() + "/v1/customers/" + id)
		httpDone <- answer{code, body}
	}()
	client := grpcClient(t, l.GRPCAddr())
	grpcDone := make(chan error, 1)
	go func() {
		resp, err := client.GetCustomer(context.Background(), &customerv1.GetCustomerRequest{CustomerId: id})
		if err == nil && resp.GetCustomer().GetId() != id {
			err = errors.New("answered with another customer")
		}
		grpcDone <- err
	}()
	<-bs.entered
	<-bs.entered // both requests are in their handlers

	cancel() // what SIGTERM does to the run context
	stopped := make(chan struct{})
	go func() { l.Shutdown(time.Minute); close(stopped) }()
	<-shutdownBegan
	if c, err := net.Dial("tcp", l.HTTPAddr()); err == nil {
		c.Close()
		t.Error("the HTTP port accepts connections during shutdown")
	}
	select {
	case <-stopped:
		t.Fatal("Shutdown returned with requests in flight")
	default:
	}

	close(bs.release)
	if got := <-httpDone; got.code != 200 || !strings.Contains(got.body, id) {
		t.Errorf("in-flight HTTP request: %d %s, want 200 with the customer", got.code, got.body)
	}
	if err := <-grpcDone; err != nil {
		t.Errorf("in-flight gRPC request: %v", err)
	}
	select {
	case <-stopped:
	case <-time.After(time.Minute): // a guard against a hang, not a synchronization
		t.Fatal("Shutdown did not return after the requests finished")
	}
	select {
	case err := <-l.Err():
		t.Errorf("Err after Shutdown: %v", err)
	default:
	}
}

// A request that outlives the shutdown timeout is cut off: Shutdown
// returns.
func TestListenShutdownDeadline(t *testing.T) {
	bs := &blockingStore{CustomerStore: openStore(t), entered: make(chan struct{}), release: make(chan struct{})}
	defer close(bs.release)
	l, err := Listen(t.Context(), listenTest(t, bs))
	if err != nil {
		t.Fatal(err)
	}
	go httpGet("http://" + l.HTTPAddr() + "/v1/customers/5c0e2b7e-93a4-4f43-a0f1-7d1f6a4b9e01") // cut off: an error is its expected end
	<-bs.entered
	start := time.Now()
	l.Shutdown(200 * time.Millisecond)
	if d := time.Since(start); d < 200*time.Millisecond || d > 20*time.Second {
		t.Errorf("Shutdown took %s with a request that never ends, want about the 200ms timeout", d)
	}
}

// A taken address fails Listen with a ListenError that names it.
func TestListenTakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, listener := range []string{"grpc", "http"} {
		cfg := listenTest(t, openStore(t))
		if listener == "grpc" {
			cfg.GRPCAddr = taken.Addr().String()
		} else {
			cfg.HTTPAddr = taken.Addr().String()
		}
		l, err := Listen(t.Context(), cfg)
		if err == nil {
			l.Shutdown(time.Second)
			t.Fatalf("%s address taken: Listen succeeded", listener)
		}
		var le *ListenError
		if !errors.As(err, &le) || le.Listener != listener || le.Addr != taken.Addr().String() {
			t.Errorf("%s address taken: %v, want a ListenError naming it", listener, err)
		}
	}
}
