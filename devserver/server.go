// Package devserver runs a complete Temporal server inside the calling
// process: the four Temporal services (frontend, history, matching, worker)
// on a SQLite file, and optionally the Temporal Web UI.
//
// It is meant for development, demos and tests: one process, one history
// shard, no authentication beyond optional TLS client certificates (see
// Config.TLS), every port on one IP (the loopback by default).
// The database survives restarts, so workflows in flight when the process
// stops, even by SIGKILL, carry on after the next Start on the same DataDir.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/temporal"
)

// Config configures a Server.
type Config struct {
	// DataDir holds the SQLite files (DataDir/temporal.db and
	// DataDir/visibility.db) and is created if missing. A new file gets the
	// Temporal schema. Only one Server at a
	// time may use a DataDir; Start fails for a second one.
	//
	// The server's SQLite plugin keeps its connection to the file until the
	// process exits, and a later Start on the same path in the same process
	// reuses it. So within one process, do not delete a DataDir and start
	// again on the same path: the server would go on using the deleted
	// file.
	DataDir string

	// FrontendAddr is the host:port of the gRPC frontend that clients and
	// workers connect to, such as "127.0.0.1:7233". The host must be an IP
	// or resolve to one; an empty host means 127.0.0.1. The four other
	// ports the server needs (history, matching, worker, frontend HTTP) are
	// picked free on the same IP. Port 0 picks a free port for the
	// frontend too; Server.FrontendAddr reports it.
	FrontendAddr string

	// UIAddr is the host:port of the Web UI; "" runs no UI. An empty host
	// means 127.0.0.1; port 0 picks a free port. Server.UIURL reports it.
	UIAddr string

	// CodecEndpoint is the URL of a remote payload codec (Temporal's codec
	// server protocol, such as "http://127.0.0.1:8234/codec") that the Web
	// UI's pages call from the browser to show encrypted payloads decoded;
	// "" shows payloads as stored. The codec must allow the UI's origin
	// (UIURL) in its CORS answers. Ignored without a UI.
	CodecEndpoint string

	// Namespace is registered on every start (a no-op when it exists);
	// "default" if empty.
	Namespace string

	// Retention is how long a closed workflow's history (and its
	// visibility record) is kept after it closed; DefaultRetention if
	// zero, at least MinRetention (Temporal's floor for a local
	// namespace). A new namespace is created with it; an existing one
	// whose retention differs is updated once the server is up.
	Retention time.Duration

	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger

	// LogLevel is the least level of server logs passed to Logger; nil
	// means slog.LevelWarn. The server is chatty at info level.
	LogLevel slog.Leveler

	// TLS, when not nil, makes the frontend serve TLS (and, with
	// TLS.ClientCAs, require client certificates). The server's own
	// clients and the Web UI keep working; see tlsSetup.
	TLS *TLS

	// Metrics, when not nil, receives the server's own metrics: requests
	// to its database by operation (persistence_requests), billable
	// actions (action), task and shard latencies. Nil discards them. The
	// test of what a verification costs the database counts them here
	// (verify/persistence_server_test.go).
	Metrics metrics.Handler
}

// The bounds of Config.Retention.
const (
	DefaultRetention = 24 * time.Hour
	MinRetention     = time.Hour
)

// Server is a running Temporal server. Stop it with Stop.
type Server struct {
	frontendAddr string
	uiURL        string

	temporal temporal.Server
	ui       *webUI
	unlock   func() error
	quiet    atomic.Bool // silences the server's logs while it stops

	stopOnce sync.Once
	stopErr  error
}

