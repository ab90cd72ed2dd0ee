package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"google.golang.org/grpc"
)

// ListenConfig is what Listen serves, and where.
type ListenConfig struct {
	// GRPCAddr and HTTPAddr are the TCP addresses of the gRPC API and of
	// its HTTP/JSON gateway ("host:port"; port 0 picks a free port).
	GRPCAddr, HTTPAddr string
	// Server answers every call. Required.
	Server *Server
	// Interceptors run on each unary gRPC call, in order, inside the
	// server's own (NewGRPCServer), which observe and authenticate it: a
	// Limiter's, say, whose refusals are then counted and which an
	// unauthenticated caller never reaches.
	Interceptors []grpc.UnaryServerInterceptor
	// ClientIPs is passed to the gateway (WithClientIPs); it must be the
	// Limiter's. Nil: none.
	ClientIPs *ClientIPs
	// CORSOrigins are the origins whose pages may call the token's routes
	// (WithCORSOrigins); none: no CORS answers.
	CORSOrigins []string
	// WrapGateway returns the handler of the HTTP listener around the
	// gateway, to serve more endpoints or observe requests; nil serves the
	// gateway alone.
	WrapGateway func(gateway http.Handler) http.Handler
	// Page, when set, is the signup page's backend (NewPageBackend without
	// GRPCAddr), whose handler WrapGateway mounts: Listen points it at the
	// gRPC listener, and Shutdown closes its connection once the HTTP
	// requests have ended.
	Page *PageBackend
}

// ListenError is the error of Listen when an address cannot be listened on.
type ListenError struct {
	Listener string // "grpc" or "http"
	Addr     string
	Err      error
}

func (e *ListenError) Error() string {
	return "api: listen on " + e.Listener + " address " + e.Addr + ": " + e.Err.Error()
}

func (e *ListenError) Unwrap() error { return e.Err }

// Listener is the API being served on its two addresses.
type Listener struct {
	grpc               *grpc.Server
	http               *http.Server
	grpcAddr, httpAddr string
	errc               chan error
	// closeGateway ends the gateway's connection to the gRPC server.
	closeGateway context.CancelFunc
	// auth is the server's Authenticator, whose writes Shutdown waits
	// for; nil if none.
	auth *Authenticator
	// page is ListenConfig.Page, nil if none.
	page *PageBackend
}

// Listen listens on both addresses of cfg and serves the API on them: the
// gRPC server, and the gateway that proxies HTTP/JSON requests to it. Both
// listen before Listen returns, so a taken port fails it and the
// addresses accept connections at once. Like net.ListenConfig.Listen, it
// uses ctx only while it starts: serving ends with Shutdown, not with ctx,
// so that requests in flight when ctx ends (at SIGTERM) can finish.
func Listen(ctx context.Context, cfg ListenConfig) (*Listener, error) {
	var lc net.ListenConfig
	gl, err := lc.Listen(ctx, "tcp", cfg.GRPCAddr)
	if err != nil {
		return nil, &ListenError{Listener: "grpc", Addr: cfg.GRPCAddr, Err: err}
	}
	hl, err := lc.Listen(ctx, "tcp", cfg.HTTPAddr)
	if err != nil {
		gl.Close()
		return nil, &ListenError{Listener: "http", Addr: cfg.HTTPAddr, Err: err}
	}
	gwctx, closeGateway := context.WithCancel(context.WithoutCancel(ctx))
	gw, err := NewGateway(gwctx, gl.Addr().String(), WithClientIPs(cfg.ClientIPs), WithCORSOrigins(cfg.CORSOrigins), WithGatewayLogger(cfg.Server.logger()))
	if err != nil {
		closeGateway()
		gl.Close()
		hl.Close()
		return nil, fmt.Errorf("build HTTP gateway: %w", err)
	}
	if cfg.Page != nil {
		cfg.Page.listenOn(gl.Addr().String())
	}
	var h http.Handler = gw
	if cfg.WrapGateway != nil {
		h = cfg.WrapGateway(gw)
	}
	l := &Listener{
		grpc:         NewGRPCServer(cfg.Server, grpc.ChainUnaryInterceptor(cfg.Interceptors...)),
		http:         &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		grpcAddr:     gl.Addr().String(),
		httpAddr:     hl.Addr().String(),
		errc:         make(chan error, 2),
		closeGateway: closeGateway,
		auth:         cfg.Server.Auth,
		page:         cfg.Page,
	}
	go func() {
		// nil after Shutdown.
		if err := l.grpc.Serve(gl); err != nil {
			l.errc <- err
		}
	}()
	go func() {
		if err := l.http.Serve(hl); !errors.Is(err, http.ErrServerClosed) {
			l.errc <- err
		}
	}()
	return l, nil
}

// GRPCAddr is the address the gRPC API listens on.
func (l *Listener) GRPCAddr() string { return l.grpcAddr }

// HTTPAddr is the address the HTTP/JSON API listens on.
func (l *Listener) HTTPAddr() string { return l.httpAddr }

// Err delivers the error of a listener that stopped serving on its own;
// the API should then be shut down. Shutdown sends nothing.
func (l *Listener) Err() <-chan error { return l.errc }

// Shutdown stops the API and returns once its requests have ended. The
// HTTP listener closes first and its requests get to finish (they are
// calls to the gRPC server, the signup page's too); then the gateway's and
// the page's connections close, then the gRPC listener closes and its calls
// get to finish. What still runs after timeout is cut off: HTTP
// connections are closed and gRPC calls canceled, and a gRPC handler that
// ignores its context is waited for one more second. Last, it waits for
// the Authenticator's writes of keys' last use, so that the key store may
// be closed after it.
func (l *Listener) Shutdown(timeout time.Duration) {
	if l.auth != nil {
		defer l.auth.Wait()
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := l.http.Shutdown(ctx); err != nil {
		_ = l.http.Close()
	}
	l.closeGateway()
	if l.page != nil {
		_ = l.page.Close()
	}
	done := make(chan struct{})
	go func() { l.grpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		go l.grpc.Stop()
		select {
		case <-done:
		case <-time.After(time.Second):
		}
	}
}
