package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/postgres"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/verify"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
)

// store is a customer store that can be closed.
type store interface {
	coffeeshop.CustomerStore
	Close() error
}

// openStore opens the customer database a --database-url names and applies
// its migrations.
func openStore(ctx context.Context, databaseURL string) (store, error) {
	kind, target, err := parseDatabaseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	if kind == "postgres" {
		s, err := postgres.Open(ctx, target)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL customer store %s: %w", redactURL(target), err)
		}
		return s, nil
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return nil, fmt.Errorf("create folder of SQLite customer store: %w", err)
	}
	s, err := sqlite.Open(target)
	if err != nil {
		return nil, fmt.Errorf("open SQLite customer store %s: %w", target, err)
	}
	return s, nil
}

// temporalConn says which Temporal frontend to connect to, and how.
type temporalConn struct {
	address, namespace string
	// inProcess is set when the frontend runs in this very process (dev):
	// the SDK's default gzip compression of every call then only costs
	// CPU (about 5% of dev's under load, measured with pprof).
	inProcess bool
	// tls is the TLS and API key of a remote frontend; nil: plaintext.
	tls *TemporalTLS
	// metrics receives the SDK's metrics (ops.go); nil: none.
	metrics client.MetricsHandler
}

// dialTemporal connects to a Temporal frontend, retrying for up to a minute
// so that a worker or API started next to a booting server waits for it
// instead of failing.
// dc are the payload and failure converters (zero: the SDK's defaults).
func dialTemporal(ctx context.Context, conn temporalConn, dc converters, log *slog.Logger) (client.Client, error) {
	// The SDK is chatty at info level; its warnings and errors are enough,
	// but workflows and activities log at the configured level (logging.go).
	sdkLogger := sdklog.NewStructuredLogger(slog.New(sdkLogHandler{Handler: log.Handler()}))
	opts := client.Options{HostPort: conn.address, Namespace: conn.namespace, Logger: sdkLogger,
		DataConverter: dc.data, FailureConverter: dc.failure, MetricsHandler: conn.metrics}
	opts.ContextPropagators = []workflow.ContextPropagator{verify.RequestIDPropagator()} // request IDs into workflows
	if conn.inProcess {
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	if conn.tls != nil {
		conn.tls.apply(&opts)
	}
	address, namespace := conn.address, conn.namespace
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := client.DialContext(ctx, opts)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil || permanentDialError(err) {
			return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w%s", address, namespace, err, dialHint(opts, err))
		}
		log.Warn("Temporal frontend not reachable yet, retrying", "address", address, "error", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// permanentDialError tells a refusal that retrying cannot fix (a TLS
// handshake that failed, a certificate or API key the frontend rejects)
// from a frontend that is not up yet.
func permanentDialError(err error) bool {
	switch serviceerror.ToStatus(err).Code() {
	case codes.Unauthenticated, codes.PermissionDenied:
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "authentication handshake failed") || strings.Contains(msg, "tls: ")
}

// dialHint adds a likely cause to a failed dial's error.
func dialHint(opts client.Options, err error) string {
	// A frontend that serves TLS closes a plaintext connection before its
	// first answer ("error reading server preface: EOF").
	if opts.ConnectionOptions.TLS == nil && strings.Contains(err.Error(), "server preface") {
		return " (if the frontend serves TLS: --tls, or TEMPORAL_TLS=true)"
	}
	return ""
}

// codeGenerator picks fixed or random codes from the settings.
func codeGenerator(cfg *Config) verify.CodeGenerator {
	if cfg.FixedCode != "" && !cfg.RandomCodes {
		return verify.FixedCode(cfg.FixedCode)
	}
	return verify.RandomCode
}

// workerOptions are the verification worker's settings; the engine ceiling
// (coffeeshop ceiling) runs its workflows with the same ones.
func workerOptions() worker.Options {
	return worker.Options{Interceptors: verify.WorkerInterceptors()}
}

// stickyCacheSize bounds the workflows a worker process keeps in memory
// between their workflow tasks (the SDK's default is 10,000). Each holds
// its goroutines and state; with 10,000 verifications open at once, dev
// grew past 1.2 GB. A workflow that is not cached is rebuilt from its
// history at its next task, which for a verification is some twenty
// events: cheap next to the memory.
const stickyCacheSize = 1024

// setStickyCache applies stickyCacheSize. The SDK's setting is per process
// and takes effect only if made before the first worker of the process is
// created — and the embedded Temporal server creates workers of its own
// (system workflows) when it starts, so dev calls it before that.
var setStickyCache = sync.OnceFunc(func() { worker.SetStickyWorkflowCacheSize(stickyCacheSize) })

// startWorker starts polling the verification task queue. Its Stop lets
// running activities finish for up to --shutdown-timeout.
func startWorker(cfg *Config, tc client.Client, st coffeeshop.CustomerStore, o *ops, log *slog.Logger) (worker.Worker, error) {
	secret, err := cfg.codeSecret()
	if err != nil {
		return nil, err
	}
	setStickyCache() // a no-op when dev has made it already
	opts := workerOptions()
	// A stopping worker (SIGTERM) lets the activities and workflow tasks it
	// has started finish and report for up to --shutdown-timeout before it
	// cancels them. With the SDK's default, none, a SendCode in flight was
	// canceled at once (seen in e2e's TestScaleOut: "record code sent: ...
	// context canceled"): its code was retried by another worker after a
	// backoff or, when the text had gone out but the result had not, texted
	// a second time after SendCode's 30 s start-to-close timeout.
	opts.WorkerStopTimeout = cfg.ShutdownTimeout
	w := worker.New(tc, verify.TaskQueue, opts)
	if cfg.SMS.Provider == smsTwilio && cfg.FixedCode != "" && !cfg.RandomCodes {
		log.Warn("texting the fixed code " + cfg.FixedCode + " through Twilio: anyone who knows it can verify any number; use --random-codes (dev) or drop --fixed-code (worker)")
	}
	sender := o.instrumentSMS(cfg.smsSender(log), cfg.SMS.Provider)
	verify.Register(w, &verify.Activities{Store: st, Ledger: st.(coffeeshop.CodeSendLedger), SMS: sender, NewCode: codeGenerator(cfg), Secret: secret,
		PhoneCodeLimit: cfg.PhoneCodeLimit, PhoneCodeWindow: cfg.PhoneCodeWindow})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	return w, nil
}

// apiServer is the running gRPC and HTTP API.
type apiServer struct {
	grpc     *grpc.Server
	http     *http.Server
	grpcAddr string
	httpAddr string
	errc     chan error
	// closeGateway ends the gateway's connection to the gRPC server, once
	// the HTTP requests that use it are done.
	closeGateway    context.CancelFunc
	shutdownTimeout time.Duration
}

// startAPI listens on both API addresses and serves. Listening happens
// before it returns, so a taken port fails the start.
func startAPI(ctx context.Context, cfg *Config, st coffeeshop.CustomerStore, tc client.Client, o *ops, log *slog.Logger) (*apiServer, error) {
	verifier, err := newVerifier(cfg, tc)
	if err != nil {
		return nil, err
	}
	verifier.Store = st // answers repeated creates whose workflow has closed
	limits, proxies, err := cfg.limits()
	if err != nil {
		return nil, err
	}
	// One ClientIPs for both: its secret token is how the gRPC server tells
	// the gateway's calls (which carry the HTTP client's address) from
	// those of a gRPC client that claims an address.
	ips := api.NewClientIPs(proxies)
	limiter := api.NewLimiter(api.LimiterConfig{
		Limits: limits, NoPerIPLimits: cfg.NoRateLimit, ClientIPs: ips,
		Store: st, PhoneRegion: cfg.PhoneRegion, Logger: log,
	})
	if cfg.NoRateLimit {
		log.Warn("per-client-address rate limits are off (--no-rate-limit); per-phone limits stay on")
	}
	gl, err := net.Listen("tcp", cfg.GRPCAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on --grpc-addr %s: %w", cfg.GRPCAddr, err)
	}
	hl, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		gl.Close()
		return nil, fmt.Errorf("listen on --http-addr %s: %w", cfg.HTTPAddr, err)
	}
	gs := api.NewGRPCServer(&api.Server{Store: st, Verifier: verifier, Logger: log, PhoneRegion: cfg.PhoneRegion},
		grpc.ChainUnaryInterceptor(api.ObserveUnary(o.metrics), limiter.UnaryInterceptor()))
	// The gateway's connection outlives ctx (canceled at SIGTERM) until
	// stop has let the HTTP requests finish.
	gwctx, closeGateway := context.WithCancel(context.WithoutCancel(ctx))
	gw, err := api.NewGateway(gwctx, gl.Addr().String(), api.WithClientIPs(ips), api.WithGatewayLogger(log))
	if err != nil {
		closeGateway()
		gl.Close()
		hl.Close()
		return nil, fmt.Errorf("build HTTP gateway: %w", err)
	}
	s := &apiServer{
		grpc:            gs,
		http:            &http.Server{Handler: o.apiHandler(gw), ReadHeaderTimeout: 10 * time.Second},
		grpcAddr:        gl.Addr().String(),
		httpAddr:        hl.Addr().String(),
		errc:            make(chan error, 2),
		closeGateway:    closeGateway,
		shutdownTimeout: cfg.ShutdownTimeout,
	}
	go func() { s.errc <- gs.Serve(gl) }()
	go func() {
		if err := s.http.Serve(hl); !errors.Is(err, http.ErrServerClosed) {
			s.errc <- err
		}
	}()
	return s, nil
}

// stop stops accepting connections and lets in-flight HTTP and gRPC
// requests finish for up to --shutdown-timeout; then it cuts what is left.
// HTTP goes first: its requests are calls to the gRPC server.
func (s *apiServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		_ = s.http.Close()
	}
	s.closeGateway()
	done := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		// Stop cancels the calls left; it waits for their handlers, so a
		// handler that ignores its context gets one more second.
		go s.grpc.Stop()
		select {
		case <-done:
		case <-time.After(time.Second):
		}
	}
}