// Start starts a server as cfg says and returns once the frontend answers
// for the namespace and the history service owns its shard, so that a
// client can use it right away. It fails, naming the address, when the
// frontend or UI address is taken, and stops whatever it started when it
// fails or ctx ends before the server is ready.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("devserver: DataDir is required")
	}
	if cfg.FrontendAddr == "" {
		return nil, errors.New("devserver: FrontendAddr is required")
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "default"
	}
	if cfg.Retention == 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.Retention < MinRetention {
		return nil, fmt.Errorf("devserver: retention %s is under the minimum of %s", cfg.Retention, MinRetention)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.LogLevel == nil {
		cfg.LogLevel = slog.LevelWarn
	}

	host, frontendPort, err := resolveAddr("frontend", cfg.FrontendAddr)
	if err != nil {
		return nil, err
	}
	ip, err := resolveIP(ctx, host)
	if err != nil {
		return nil, err
	}
	if err := checkFree("frontend", ip, frontendPort); err != nil {
		return nil, err
	}
	p, err := pickPorts(ip, frontendPort)
	if err != nil {
		return nil, err
	}

	s := &Server{frontendAddr: net.JoinHostPort(ip, strconv.Itoa(frontendPort))}
	ok := false
	defer func() {
		if !ok {
			s.shutdown()
		}
	}()

	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("devserver: data dir: %w", err)
	}
	if s.unlock, err = lockDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	created, err := prepareDatabases(cfg.DataDir, clusterName, cfg.Namespace, cfg.Retention)
	if err != nil {
		return nil, err
	}
	for _, path := range created {
		cfg.Logger.Info("devserver: created a new database", "path", path)
	}

	// The UI's port is bound first: it is the cheapest way to fail.
	if cfg.UIAddr != "" {
		uiHost, uiPort, err := resolveAddr("UI", cfg.UIAddr)
		if err != nil {
			return nil, err
		}
		if s.ui, err = listenUI(uiHost, uiPort); err != nil {
			return nil, err
		}
		s.uiURL = "http://" + s.ui.addr()
	}

	var tlsCfg *tlsSetup
	if cfg.TLS != nil {
		if tlsCfg, err = newTLSSetup(cfg.TLS, ip); err != nil {
			return nil, err
		}
	}

	logger := serverLogger{log: cfg.Logger, floor: cfg.LogLevel, quiet: &s.quiet}
	options := func(p ports) []temporal.ServerOption {
		opts := []temporal.ServerOption{
			temporal.WithConfig(serverConfig(ip, p, filepath.Join(cfg.DataDir, dbFileName), filepath.Join(cfg.DataDir, visibilityFileName))),
			temporal.ForServices(temporal.DefaultServices),
			temporal.WithStaticHosts(staticHosts(ip, p)),
			temporal.WithLogger(logger),
			temporal.WithAuthorizer(authorization.NewNoopAuthorizer()),
			temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper {
				return authorization.NewNoopClaimMapper()
			}),
			temporal.WithDynamicConfigClient(dynamicConfig()),
		}
		if tlsCfg != nil {
			opts = append(opts, temporal.WithTLSConfigFactory(tlsCfg.provider))
		}
		if cfg.Metrics != nil {
			opts = append(opts, temporal.WithCustomMetricsHandler(cfg.Metrics))
		}
		return opts
	}
	// The internal ports were free when picked, but another process may
	// bind one before the server does: such a start is tried on others.
	for try := 1; ; try++ {
		err := guard(func() (err error) {
			s.temporal, err = temporal.NewServer(options(p)...)
			return err
		})
		if err == nil {
			break
		}
		if try == 3 || !errors.Is(err, syscall.EADDRINUSE) && !strings.Contains(err.Error(), "address already in use") {
			return nil, fmt.Errorf("devserver: create server: %w", err)
		}
		if p, err = pickPorts(ip, frontendPort); err != nil {
			return nil, err
		}
	}
	if err := guard(s.temporal.Start); err != nil {
		return nil, fmt.Errorf("devserver: start server on %s: %w", s.frontendAddr, err)
	}
	if err := waitReady(ctx, s.frontendAddr, cfg.Namespace, tlsCfg); err != nil {
		return nil, err
	}
	had, err := ensureRetention(ctx, s.frontendAddr, cfg.Namespace, cfg.Retention, tlsCfg)
	if err != nil {
		return nil, err
	}
	if had != cfg.Retention {
		cfg.Logger.Info("devserver: namespace retention changed", "namespace", cfg.Namespace, "from", had, "to", cfg.Retention)
	}
	if s.ui != nil {
		if err := s.ui.serve(s.frontendAddr, cfg.Namespace, cfg.CodecEndpoint, tlsCfg, cfg.Logger); err != nil {
			return nil, err
		}
	}
	ok = true
	return s, nil
}

// FrontendAddr returns the host:port of the gRPC frontend.
func (s *Server) FrontendAddr() string { return s.frontendAddr }

// UIURL returns the base URL of the Web UI, such as "http://127.0.0.1:8233",
// or "" when the server runs no UI.
func (s *Server) UIURL() string { return s.uiURL }

// Stop stops the UI, then the server, and releases the data dir. It takes
// about a second: the frontend drains long polls for at least that long.
// Calls after the first do nothing and return the first call's result.
//
// The server (v1.32.0) does not stop some of its internal workers (the
// scanners'; a TODO in its source), so each stopped server leaves about 70
// goroutines behind that retry the closed port now and then. That only
// matters to a process, such as a test binary, that starts many servers.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.shutdown() })
	return s.stopErr
}

// shutdown stops whatever Start got running, in reverse order.
func (s *Server) shutdown() error {
	var errs []error
	if s.ui != nil {
		if err := s.ui.stop(); err != nil {
			errs = append(errs, fmt.Errorf("devserver: stop UI: %w", err))
		}
	}
	if s.temporal != nil {
		s.quiet.Store(true)
		if err := guard(s.temporal.Stop); err != nil {
			errs = append(errs, fmt.Errorf("devserver: stop server: %w", err))
		}
	}
	if s.unlock != nil {
		if err := s.unlock(); err != nil {
			errs = append(errs, fmt.Errorf("devserver: unlock data dir: %w", err))
		}
	}
	return errors.Join(errs...)
}

// guard runs f and turns a panic into an error. The server panics through
// the logger's Fatal when it cannot go on (see serverLogger), and an
// embedded server must fail its Start, not its host process.
func guard(f func() error) (err error) {
	defer func() {
		switch r := recover().(type) {
		case nil:
		case fatalError:
			err = r
		default:
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

// resolveIP returns host as an IP: the services bind to an IP, not a name.
func resolveIP(ctx context.Context, host string) (string, error) {
	if ip := net.ParseIP(host); ip != nil {
		return ip.String(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return "", fmt.Errorf("devserver: frontend host %q does not resolve to an IP: %v", host, err)
	}
	for _, ip := range ips {
		if ip.To4() != nil {
			return ip.String(), nil
		}
	}
	return ips[0].String(), nil
}
