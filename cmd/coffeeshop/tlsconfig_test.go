package main

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
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

	"github.com/coffeeshop/coffeeshop/internal/testpki"
)

// tlsFiles are PEM files of a throwaway CA, a server certificate it issued
// for 127.0.0.1 and a client certificate.
type tlsFiles struct {
	dir                   string
	ca                    *testpki.CA
	server                *testpki.Leaf
	caPath                string
	serverCert, serverKey string
	clientCert, clientKey string
}

func newTLSFiles(t *testing.T) tlsFiles {
	t.Helper()
	f := tlsFiles{dir: t.TempDir(), ca: testpki.NewCA(t, "test CA")}
	f.server = f.ca.Server(t, "127.0.0.1")
	f.caPath = filepath.Join(f.dir, "ca.pem")
	testpki.WriteFile(t, f.caPath, f.ca.PEM)
	f.serverCert, f.serverKey = f.server.Write(t, f.dir, "server")
	f.clientCert, f.clientKey = f.ca.Client(t, "worker").Write(t, f.dir, "client")
	return f
}

// file writes data to a new file of the test and returns its path.
func (f tlsFiles) file(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	testpki.WriteFile(t, p, []byte(data))
	return p
}

func TestBadTLSSettingsNameTheFlag(t *testing.T) {
	t.Setenv("COFFEESHOP_CODE_SECRET", strings.Repeat("ab", 32))
	f := newTLSFiles(t)
	other, _ := testpki.NewCA(t, "other CA").Client(t, "x").Write(t, f.dir, "other")
	noNames, noNamesKey := f.ca.Client(t, "no names").Write(t, f.dir, "nonames")
	notPEM := f.file(t, "not.pem", "hello\n")
	keyOnly := f.file(t, "key-only.pem", string(f.server.KeyPEM))
	for _, tc := range []struct {
		env  []string
		args []string
		want []string
	}{
		{nil, []string{"worker", "--tls-cert-path", f.clientCert}, []string{"--tls-cert-path (TEMPORAL_TLS_CLIENT_CERT_PATH", "--tls-key-path (", "give both"}},
		{[]string{"TEMPORAL_TLS_CLIENT_KEY_PATH", f.clientKey}, []string{"api"}, []string{"--tls-cert-path (", "go together"}},
		{nil, []string{"api", "--tls-cert-path", filepath.Join(f.dir, "missing.pem"), "--tls-key-path", f.clientKey}, []string{"--tls-cert-path/--tls-key-path", "missing.pem", "no such file"}},
		{nil, []string{"worker", "--tls-cert-path", notPEM, "--tls-key-path", f.clientKey}, []string{"--tls-cert-path/--tls-key-path", "PEM"}},
		{nil, []string{"worker", "--tls-cert-path", other, "--tls-key-path", f.clientKey}, []string{"--tls-cert-path/--tls-key-path", "does not match"}},
		{nil, []string{"worker", "--tls-ca-path", keyOnly}, []string{"--tls-ca-path", "holds no PEM certificate"}},
		{nil, []string{"worker", "--tls-ca-path", filepath.Join(f.dir, "nope.pem")}, []string{"--tls-ca-path", "no such file"}},
		{nil, []string{"api", "--tls=false", "--tls-ca-path", f.caPath}, []string{"--tls=false", "contradicts --tls-ca-path"}},
		{[]string{"TEMPORAL_TLS", "false"}, []string{"api", "--tls-server-name", "x"}, []string{"contradicts --tls-server-name"}},
		{[]string{"TEMPORAL_TLS", "maybe"}, []string{"worker"}, []string{"TEMPORAL_TLS", "must be true"}},
		{nil, []string{"worker", "--api-key", "two words"}, []string{"--api-key", "value not shown"}},
		{nil, []string{"temporal", "--temporal-tls-cert", f.serverCert}, []string{"--temporal-tls-cert (COFFEESHOP_TEMPORAL_TLS_CERT) and --temporal-tls-key"}},
		{nil, []string{"temporal", "--temporal-tls-client-ca", f.caPath}, []string{"--temporal-tls-client-ca (COFFEESHOP_TEMPORAL_TLS_CLIENT_CA) needs"}},
		{nil, []string{"temporal", "--temporal-tls-cert", f.serverCert, "--temporal-tls-key", f.clientKey}, []string{"--temporal-tls-cert/--temporal-tls-key", "does not match"}},
		{nil, []string{"temporal", "--temporal-tls-cert", noNames, "--temporal-tls-key", noNamesKey}, []string{"--temporal-tls-cert", "no DNS name or IP address"}},
		{nil, []string{"temporal", "--temporal-tls-cert", f.serverCert, "--temporal-tls-key", f.serverKey, "--temporal-tls-client-ca", notPEM}, []string{"--temporal-tls-client-ca", "holds no PEM certificate"}},
	} {
		t.Run(tc.args[0]+" "+tc.want[0], func(t *testing.T) {
			for i := 0; i+1 < len(tc.env); i += 2 {
				t.Setenv(tc.env[i], tc.env[i+1])
			}
			code, out := runArgs(t, tc.args...)
			if code != 2 {
				t.Fatalf("exit %d, output %q; want 2", code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output %q does not contain %q", out, w)
				}
			}
			for _, secret := range []string{"PRIVATE KEY", "two words"} {
				if strings.Contains(out, secret) {
					t.Errorf("output %q shows %q", out, secret)
				}
			}
		})
	}
}

