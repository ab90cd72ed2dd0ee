package main

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
)

// servePprof serves Go's runtime profiles at /debug/pprof/ on addr, on a
// listener of their own so that they are never reachable through the API's
// port. Profiles show internals (goroutine stacks, heap contents' call
// sites), so the address belongs on loopback. It returns a function that
// closes the listener.
func servePprof(addr string, log *slog.Logger) (func(), error) {
	mux := http.NewServeMux()
	// The handlers are registered on a mux of our own: importing
	// net/http/pprof also registers them on http.DefaultServeMux, which
	// nothing here serves.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	s, _, err := serveOwnListener("pprof-addr", addr, mux, log)
	if err != nil {
		return nil, err
	}
	return func() { _ = s.Close() }, nil
}
