// Package opsserver serves a process's operations endpoints — liveness,
// readiness, metrics and Go's runtime profiles — on listeners of their own,
// apart from the API.
package opsserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/coffeeshop/coffeeshop/health"
	"github.com/coffeeshop/coffeeshop/metrics"
)

// Mux serves /healthz and /readyz of ready and, unless metrics is nil,
// GET /metrics.
func Mux(ready *health.Checker, metrics http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	ready.Register(mux)
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	return mux
}

// Pprof serves Go's runtime profiles at /debug/pprof/. Profiles show
// internals (goroutine stacks, heap contents' call sites): serve them on a
// listener of their own, on the loopback.
func Pprof() http.Handler {
	// A mux of our own: importing net/http/pprof also registers the
	// handlers on http.DefaultServeMux, which nothing here serves.
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// Server is an HTTP server on a listener of its own.
type Server struct {
	http *http.Server
	addr string
}

// Listen listens on addr, so that a taken address fails the caller's
// start, and serves h there until Close or Shutdown. log gets the error
// of a listener that breaks.
func Listen(addr string, h http.Handler, log *slog.Logger) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	// WriteTimeout stays unset: a CPU profile or trace streams for as long
	// as its ?seconds= asks.
	s := &Server{http: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, addr: l.Addr().String()}
	go func() {
		if err := s.http.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("listener stopped", "addr", s.addr, "error", err)
		}
	}()
	return s, nil
}

// Addr is the address the server listens on (the port chosen for ":0").
func (s *Server) Addr() string { return s.addr }

// Close stops the server at once, cutting requests in flight.
func (s *Server) Close() error { return s.http.Close() }

// Shutdown stops the server, letting requests in flight finish for up to
// timeout.
func (s *Server) Shutdown(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return s.http.Shutdown(ctx)
}

// shutdownTimeout is how long Group.Close lets requests finish: health
// checks and scrapes are short.
const shutdownTimeout = time.Second

// Group is the servers of one process, each known by the name of the
// setting that chose its address.
type Group struct {
	Logger  *slog.Logger // nil: slog.Default()
	servers []*Server
	addrs   map[string]string
}

// Listen starts a Server named name, as Listen does.
func (g *Group) Listen(name, addr string, h http.Handler) (*Server, error) {
	log := g.Logger
	if log == nil {
		log = slog.Default()
	}
	s, err := Listen(addr, h, log)
	if err != nil {
		return nil, err
	}
	g.servers = append(g.servers, s)
	if g.addrs == nil {
		g.addrs = map[string]string{}
	}
	g.addrs[name] = s.Addr()
	return s, nil
}

// Addr is the address the server named name listens on, "" if none.
func (g *Group) Addr(name string) string { return g.addrs[name] }

// Close shuts every server down, each within shutdownTimeout.
func (g *Group) Close() {
	for _, s := range g.servers {
		_ = s.Shutdown(shutdownTimeout)
	}
}

// Ops is a process's operations: its metrics registry, its readiness
// checks, and the listeners of their own that serve them.
type Ops struct {
	Metrics *metrics.Registry
	Ready   *health.Checker
	// metricsAddr, when set, moves /metrics to a listener of its own.
	metricsAddr string
	own         Group
	log         *slog.Logger
}

// readinessTimeout bounds each readiness check.
const readinessTimeout = 2 * time.Second

// New makes the metrics registry and an empty set of readiness checks;
// /metrics is served on metricsAddr, or by Mux when that is "".
func New(metricsAddr string, log *slog.Logger) *Ops {
	return &Ops{Metrics: metrics.New(log), Ready: &health.Checker{Timeout: readinessTimeout, Logger: log},
		metricsAddr: metricsAddr, own: Group{Logger: log}, log: log}
}

// Mux serves /healthz, /readyz and, unless /metrics has a listener of its
// own, /metrics; a process mounts it next to its API.
func (o *Ops) Mux() *http.ServeMux {
	if o.metricsAddr != "" {
		return Mux(o.Ready, nil)
	}
	return Mux(o.Ready, o.Metrics.Handler())
}

// Serve starts the listeners of their own: /metrics on the metrics
// address when there is one, and Mux on healthAddr unless it is "" (a
// process without an HTTP port of its own, the worker). The error names
// the listener ("health" or "metrics").
func (o *Ops) Serve(healthAddr string) error {
	if healthAddr != "" {
		if err := o.listen("health", healthAddr, o.Mux()); err != nil {
			return err
		}
	}
	if o.metricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", o.Metrics.Handler())
		return o.listen("metrics", o.metricsAddr, mux)
	}
	return nil
}

func (o *Ops) listen(name, addr string, h http.Handler) error {
	s, err := o.own.Listen(name, addr, h)
	if err != nil {
		return fmt.Errorf("listen on the %s address %s: %w", name, addr, err)
	}
	o.log.Info("serving operations endpoints", "endpoints", name, "addr", s.Addr())
	return nil
}

// Addr is the address the listener name ("health" or "metrics") serves
// on, "" if there is none.
func (o *Ops) Addr(name string) string { return o.own.Addr(name) }

// Close stops the listeners of their own (their requests are short) and
// the copying of SDK metrics.
func (o *Ops) Close() {
	o.own.Close()
	_ = o.Metrics.Close()
}
