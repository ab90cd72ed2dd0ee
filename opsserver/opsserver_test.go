package opsserver_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/health"
	"github.com/coffeeshop/coffeeshop/opsserver"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// refused checks that addr no longer takes connections.
func refused(t *testing.T, addr string) {
	t.Helper()
	if c, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		if c != nil {
			c.Close()
		}
		t.Errorf("%s after the server stopped: %v; want the connection refused", addr, err)
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestMux(t *testing.T) {
	storeErr := errors.New("store down")
	ready := &health.Checker{Logger: quiet(), Checks: []health.Check{
		{Name: "store", Func: func(context.Context) error { return storeErr }},
		{Name: "temporal", Func: func(context.Context) error { return nil }},
	}}
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "metrics here\n") })
	var g opsserver.Group
	defer g.Close()
	with, err := g.Listen("with", "127.0.0.1:0", opsserver.Mux(ready, metrics))
	if err != nil {
		t.Fatal(err)
	}
	without, err := g.Listen("without", "127.0.0.1:0", opsserver.Mux(ready, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*opsserver.Server{with, without} {
		base := "http://" + s.Addr()
		if code, body := get(t, base+"/healthz"); code != 200 || strings.TrimSpace(body) != `{"status":"ok"}` {
			t.Errorf("healthz: %d %s", code, body)
		}
		if code, body := get(t, base+"/readyz"); code != 503 ||
			strings.TrimSpace(body) != `{"status":"unavailable","checks":{"store":"unreachable","temporal":"ok"}}` {
			t.Errorf("readyz: %d %s", code, body)
		}
	}
	if code, body := get(t, "http://"+with.Addr()+"/metrics"); code != 200 || body != "metrics here\n" {
		t.Errorf("metrics: %d %q", code, body)
	}
	if code, _ := get(t, "http://"+without.Addr()+"/metrics"); code != 404 {
		t.Errorf("metrics on a mux without them: %d, want 404", code)
	}
	storeErr = nil
	if code, body := get(t, "http://"+with.Addr()+"/readyz"); code != 200 ||
		strings.TrimSpace(body) != `{"status":"ok","checks":{"store":"ok","temporal":"ok"}}` {
		t.Errorf("readyz with both up: %d %s", code, body)
	}
}

func TestPprof(t *testing.T) {
	s, err := opsserver.Listen("127.0.0.1:0", opsserver.Pprof(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + s.Addr()
	if code, body := get(t, base+"/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("index: %d %.200s", code, body)
	}
	if code, body := get(t, base+"/debug/pprof/cmdline"); code != 200 || !strings.Contains(body, filepath.Base(os.Args[0])) {
		t.Errorf("cmdline: %d %q", code, body)
	}
	if code, _ := get(t, base+"/debug/pprof/goroutine?debug=1"); code != 200 {
		t.Errorf("goroutine profile: %d", code)
	}
	if code, _ := get(t, base+"/"); code != 404 {
		t.Errorf("/: %d, want 404: only the profiles are served", code)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	refused(t, s.Addr())
}

func TestGroup(t *testing.T) {
	var g opsserver.Group
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	a, err := g.Listen("health-addr", "127.0.0.1:0", h)
	if err != nil {
		t.Fatal(err)
	}
	if g.Addr("health-addr") != a.Addr() || strings.HasSuffix(a.Addr(), ":0") || g.Addr("metrics-addr") != "" {
		t.Errorf("addresses: %q (server %q), unknown %q", g.Addr("health-addr"), a.Addr(), g.Addr("metrics-addr"))
	}
	if _, err := g.Listen("metrics-addr", a.Addr(), h); err == nil || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("a taken address: %v; want address in use", err)
	}
	if g.Addr("metrics-addr") != "" {
		t.Error("a server that failed to listen has an address")
	}
	if code, body := get(t, "http://"+a.Addr()+"/"); code != 200 || body != "ok" {
		t.Errorf("GET: %d %q", code, body)
	}
	g.Close()
	refused(t, a.Addr())
}

// Shutdown lets a request in flight finish; Close cuts it.
func TestShutdownAndClose(t *testing.T) {
	for _, graceful := range []bool{true, false} {
		entered, release := make(chan struct{}), make(chan struct{})
		s, err := opsserver.Listen("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(entered)
			<-release
			io.WriteString(w, "done")
		}), quiet())
		if err != nil {
			t.Fatal(err)
		}
		type answer struct {
			body string
			err  error
		}
		got := make(chan answer, 1)
		go func() {
			resp, err := http.Get("http://" + s.Addr() + "/")
			if err != nil {
				got <- answer{err: err}
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			got <- answer{string(b), err}
		}()
		<-entered
		stopped := make(chan error, 1)
		if graceful {
			go func() { stopped <- s.Shutdown(time.Minute) }()
		} else {
			stopped <- s.Close()
		}
		if !graceful {
			if a := <-got; a.err == nil {
				t.Errorf("Close: the request in flight got %q; want it cut", a.body)
			}
		}
		close(release)
		if err := <-stopped; err != nil {
			t.Errorf("graceful %v: %v", graceful, err)
		}
		if graceful {
			if a := <-got; a.err != nil || a.body != "done" {
				t.Errorf("Shutdown: the request in flight got %q, %v; want its answer", a.body, a.err)
			}
		}
		refused(t, s.Addr())
	}
}