// TestAPIKeyNeverPrinted checks that --help shows neither the API key from
// the environment nor a key given by flag.
func TestAPIKeyNeverPrinted(t *testing.T) {
	const key = "sekrit-api-key-123"
	t.Setenv("TEMPORAL_API_KEY", key)
	for _, cmd := range []string{"worker", "api"} {
		if code, out := runArgs(t, cmd, "--help"); code != 0 || strings.Contains(out, key) || !strings.Contains(out, "TEMPORAL_API_KEY") {
			t.Errorf("%s --help: exit %d, output %q; want the variable named and the key not shown", cmd, code, out)
		}
		if code, out := runArgs(t, cmd, "--api-key", key, "--help"); code != 0 || strings.Contains(out, key) {
			t.Errorf("%s --api-key … --help: exit %d, shows the key", cmd, code)
		}
	}
}

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

// serveFake serves a fakeFrontend on a loopback port, with TLS unless
// cert is nil, until the test ends.
func serveFake(t *testing.T, cert *tls.Certificate) (*fakeFrontend, string) {
	t.Helper()
	var opts []grpc.ServerOption
	if cert != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{*cert}})))
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeFrontend{}
	gs := grpc.NewServer(opts...)
	workflowservice.RegisterWorkflowServiceServer(gs, f)
	go gs.Serve(l)
	t.Cleanup(gs.Stop)
	return f, l.Addr().String()
}

