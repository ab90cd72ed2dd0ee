// Package health serves the liveness and readiness endpoints: /healthz
// answers 200 while the process serves HTTP at all; /readyz answers 200
// only when every dependency check passes, and 503 with the names of the
// failed ones otherwise.
package health

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// DefaultTimeout bounds each readiness check when Checker.Timeout is zero.
const DefaultTimeout = 2 * time.Second

// Check is one dependency readiness depends on.
type Check struct {
	// Name is what the /readyz body calls it ("store", "temporal").
	Name string
	// Func returns nil when the dependency answers. It must return soon
	// after its context is done.
	Func func(ctx context.Context) error
}

// Checker runs the checks of /readyz.
type Checker struct {
	Checks []Check
	// Timeout bounds each check; DefaultTimeout if zero.
	Timeout time.Duration
	// Logger gets the error of each failed check (the response carries only
	// a short reason); slog.Default() if nil.
	Logger *slog.Logger
}

// Body is the JSON answer of both endpoints: Status is "ok" or
// "unavailable", and Checks (readiness only) maps each check's name to "ok",
// "timeout" or "unreachable".
type Body struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

// Register adds GET /healthz and GET /readyz to mux.
func (c *Checker) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", c.serveLive)
	mux.HandleFunc("GET /readyz", c.serveReady)
}

func (c *Checker) serveLive(w http.ResponseWriter, r *http.Request) {
	write(w, http.StatusOK, Body{Status: "ok"})
}

func (c *Checker) serveReady(w http.ResponseWriter, r *http.Request) {
	results := c.Run(r.Context())
	b := Body{Status: "ok", Checks: results}
	code := http.StatusOK
	for _, v := range results {
		if v != "ok" {
			b.Status, code = "unavailable", http.StatusServiceUnavailable
		}
	}
	write(w, code, b)
}

// Run runs every check at once, each bounded by the timeout, and returns
// each one's short result.
func (c *Checker) Run(ctx context.Context) map[string]string {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	results := make(map[string]string, len(c.Checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, ch := range c.Checks {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			err := ch.Func(cctx)
			res := "ok"
			if err != nil {
				res = "unreachable"
				if errors.Is(err, context.DeadlineExceeded) || cctx.Err() != nil {
					res = "timeout"
				}
				log.WarnContext(ctx, "readiness check failed", "check", ch.Name, "error", err)
			}
			mu.Lock()
			results[ch.Name] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	return results
}

func write(w http.ResponseWriter, code int, b Body) {
	out, _ := json.Marshal(b)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(out, '\n'))
}
