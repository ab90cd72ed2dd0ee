package temporalclient

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// fakeFrontend answers GetSystemInfo, the call the SDK makes when it
// connects, and records the metadata of each call. It stands in for a
// remote frontend such as Temporal Cloud's.
type fakeFrontend struct {
	workflowservice.UnimplementedWorkflowServiceServer
	// wantKey, when set, is the only API key accepted.
	wantKey string
	mu      sync.Mutex
	calls   []metadata.MD
}

func (f *fakeFrontend) GetSystemInfo(ctx context.Context, _ *workflowservice.GetSystemInfoRequest) (*workflowservice.GetSystemInfoResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	f.calls = append(f.calls, md)
	f.mu.Unlock()
	if f.wantKey != "" && (len(md.Get("authorization")) != 1 || md.Get("authorization")[0] != "Bearer "+f.wantKey) {
		return nil, status.Error(codes.Unauthenticated, "invalid API key")
	}
	return &workflowservice.GetSystemInfoResponse{ServerVersion: "fake"}, nil
}

func (f *fakeFrontend) authorization() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var got []string
	for _, md := range f.calls {
		got = append(got, md.Get("authorization")...)
	}
	return got
}

// serveFake serves a fakeFrontend on l, with TLS unless cfg is nil, until
// the test ends.
func serveFake(t *testing.T, l net.Listener, cfg *tls.Config) *fakeFrontend {
	t.Helper()
	var opts []grpc.ServerOption
	if cfg != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg)))
	}
	f := &fakeFrontend{}
	gs := grpc.NewServer(opts...)
	workflowservice.RegisterWorkflowServiceServer(gs, f)
	go gs.Serve(l)
	t.Cleanup(gs.Stop)
	return f
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// serverTLS is the TLS of a fake frontend with the server certificate.
func (f tlsFiles) serverTLS() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{f.Server.TLS}}
}

func load(t *testing.T, s SecuritySettings) Security {
	t.Helper()
	sec, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	return sec
}

func quiet() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}

// dial dials addr in the default namespace with sec, quietly.
func dial(ctx context.Context, addr string, sec Security) (client.Client, error) {
	return Dial(ctx, Options{Address: addr, Namespace: "default", Security: sec, Logger: quiet()})
}

// TestAPIKeySentAsBearer finds the API key in the Authorization header:
// over TLS, which the key turns on, and in plaintext with TLS off. A key
// the frontend refuses fails the dial at once.
func TestAPIKeySentAsBearer(t *testing.T) {
	f := newTLSFiles(t)
	for _, tc := range []struct {
		name      string
		serverTLS *tls.Config
		s         SecuritySettings
		wantKey   string // the only key the frontend accepts; "": any
	}{
		{"TLS", f.serverTLS(), SecuritySettings{CAPath: f.CAPath, APIKey: "test-api-key"}, ""},
		{"plaintext with TLS off", nil, SecuritySettings{TLS: ptr(false), APIKey: "test-api-key"}, ""},
		{"refused key", f.serverTLS(), SecuritySettings{CAPath: f.CAPath, APIKey: "test-api-key"}, "another-key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			l := listen(t)
			fake := serveFake(t, l, tc.serverTLS)
			fake.wantKey = tc.wantKey
			tcl, err := dial(ctx, l.Addr().String(), load(t, tc.s))
			if got := fake.authorization(); len(got) == 0 || got[0] != "Bearer test-api-key" {
				t.Errorf("authorization = %q, want [Bearer test-api-key]", got)
			}
			if tc.wantKey == "" {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				tcl.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), "invalid API key") || strings.Contains(err.Error(), "test-api-key") {
				t.Fatalf("dial: err = %v, want the frontend's refusal, without the key", err)
			}
			if ctx.Err() != nil {
				t.Fatal("a refused key was retried until the test's deadline")
			}
		})
	}
}

