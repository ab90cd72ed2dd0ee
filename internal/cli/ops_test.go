package cli

import (
	"strings"
	"testing"
	"time"
)

func TestOpsSettings(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"worker", "--health-addr", "nope"}, "--health-addr"},
		{[]string{"api", "--metrics-addr", "x:y"}, "--metrics-addr"},
		{[]string{"dev", "--shutdown-timeout", "-1s"}, "--shutdown-timeout"},
	} {
		refused(t, tc.want, tc.args...)
	}
	cfg := parsed[*Worker](t, "worker")
	if cfg.HealthAddr != "127.0.0.1:8082" || cfg.MetricsAddr != "" || cfg.ShutdownTimeout != 20*time.Second {
		t.Errorf("worker defaults: health %q, metrics %q, shutdown %s", cfg.HealthAddr, cfg.MetricsAddr, cfg.ShutdownTimeout)
	}
	t.Setenv("COFFEESHOP_SHUTDOWN_TIMEOUT", "5s")
	t.Setenv("COFFEESHOP_HEALTH_ADDR", "")
	cfg = parsed[*Worker](t, "worker", "--metrics-addr", "127.0.0.1:9090")
	if cfg.HealthAddr != "" || cfg.MetricsAddr != "127.0.0.1:9090" || cfg.ShutdownTimeout != 5*time.Second {
		t.Errorf("from env and flags: health %q, metrics %q, shutdown %s", cfg.HealthAddr, cfg.MetricsAddr, cfg.ShutdownTimeout)
	}
	if code, out := runArgs(t, "api", "--health-addr", "127.0.0.1:0"); code != 2 || !strings.Contains(out, "unknown flag --health-addr") {
		t.Errorf("api --health-addr: exit %d, %q; want a usage error: its health endpoints are on --http-addr", code, out)
	}
}
