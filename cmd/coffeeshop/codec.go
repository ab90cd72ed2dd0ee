package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/coffeeshop/coffeeshop/codec"
	"go.temporal.io/sdk/converter"
)

// codecPath is where the codec endpoint is mounted on --codec-addr.
const codecPath = "/codec"

// payloadCodec returns the codec of the configured keys, or nil when
// payloads are not encrypted.
func (c *Config) payloadCodec() (*codec.Codec, error) {
	if c.EncryptionKeys == "" {
		return nil, nil
	}
	keys, err := codec.ParseKeys(c.EncryptionKeys)
	if err != nil {
		return nil, fmt.Errorf("--encryption-key: %w", err)
	}
	return codec.New(keys)
}

// converters are the data and failure converters of a Temporal client; nil
// fields mean the SDK's defaults.
type converters struct {
	data    converter.DataConverter
	failure converter.FailureConverter
}

// dataConverter returns the converters of every Temporal client: the SDK's
// defaults, encrypting payloads and failure messages when keys are
// configured.
func (c *Config) dataConverter() (converters, error) {
	pc, err := c.payloadCodec()
	if err != nil || pc == nil {
		return converters{}, err
	}
	return converters{data: codec.DataConverter(pc), failure: codec.FailureConverter(pc)}, nil
}

// codecServer serves the codec endpoint to the Web UI. A nil *codecServer
// (encryption off, or --codec-addr empty) serves nothing; its methods do
// nothing.
type codecServer struct {
	codec    *codec.Codec
	listener net.Listener
	http     *http.Server
	done     chan struct{}
}

// listenCodec binds --codec-addr when payloads are encrypted. It binds
// before the Web UI starts, which must be told the endpoint's URL.
func listenCodec(cfg *Config) (*codecServer, error) {
	pc, err := cfg.payloadCodec()
	if err != nil || pc == nil || cfg.CodecAddr == "" {
		return nil, err
	}
	l, err := net.Listen("tcp", string(cfg.CodecAddr))
	if err != nil {
		return nil, fmt.Errorf("listen on --codec-addr %s: %w", cfg.CodecAddr, err)
	}
	return &codecServer{codec: pc, listener: l}, nil
}

// endpoint is the URL to give the Web UI, "" when there is none.
func (s *codecServer) endpoint() string {
	if s == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String() + codecPath
}

// serve starts answering codec requests from pages of the UI at uiURL
// (the only origin its CORS answers allow; for a UI on the loopback, also
// under the name localhost).
func (s *codecServer) serve(uiURL string, log *slog.Logger) {
	if s == nil {
		return
	}
	origins := uiOrigins(uiURL)
	mux := http.NewServeMux()
	mux.Handle(codecPath+"/", codec.Handler(s.codec, origins...))
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

// stop closes the endpoint.
func (s *codecServer) stop() {
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

// encryptionBanner describes payload encryption for dev's banner.
func encryptionBanner(cfg *Config, cs *codecServer) string {
	pc, err := cfg.payloadCodec()
	if err != nil || pc == nil {
		return "off (--encryption-key to encrypt workflow payloads)"
	}
	s := fmt.Sprintf("AES-256-GCM, key %s", pc.EncryptionKeyID())
	if cs != nil {
		s += "; UI decodes via " + cs.endpoint()
	}
	return s
}
