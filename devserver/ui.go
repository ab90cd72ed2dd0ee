package devserver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/temporalio/ui-server/v2/server/api"
	"github.com/temporalio/ui-server/v2/server/auth"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/cors"
	"github.com/temporalio/ui-server/v2/server/csrf"
	"github.com/temporalio/ui-server/v2/server/headers"
	"github.com/temporalio/ui-server/v2/server/route"
	"github.com/temporalio/ui-server/v2/ui"
)

// webUI is the Temporal Web UI served on a listener of our own.
//
// ui-server's own Server binds its port inside Start, which blocks, and on a
// bind error calls its logger's Fatal, which exits the process. Building the
// handler from ui-server's route and middleware packages instead lets Start
// bind the port synchronously and return an error for a taken address, and
// lets Stop shut the HTTP server down. The wiring follows ui-server's
// NewServer (v2.55.0) for a UI without authentication.
//
// route.SetAPIRoutes dials the frontend itself and offers no way to close
// that connection, so every Start with a UI leaves one idle gRPC client
// connection behind in the process.
type webUI struct {
	listener net.Listener
	http     *http.Server  // nil until serve
	done     chan struct{} // closed when Serve returned
}

// listenUI binds host:port for the UI. Binding comes first, before the
// server starts, because it is the cheapest way for Start to fail.
func listenUI(host string, port int) (*webUI, error) {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("devserver: UI address %s is not available: %w", addr, err)
	}
	return &webUI{listener: l}, nil
}

// serve starts serving the UI, talking to the frontend at frontendAddr;
// its pages decode payloads through codecEndpoint unless that is "". With
// TLS it connects to the frontend as the server's own clients do.
//
// It must run after the frontend is up: the UI dials the frontend when its
// handler is built, and a dial that fails puts the connection into
// backoff, so that the UI's first calls would fail for a second or more.
func (u *webUI) serve(frontendAddr, namespace, codecEndpoint string, t *tlsSetup, logger *slog.Logger) error {
	host, port, err := net.SplitHostPort(u.addr())
	if err != nil {
		return err
	}
	portNum, err := strconv.Atoi(port)
	if err != nil {
		return err
	}
	handler, err := uiHandler(host, portNum, frontendAddr, namespace, codecEndpoint, t)
	if err != nil {
		return err
	}
	u.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	u.done = make(chan struct{})
	go func() {
		defer close(u.done)
		if err := u.http.Serve(u.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("devserver: web UI stopped", "addr", u.addr(), "error", err)
		}
	}()
	return nil
}

// addr returns the address the UI listens on.
func (u *webUI) addr() string { return u.listener.Addr().String() }

// stop closes the listener and waits up to a few seconds for requests in
// flight (the UI proxies long polls to the frontend) before cutting them off.
func (u *webUI) stop() error {
	if u.http == nil {
		return u.listener.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := u.http.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = u.http.Close()
	}
	<-u.done
	return err
}

// uiHandler assembles the UI's routes and middleware.
func uiHandler(host string, port int, frontendAddr, namespace, codecEndpoint string, t *tlsSetup) (http.Handler, error) {
	cfg := &uiconfig.Config{
		Host:                host,
		Port:                port,
		TemporalGRPCAddress: frontendAddr,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		// The browser would fetch news from the internet; this server may
		// have none, and a development tool should not phone home.
		DisableNewsFetch: true,
		HideLogs:         true,
		// Served over plain HTTP on the loopback: a Secure cookie would
		// never come back and every write from the UI would fail CSRF.
		CORS: uiconfig.CORS{CookieInsecure: true},
	}
	// The browser calls the codec itself, with no cookies or token: the
	// codec endpoint coffeeshop serves is for operators on a trusted
	// network and does no authentication.
	cfg.Codec.Endpoint = codecEndpoint
	if t != nil {
		cfg.TLS = t.ui
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("devserver: UI config: %w", err)
	}
	// RefreshInterval is zero: the provider starts no goroutine to reload.
	provider, err := uiconfig.NewConfigProviderWithRefresh(cfg)
	if err != nil {
		return nil, fmt.Errorf("devserver: UI config: %w", err)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover())
	e.Use(middleware.Gzip())
	e.Use(cors.CORSMiddleware(cors.CORSConfig{
		AllowHeaders: []string{
			echo.HeaderOrigin, echo.HeaderContentType, echo.HeaderAccept,
			echo.HeaderXCSRFToken, echo.HeaderAuthorization, auth.AuthorizationExtrasHeader,
			"Caller-Type",
		},
		AllowCredentials: true,
		ConfigProvider:   provider,
	}))
	e.Use(middleware.Secure())
	// The token cookie must be minted before the CSRF check runs.
	secureCookie := !cfg.CORS.CookieInsecure
	e.Use(csrf.EnsureTokenCookie(secureCookie))
	e.Use(middleware.CSRFWithConfig(csrf.MiddlewareConfig(provider, secureCookie)))

	e.Pre(route.PublicPath(cfg.PublicPath))
	route.SetHealthRoute(e)
	// The UI's API calls carry these headers to the frontend.
	forward := []api.Middleware{headers.WithForwardHeaders([]string{auth.AuthorizationExtrasHeader, "Caller-Type"})}
	if err := route.SetAPIRoutes(e, provider, forward); err != nil {
		return nil, fmt.Errorf("devserver: UI API routes: %w", err)
	}
	route.SetAuthRoutes(e, provider)

	assets, err := ui.Assets()
	if err != nil {
		return nil, fmt.Errorf("devserver: UI assets: %w", err)
	}
	if assets, err = fs.Sub(assets, "local"); err != nil {
		return nil, fmt.Errorf("devserver: UI assets: %w", err)
	}
	if err := route.SetUIRoutes(e, cfg.PublicPath, assets, provider); err != nil {
		return nil, fmt.Errorf("devserver: UI routes: %w", err)
	}
	route.SetRenderRoute(e, cfg.PublicPath)
	return e, nil
}
