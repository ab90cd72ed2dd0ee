package cli

import (
	"testing"
	"time"
)

func TestRetentionSetting(t *testing.T) {
	if d := parsed[*Dev](t, "dev").Retention; d != 24*time.Hour {
		t.Errorf("dev's default retention %v, want 24h", d)
	}
	if d := parsed[*Temporal](t, "temporal", "--retention", "72h").Retention; d != 72*time.Hour {
		t.Errorf("temporal --retention 72h: %v", d)
	}
	t.Setenv("COFFEESHOP_RETENTION", "168h")
	if d := parsed[*Dev](t, "dev").Retention; d != 168*time.Hour {
		t.Errorf("COFFEESHOP_RETENTION=168h: %v", d)
	}
	for _, args := range [][]string{
		{"dev", "--retention", "a day"},
		{"dev", "--retention", "30m"},
		{"temporal", "--retention", "8761h"},
	} {
		refused(t, "--retention", args...)
	}
	t.Setenv("COFFEESHOP_RETENTION", "1d")
	refused(t, "--retention", "dev")
}

func TestLongBenchSettings(t *testing.T) {
	b := loaded[*Bench](t, "bench", "--scenario", "long", "-n", "100000", "--report-every", "10000", "--data-dir", "/tmp/x", "--plot", "out.png")
	cfg := b.Config()
	if cfg.Scenario != "long" || cfg.ReportEvery != 10000 || cfg.VerifyShare != 0.1 || cfg.DataDir != "/tmp/x" ||
		cfg.MetricsURL != "http://127.0.0.1:8081/metrics" || b.Plot != "out.png" {
		t.Errorf("long run settings: %+v, plot %q", cfg, b.Plot)
	}
	if cfg := loaded[*Bench](t, "bench", "--scenario", "long", "--metrics-url", "off").Config(); cfg.MetricsURL != "" {
		t.Errorf("--metrics-url off: %q", cfg.MetricsURL)
	}
	if cfg := loaded[*Bench](t, "bench", "--scenario", "long", "--url", "http://h:1/", "--metrics-url", "").Config(); cfg.MetricsURL != "http://h:1/metrics" {
		t.Errorf("metrics URL from --url: %q", cfg.MetricsURL)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--scenario", "long", "--verify-share", "2"}, "2: must be between 0 and 1"},
		{[]string{"bench", "--scenario", "long", "--verify-share", "some"}, "--verify-share"},
		{[]string{"bench", "--scenario", "long", "-n", "100", "--report-every", "1000"}, "1000: must be between 0 (a tenth of -n) and -n (100)"},
		{[]string{"bench", "--scenario", "long", "--metrics-url", "ftp://x"}, "--metrics-url"},
		{[]string{"bench", "--plot", "x.png"}, "--plot (COFFEESHOP_BENCH_PLOT) is for --scenario"},
		{[]string{"bench", "--scenario", "pumping", "--data-dir", "d"}, "--data-dir (COFFEESHOP_BENCH_DATA_DIR) is for --scenario"},
	} {
		refused(t, tc.want, tc.args...)
	}
}
