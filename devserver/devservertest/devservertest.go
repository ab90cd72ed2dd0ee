// Package devservertest starts embedded Temporal servers for tests of other
// packages.
package devservertest

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/devserver"
)

// Start starts a server for the test t and stops it when the test ends. Empty
// fields of cfg get test defaults: DataDir a directory of t.TempDir(),
// FrontendAddr a free port on 127.0.0.1, Logger warnings and errors to
// stderr (not to t: the server may log after the test ended). The
// namespace is "default" unless cfg names another. t fails at once if the
// server does not start within a minute.
func Start(t testing.TB, cfg devserver.Config) *devserver.Server {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.FrontendAddr == "" {
		cfg.FrontendAddr = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("devservertest: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("devservertest: %v", err)
		}
	})
	return srv
}
