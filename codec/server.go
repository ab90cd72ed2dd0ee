package codec

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Path is where Server mounts the codec endpoint.
const Path = "/codec"

// Server serves a Codec's endpoint to the Temporal Web UI on a listener of
// its own. A nil *Server serves nothing; its methods do nothing.
type Server struct {
	codec    *Codec
	listener net.Listener
	http     *http.Server
	done     chan struct{}
}

// Listen binds addr for c's endpoint; Serve starts answering. Binding
// comes first because the Web UI, started in between, must be told the
// endpoint's URL.
func Listen(addr string, c *Codec) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Server{codec: c, listener: l}, nil
}

// Endpoint is the URL to give the Web UI, "" for a nil Server.
func (s *Server) Endpoint() string {
	if s == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String() + Path
}

// Serve starts answering codec requests from pages of the UI at uiURL,
// the only origin its CORS answers allow (for a UI on the loopback, also
// under the name localhost).
func (s *Server) Serve(uiURL string, log *slog.Logger) {
	if s == nil {
		return
	}
	mux := http.NewServeMux()
	mux.Handle(Path+"/", Handler(s.codec, uiOrigins(uiURL)...))
	s.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.http.Serve(s.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("codec endpoint stopped", "addr", s.listener.Addr().String(), "error", err)
		}
	}()
}

// Stop closes the endpoint, letting requests in flight finish for up to
// three seconds.
func (s *Server) Stop() {
	if s == nil {
		return
	}
	if s.http == nil {
		s.listener.Close()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		s.http.Close()
	}
	<-s.done
}

// uiOrigins are the browser origins of the UI at uiURL.
func uiOrigins(uiURL string) []string {
	if uiURL == "" {
		return nil
	}
	origins := []string{uiURL}
	if u, err := url.Parse(uiURL); err == nil {
		if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() {
			origins = append(origins, "http://localhost:"+u.Port())
		}
	}
	return origins
}
