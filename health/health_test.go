package health_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/health"
)

func TestRunNamesEachResult(t *testing.T) {
	var logs bytes.Buffer
	c := &health.Checker{
		Timeout: 50 * time.Millisecond,
		Logger:  slog.New(slog.NewTextHandler(&logs, nil)),
		Checks: []health.Check{
			{Name: "up", Func: func(context.Context) error { return nil }},
			{Name: "down", Func: func(context.Context) error { return errors.New("connection refused") }},
			{Name: "hung", Func: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }},
		},
	}
	got := c.Run(context.Background())
	if want := map[string]string{"up": "ok", "down": "unreachable", "hung": "timeout"}; !maps.Equal(got, want) {
		t.Errorf("Run() = %v, want %v", got, want)
	}
	// The log has each failure's error; the answer only the short reason.
	for _, w := range []string{"check=down", "connection refused", "check=hung"} {
		if !strings.Contains(logs.String(), w) {
			t.Errorf("log %q lacks %q", logs.String(), w)
		}
	}
	if strings.Contains(logs.String(), "check=up") {
		t.Errorf("log %q has the check that passed", logs.String())
	}
}

func TestEndpoints(t *testing.T) {
	var fail error
	c := &health.Checker{Logger: slog.New(slog.DiscardHandler),
		Checks: []health.Check{{Name: "store", Func: func(context.Context) error { return fail }}}}
	mux := http.NewServeMux()
	c.Register(mux)
	do := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if ct, cc := rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"); ct != "application/json" || cc != "no-store" {
			t.Errorf("%s: Content-Type %q, Cache-Control %q", path, ct, cc)
		}
		return rec.Code, strings.TrimSpace(rec.Body.String())
	}
	if code, body := do("/readyz"); code != 200 || body != `{"status":"ok","checks":{"store":"ok"}}` {
		t.Errorf("readyz: %d %s", code, body)
	}
	fail = errors.New("gone")
	if code, body := do("/readyz"); code != 503 || body != `{"status":"unavailable","checks":{"store":"unreachable"}}` {
		t.Errorf("readyz with the store down: %d %s", code, body)
	}
	if code, body := do("/healthz"); code != 200 || body != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", code, body)
	}
}
