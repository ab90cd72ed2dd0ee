// Package opsserver serves a process's operations endpoints — liveness,
// readiness, metrics and Go's runtime profiles — on listeners of their own,
// apart from the API.
package opsserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/coffeeshop/coffeeshop/health"
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
