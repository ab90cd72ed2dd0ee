// Package devservertest starts embedded Temporal servers for tests of other
// packages.
package devservertest

import (
	"bufio"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strings"
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

// KillChild re-runs the test binary as a child process, running no test,
// with env ("NAME=value") added to its environment: the child's TestMain
// sees it and plays its part. Once the child prints READY on a line of its
// own, KillChild kills it with SIGKILL and waits for it to exit. t fails at
// once if the child ends or prints anything else first; ctx bounds the
// child's life.
func KillChild(ctx context.Context, t testing.TB, env ...string) {
	t.Helper()
	child := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), env...)
	child.Stderr = os.Stderr
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "READY" {
		t.Fatalf("child did not get ready: %q, %v", line, err)
	}
	if err := child.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	_ = child.Wait()
}
