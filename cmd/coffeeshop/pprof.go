package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// servePprof serves Go's runtime profiles at /debug/pprof/ on addr, on a
// listener of their own so that they are never reachable through the API's
// port. Profiles show internals (goroutine stacks, heap contents' call
// sites), so the address belongs on loopback. It returns a function that
// closes the listener.
func servePprof(addr string) (func(), error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on --pprof-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	// The handlers are registered on a mux of our own: importing
	// net/http/pprof also registers them on http.DefaultServeMux, which
	// nothing here serves.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// WriteTimeout stays unset: a CPU profile or trace streams for as long
	// as its ?seconds= asks.
	s := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener was closed under it; nothing to report
		}
	}()
	return func() { _ = s.Close() }, nil
}