// TestMutualTLS connects to a frontend that requires a client certificate
// from its CA: with the client certificate, and not without it.
func TestMutualTLS(t *testing.T) {
	f := newTLSFiles(t)
	l := listen(t)
	cfg := f.serverTLS()
	cfg.ClientAuth, cfg.ClientCAs = tls.RequireAndVerifyClientCert, f.CA.Pool()
	serveFake(t, l, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sec := load(t, SecuritySettings{CertPath: f.ClientCert, KeyPath: f.ClientKey, CAPath: f.CAPath})
	tc, err := dial(ctx, l.Addr().String(), sec)
	if err != nil {
		t.Fatalf("dial with the client certificate: %v", err)
	}
	tc.Close()
	sec = load(t, SecuritySettings{CAPath: f.CAPath})
	if _, err := dial(ctx, l.Addr().String(), sec); err == nil {
		t.Fatal("dial without a client certificate succeeded")
	}
	if ctx.Err() != nil {
		t.Fatal("the refused handshake was retried until the test's deadline")
	}
}

// TestTLSDialFailsAtOnce checks that a TLS handshake that fails is
// reported with its cause at once, not retried for a minute as a frontend
// that is not up yet would be: the system roots do not know a private CA,
// and a name the certificate does not carry is refused.
func TestTLSDialFailsAtOnce(t *testing.T) {
	f := newTLSFiles(t)
	l := listen(t)
	serveFake(t, l, f.serverTLS())
	addr := l.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, tc := range []struct {
		s    SecuritySettings
		want string
	}{
		{SecuritySettings{TLS: ptr(true)}, "certificate signed by unknown authority"},
		{SecuritySettings{CAPath: f.CAPath, ServerName: "other.test"}, "wanted to match other.test"},
	} {
		_, err := dial(ctx, addr, load(t, tc.s))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), addr) {
			t.Errorf("%+v: err = %v, want an error naming %s and containing %q", tc.s, err, addr, tc.want)
		}
		if ctx.Err() != nil {
			t.Fatalf("%+v: the dial was retried until the test's deadline", tc.s)
		}
	}
	// With the CA the handshake passes and the client connects.
	tc, err := dial(ctx, addr, load(t, SecuritySettings{CAPath: f.CAPath}))
	if err != nil {
		t.Fatalf("dial with the CA: %v", err)
	}
	tc.Close()
}

// notifyHandler tells retried when a record with the retry message is
// logged.
type notifyHandler struct {
	slog.Handler
	retried chan<- struct{}
}

func (h notifyHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h notifyHandler) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "retrying") {
		select {
		case h.retried <- struct{}{}:
		default:
		}
	}
	return nil
}

// TestDialWaitsForTheFrontend starts the frontend only once the dial has
// failed and said it retries; the dial then connects.
func TestDialWaitsForTheFrontend(t *testing.T) {
	l := listen(t)
	addr := l.Addr().String()
	l.Close() // refuses connections until the frontend is up
	retried := make(chan struct{}, 1)
	log := slog.New(notifyHandler{Handler: slog.DiscardHandler, retried: retried})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type result struct {
		c   client.Client
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := Dial(ctx, Options{Address: addr, Namespace: "default", Logger: log})
		done <- result{c, err}
	}()
	select {
	case <-retried:
	case r := <-done:
		t.Fatalf("dial returned %v before the frontend was up", r.err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fake := serveFake(t, l, nil)
	r := <-done
	if r.err != nil {
		t.Fatalf("dial: %v", r.err)
	}
	r.c.Close()
	if len(fake.authorization()) != 0 {
		t.Error("a plaintext dial without an API key sent an Authorization header")
	}
}

// TestPlaintextToTLSHint checks that a plaintext dial closed by a frontend
// that serves TLS suggests TLS, and that a TLS dial does not.
func TestPlaintextToTLSHint(t *testing.T) {
	err := errors.New(`failed reaching server: connection error: desc = "error reading server preface: EOF"`)
	if got := dialHint(client.Options{}, err); !strings.Contains(got, "--tls") || !strings.Contains(got, EnvTLS+"=true") {
		t.Errorf("plaintext: hint %q, want --tls suggested", got)
	}
	tlsOpts := client.Options{ConnectionOptions: client.ConnectionOptions{TLS: &tls.Config{}}}
	if got := dialHint(tlsOpts, err); got != "" {
		t.Errorf("TLS: hint %q, want none", got)
	}
}
