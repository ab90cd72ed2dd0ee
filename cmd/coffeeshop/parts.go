package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/opsserver"
	"github.com/coffeeshop/coffeeshop/postgres"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/verify"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/grpc"
)

// store is a customer store with its send ledger, that can be closed.
type store interface {
	coffeeshop.CustomerStore
	coffeeshop.CodeSendLedger
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
			return nil, fmt.Errorf("open PostgreSQL customer store %s: %w", postgres.RedactURL(target), err)
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

// startWorker starts the verification worker. Its Stop lets running
// activities finish for up to --shutdown-timeout.
func startWorker(cfg *Config, tc client.Client, st store, o *opsserver.Ops, log *slog.Logger) (worker.Worker, error) {
	newCode := verify.RandomCode
	if cfg.FixedCode != "" && !cfg.RandomCodes {
		newCode = verify.FixedCode(cfg.FixedCode)
		if cfg.SMSProvider == smsTwilio {
			log.Warn("texting the fixed code " + cfg.FixedCode + " through Twilio: anyone who knows it can verify any number; use --random-codes (dev) or drop --fixed-code (worker)")
		}
	}
	return verify.StartWorker(tc, &verify.Activities{Store: st, Ledger: st, NewCode: newCode, Secret: cfg.secret,
		SMS:            o.Metrics.InstrumentSMS(cfg.smsSender(log), string(cfg.SMSProvider)),
		PhoneCodeLimit: cfg.PhoneCodeLimit, PhoneCodeWindow: cfg.PhoneCodeWindow}, cfg.ShutdownTimeout)
}

// apiServer is the running API, under the names run.go uses.
type apiServer struct {
	*api.Listener
	grpcAddr, httpAddr string
	errc               <-chan error
	shutdownTimeout    time.Duration
}

// stop lets in-flight requests finish for up to --shutdown-timeout.
func (s *apiServer) stop() { s.Shutdown(s.shutdownTimeout) }

// startAPI listens on both API addresses and serves. Listening happens
// before it returns, so a taken port fails the start.
func startAPI(ctx context.Context, cfg *Config, st coffeeshop.CustomerStore, tc client.Client, o *opsserver.Ops, log *slog.Logger) (*apiServer, error) {
	verifier := newVerifier(cfg, tc)
	verifier.Store = st // answers repeated creates whose workflow has closed
	limits, proxies := cfg.limits(), []netip.Prefix(cfg.TrustedProxies)
	// One ClientIPs for both: its secret token is how the gRPC server tells
	// the gateway's calls (which carry the HTTP client's address) from
	// those of a gRPC client that claims an address.
	ips := api.NewClientIPs(proxies)
	srv := &api.Server{Store: st, Verifier: verifier, Logger: log, PhoneRegion: cfg.PhoneRegion}
	limiter := srv.NewLimiter(api.LimiterConfig{Limits: limits, NoPerIPLimits: cfg.NoRateLimit, ClientIPs: ips, Logger: log})
	if cfg.NoRateLimit {
		log.Warn("per-client-address rate limits are off (--no-rate-limit); per-phone limits stay on")
	}
	l, err := api.Listen(ctx, api.ListenConfig{GRPCAddr: string(cfg.GRPCAddr), HTTPAddr: string(cfg.HTTPAddr), Server: srv, ClientIPs: ips,
		Interceptors: []grpc.UnaryServerInterceptor{api.ObserveUnary(o.Metrics), limiter.UnaryInterceptor()},
		WrapGateway:  apiHandler(o)})
	var le *api.ListenError
	if errors.As(err, &le) {
		return nil, fmt.Errorf("listen on --%s-addr %s: %w", le.Listener, le.Addr, le.Err)
	}
	if err != nil {
		return nil, err
	}
	return &apiServer{Listener: l, grpcAddr: l.GRPCAddr(), httpAddr: l.HTTPAddr(), errc: l.Err(), shutdownTimeout: cfg.ShutdownTimeout}, nil
}
