package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/health"
	"github.com/coffeeshop/coffeeshop/metrics"
	"github.com/coffeeshop/coffeeshop/opsserver"
	"go.temporal.io/sdk/client"
)

// Operations: health endpoints, metrics and the shutdown deadline.

// readinessTimeout bounds each readiness check.
const readinessTimeout = 2 * time.Second

// ops is a process's metrics registry, its readiness checks and the
// listeners of its own that serve them.
type ops struct {
	cfg     *Config
	log     *slog.Logger
	metrics *metrics.Registry
	ready   *health.Checker
	own     opsserver.Group // by flag: health-addr, metrics-addr
}

// newOps makes the metrics registry; the readiness checks are added with
// checkReady once the store and the Temporal client exist (the client needs
// the registry first).
func newOps(cfg *Config, log *slog.Logger) *ops {
	return &ops{cfg: cfg, log: log, metrics: metrics.New(log), ready: &health.Checker{Timeout: readinessTimeout, Logger: log},
		own: opsserver.Group{Logger: log}}
}

// temporalMetrics is the Temporal client's metrics handler; nil for no ops.
func (o *ops) temporalMetrics() client.MetricsHandler {
	if o == nil {
		return nil
	}
	return o.metrics.TemporalHandler()
}

// checkReady makes readiness depend on the store and the Temporal frontend.
func (o *ops) checkReady(st coffeeshop.CustomerStore, tc client.Client) {
	o.ready.Checks = []health.Check{
		{Name: "store", Func: st.Ping},
		{Name: "temporal", Func: func(ctx context.Context) error {
			_, err := tc.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}},
	}
}

// instrumentSMS counts the sends of s under provider.
func (o *ops) instrumentSMS(s coffeeshop.SMSSender, provider string) coffeeshop.SMSSender {
	if o == nil {
		return s
	}
	return o.metrics.InstrumentSMS(s, provider)
}

// apiHandler puts /healthz, /readyz and, unless --metrics-addr moves it,
// /metrics next to the API gateway on the HTTP port, and counts every
// request.
func (o *ops) apiHandler(gateway http.Handler) http.Handler {
	mux := o.healthMux()
	mux.Handle("/", gateway)
	return api.ObserveHTTP(o.metrics, mux)
}

// healthMux serves /healthz, /readyz and, unless --metrics-addr moves it,
// /metrics.
func (o *ops) healthMux() *http.ServeMux {
	if o.cfg.MetricsAddr != "" {
		return opsserver.Mux(o.ready, nil)
	}
	return opsserver.Mux(o.ready, o.metrics.Handler())
}

// serveOwn starts the listeners of their own: --metrics-addr when set, and
// for a worker --health-addr (with /metrics unless --metrics-addr is set).
func (o *ops) serveOwn(worker bool) error {
	if worker && o.cfg.HealthAddr != "" {
		if err := o.listen("health-addr", string(o.cfg.HealthAddr), o.healthMux()); err != nil {
			return err
		}
	}
	if o.cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", o.metrics.Handler())
		if err := o.listen("metrics-addr", string(o.cfg.MetricsAddr), mux); err != nil {
			return err
		}
	}
	return nil
}

func (o *ops) listen(flag, addr string, h http.Handler) error {
	s, err := o.own.Listen(flag, addr, h)
	if err != nil {
		return fmt.Errorf("listen on --%s %s: %w", flag, addr, err)
	}
	o.log.Info("serving operations endpoints", "flag", flag, "addr", s.Addr())
	return nil
}

// addr is the address the listener of a flag (health-addr,
// metrics-addr) serves on, or "" (tests ask for port 0).
func (o *ops) addr(flag string) string { return o.own.Addr(flag) }

// close stops the listeners of their own (their requests are short) and
// the copying of SDK metrics.
func (o *ops) close() {
	o.own.Close()
	_ = o.metrics.Close()
}

// servePprof serves Go's runtime profiles on --pprof-addr, a listener of
// their own, never reachable through the API's port. It returns a
// function that closes the listener.
func servePprof(addr string, log *slog.Logger) (func(), error) {
	s, err := opsserver.Listen(addr, opsserver.Pprof(), log)
	if err != nil {
		return nil, fmt.Errorf("listen on --pprof-addr %s: %w", addr, err)
	}
	return func() { _ = s.Close() }, nil
}