func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// TestAPIKeySentAsBearer connects a worker's client, configured by
// TEMPORAL_API_KEY, to a fake frontend and finds the key in the
// Authorization header: over TLS, which the key turns on, and in plaintext
// with --tls=false.
func TestAPIKeySentAsBearer(t *testing.T) {
	t.Setenv("COFFEESHOP_CODE_SECRET", strings.Repeat("ab", 32))
	t.Setenv("TEMPORAL_API_KEY", "test-api-key")
	f := newTLSFiles(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	t.Run("TLS", func(t *testing.T) {
		fake, addr := serveFake(t, &f.server.TLS)
		cfg := loadConfig(t, "worker", "--temporal-address", addr, "--tls-ca-path", f.caPath)
		if got := cfg.describeTLS(); got != "TLS, API key" {
			t.Errorf("describe() = %q, want TLS, API key", got)
		}
		tc, err := dialTemporal(ctx, temporalConn{address: addr, namespace: "default", tls: cfg}, converters{}, testLogger())
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		tc.Close()
		if got := fake.authorization(); len(got) == 0 || got[0] != "Bearer test-api-key" {
			t.Errorf("authorization = %q, want [Bearer test-api-key]", got)
		}
	})
	t.Run("refused key", func(t *testing.T) {
		fake, addr := serveFake(t, &f.server.TLS)
		fake.wantKey = "another-key"
		cfg := loadConfig(t, "worker", "--temporal-address", addr, "--tls-ca-path", f.caPath)
		dctx, dcancel := context.WithTimeout(ctx, 20*time.Second)
		defer dcancel()
		_, err := dialTemporal(dctx, temporalConn{address: addr, namespace: "default", tls: cfg}, converters{}, testLogger())
		if err == nil || !strings.Contains(err.Error(), "invalid API key") || strings.Contains(err.Error(), "test-api-key") {
			t.Fatalf("dial: err = %v, want the frontend's refusal, without the key", err)
		}
		if dctx.Err() != nil {
			t.Fatal("a refused key was retried until the test's deadline")
		}
	})
	t.Run("plaintext with --tls=false", func(t *testing.T) {
		fake, addr := serveFake(t, nil)
		cfg := loadConfig(t, "api", "--temporal-address", addr, "--tls=false")
		tc, err := dialTemporal(ctx, temporalConn{address: addr, namespace: "default", tls: cfg}, converters{}, testLogger())
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		tc.Close()
		if got := fake.authorization(); len(got) == 0 || got[0] != "Bearer test-api-key" {
			t.Errorf("authorization = %q, want [Bearer test-api-key]", got)
		}
	})
}

// TestTLSDialFailsAtOnce checks that a TLS handshake that fails is
// reported with its cause at once, not retried for a minute as a frontend
// that is not up yet would be: the system roots do not know a private CA,
// and a name the certificate does not carry is refused.
func TestTLSDialFailsAtOnce(t *testing.T) {
	t.Setenv("COFFEESHOP_CODE_SECRET", strings.Repeat("ab", 32))
	f := newTLSFiles(t)
	_, addr := serveFake(t, &f.server.TLS)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls"}, "certificate signed by unknown authority"},
		{[]string{"--tls-ca-path", f.caPath, "--tls-server-name", "other.test"}, "wanted to match other.test"},
	} {
		cfg := loadConfig(t, "worker", append([]string{"--temporal-address", addr}, tc.args...)...)
		_, err := dialTemporal(ctx, temporalConn{address: addr, namespace: "default", tls: cfg}, converters{}, testLogger())
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), addr) {
			t.Errorf("%v: err = %v, want an error naming %s and containing %q", tc.args, err, addr, tc.want)
		}
		if ctx.Err() != nil {
			t.Fatalf("%v: the dial was retried until the test's deadline", tc.args)
		}
	}
	// With the CA the handshake passes and the client connects.
	cfg := loadConfig(t, "worker", "--temporal-address", addr, "--tls-ca-path", f.caPath)
	tc, err := dialTemporal(ctx, temporalConn{address: addr, namespace: "default", tls: cfg}, converters{}, testLogger())
	if err != nil {
		t.Fatalf("dial with the CA: %v", err)
	}
	tc.Close()
}

// TestPlaintextToTLSHint checks that a plaintext dial closed by a frontend
// that serves TLS suggests --tls, and that a TLS dial does not.
func TestPlaintextToTLSHint(t *testing.T) {
	err := errors.New(`failed reaching server: connection error: desc = "error reading server preface: EOF"`)
	if got := dialHint(client.Options{}, err); !strings.Contains(got, "--tls") {
		t.Errorf("plaintext: hint %q, want --tls suggested", got)
	}
	tlsOpts := client.Options{ConnectionOptions: client.ConnectionOptions{TLS: &tls.Config{}}}
	if got := dialHint(tlsOpts, err); got != "" {
		t.Errorf("TLS: hint %q, want none", got)
	}
}

// TestOlderTLSEnvironmentNames: the names older Temporal CLI releases used
// for the three files are read when the newer ones are not set.
func TestOlderTLSEnvironmentNames(t *testing.T) {
	t.Setenv("COFFEESHOP_CODE_SECRET", strings.Repeat("ab", 32))
	f := newTLSFiles(t)
	t.Setenv("TEMPORAL_TLS_CERT", f.clientCert)
	t.Setenv("TEMPORAL_TLS_KEY", f.clientKey)
	t.Setenv("TEMPORAL_TLS_CA", f.caPath)
	c := loadConfig(t, "worker")
	if c.CertPath != f.clientCert || c.KeyPath != f.clientKey || c.CAPath != f.caPath {
		t.Fatalf("older names: cert %q key %q ca %q; want the files they name", c.CertPath, c.KeyPath, c.CAPath)
	}
	if c.clientTLS == nil || len(c.clientTLS.Certificates) != 1 {
		t.Fatal("older names: no client certificate loaded")
	}

	// The newer name wins when both are set.
	other := f.file(t, "other-ca.pem", string(f.ca.PEM))
	t.Setenv(envTLSCA, other)
	if got := loadConfig(t, "api").CAPath; got != other {
		t.Errorf("with both names set: CA path %q, want %s's %q", got, envTLSCA, other)
	}
}
