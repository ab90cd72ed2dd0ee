package main

import (
	"bytes"
	"context"
	"io"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/api"
)

// runArgs runs the command line and returns its exit code and output.
func runArgs(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), args, &out, &out)
	return code, out.String()
}

func TestBadSettingsNameTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dev", "--temporal-addr", "nope"}, "--temporal-addr"},
		{[]string{"dev", "--http-addr", "127.0.0.1:99999"}, "--http-addr"},
		{[]string{"dev", "--ui-addr", "x"}, "--ui-addr"},
		{[]string{"dev", "--pprof-addr", "x"}, "--pprof-addr"},
		{[]string{"worker", "--pprof-addr", "127.0.0.1:99999"}, "--pprof-addr"},
		{[]string{"dev", "--fixed-code", "12ab"}, "--fixed-code"},
		{[]string{"dev", "--max-attempts", "0"}, "--max-attempts"},
		{[]string{"dev", "--code-ttl", "10ms"}, "--code-ttl"},
		{[]string{"dev", "--log-level", "loud"}, "--log-level"},
		{[]string{"dev", "--data-dir", ""}, "--data-dir"},
		{[]string{"worker", "--database-url", "mysql://x"}, "--database-url"},
		{[]string{"api", "--database-url", "sqlite://data/x.db"}, "--database-url"},
		{[]string{"api", "--namespace", ""}, "--namespace"},
		{[]string{"api", "--log-format", "xml"}, "--log-format"},
		{[]string{"api", "--phone-region", "XX"}, "--phone-region"},
	} {
		code, out := runArgs(t, tc.args...)
		if code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, output %q; want exit 2 naming %s", tc.args, code, out, tc.want)
		}
	}
}

func TestEnvironmentSetsDefaults(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "not an address")
	code, out := runArgs(t, "worker")
	if code != 2 || !strings.Contains(out, "--temporal-address") {
		t.Errorf("exit %d, output %q; want the env value validated as --temporal-address", code, out)
	}
	// A flag wins over the environment.
	t.Setenv("COFFEESHOP_FIXED_CODE", "xx")
	code, out = runArgs(t, "worker", "--fixed-code", "12ab", "--temporal-address", "127.0.0.1:1")
	if code != 2 || !strings.Contains(out, `"12ab"`) {
		t.Errorf("exit %d, output %q; want the flag's value checked", code, out)
	}
}

func TestHelpAndUnknownCommands(t *testing.T) {
	if code, out := runArgs(t, "--help"); code != 0 || !strings.Contains(out, "Commands:") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
	for _, cmd := range []string{"dev", "temporal", "worker", "api"} {
		if code, out := runArgs(t, cmd, "--help"); code != 0 || !strings.Contains(out, "Usage: coffeeshop "+cmd) {
			t.Errorf("%s --help: exit %d, %q", cmd, code, out)
		}
	}
	if code, out := runArgs(t, "brew"); code != 2 || !strings.Contains(out, `unknown command "brew"`) {
		t.Errorf("unknown command: exit %d, %q", code, out)
	}
	if code, out := runArgs(t, "dev", "extra"); code != 2 || !strings.Contains(out, `unexpected argument "extra"`) {
		t.Errorf("extra argument: exit %d, %q", code, out)
	}
}

func TestParseDatabaseURL(t *testing.T) {
	for _, tc := range []struct{ in, kind, target string }{
		{"postgres://u:p@h:5432/db", "postgres", "postgres://u:p@h:5432/db"},
		{"postgresql://h/db", "postgres", "postgresql://h/db"},
		{"sqlite:///var/lib/c.db", "sqlite", "/var/lib/c.db"},
		{"sqlite:.coffeeshop/customers.db", "sqlite", ".coffeeshop/customers.db"},
	} {
		kind, target, err := parseDatabaseURL(tc.in)
		if err != nil || kind != tc.kind || target != tc.target {
			t.Errorf("parseDatabaseURL(%q) = %q, %q, %v; want %q, %q", tc.in, kind, target, err, tc.kind, tc.target)
		}
	}
	_, _, err := parseDatabaseURL("mysql://root:secret@h/db")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad URL error %v: want an error without the password", err)
	}
}

func TestBadRateLimitSettingsNameTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dev", "--rate-limit-verify-ip", "10"}, "--rate-limit-verify-ip"},
		{[]string{"dev", "--rate-limit-create-ip", "0/1m"}, "--rate-limit-create-ip"},
		{[]string{"api", "--rate-limit-create-phone", "5/1ms"}, "--rate-limit-create-phone"},
		{[]string{"api", "--rate-limit-resend-ip", "many"}, "--rate-limit-resend-ip"},
		{[]string{"api", "--rate-limit-resend-phone", "5/1y"}, "--rate-limit-resend-phone"},
		{[]string{"dev", "--rate-limit-verify-phone", ""}, "--rate-limit-verify-phone"},
		{[]string{"dev", "--trusted-proxy", "10.0.0.0/33"}, "--trusted-proxy"},
		{[]string{"api", "--trusted-proxy", "proxy.internal"}, "--trusted-proxy"},
	} {
		code, out := runArgs(t, tc.args...)
		if code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, output %q; want exit 2 naming %s", tc.args, code, out, tc.want)
		}
	}
	t.Setenv("COFFEESHOP_RATE_LIMIT_CREATE_IP", "lots")
	if code, out := runArgs(t, "api"); code != 2 || !strings.Contains(out, "--rate-limit-create-ip") {
		t.Errorf("env value: exit %d, output %q; want it validated as --rate-limit-create-ip", code, out)
	}
}

// parseFlags binds a command's flags as run does and validates the limit
// settings, without running it. (Other settings may be required, such as
// api's --code-secret; they are not what these tests are about.)
func parseFlags(t *testing.T, name string, args ...string) *Config {
	t.Helper()
	return parseAndCheck(t, (*flagSet).validateLimits, name, args...)
}

// parseAndCheck binds a command's flags as run does, parses args and runs
// only the given validation.
func parseAndCheck(t *testing.T, validate func(*flagSet) []error, name string, args ...string) *Config {
	t.Helper()
	var cfg Config
	fs := newFlagSet(name, "", &cfg)
	fs.SetOutput(io.Discard)
	commands[name].bind(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	if errs := validate(fs); len(errs) > 0 {
		t.Fatalf("%s %v: %v", name, args, errs)
	}
	return &cfg
}

func TestRateLimitSettings(t *testing.T) {
	for _, cmd := range []string{"dev", "api"} {
		cfg := parseFlags(t, cmd)
		limits, proxies, err := cfg.limits()
		if err != nil || !maps.Equal(limits, api.DefaultLimits()) || len(proxies) != 0 || cfg.NoRateLimit {
			t.Errorf("%s defaults: %v, %v, %v, no-rate-limit %v; want api.DefaultLimits, no proxies, limits on",
				cmd, limits, proxies, err, cfg.NoRateLimit)
		}
	}

	t.Setenv("COFFEESHOP_RATE_LIMIT_RESEND_PHONE", "2/1h")
	t.Setenv("COFFEESHOP_RATE_LIMIT_VERIFY_IP", "1/1s")
	t.Setenv("COFFEESHOP_NO_RATE_LIMIT", "true")
	cfg := parseFlags(t, "api",
		"--rate-limit-verify-ip", "off", // the flag beats the environment
		"--rate-limit-create-phone", "3/30m",
		"--trusted-proxy", "10.0.0.0/8, 192.0.2.7")
	limits, proxies, err := cfg.limits()
	if err != nil {
		t.Fatal(err)
	}
	def := api.DefaultLimits()
	want := api.Limits{
		api.CreateMethod: {PerIP: def[api.CreateMethod].PerIP, PerPhone: api.Rate{Count: 3, Per: 30 * time.Minute}},
		api.VerifyMethod: {PerIP: api.Rate{}, PerPhone: def[api.VerifyMethod].PerPhone},
		api.ResendMethod: {PerIP: def[api.ResendMethod].PerIP, PerPhone: api.Rate{Count: 2, Per: time.Hour}},
	}
	if !maps.Equal(limits, want) {
		t.Errorf("limits %v\nwant %v", limits, want)
	}
	if len(proxies) != 2 || proxies[0].String() != "10.0.0.0/8" || proxies[1].String() != "192.0.2.7/32" {
		t.Errorf("proxies %v", proxies)
	}
	if !cfg.NoRateLimit {
		t.Error("COFFEESHOP_NO_RATE_LIMIT=true did not turn the per-address limits off")
	}
	if cfg := parseFlags(t, "dev", "--no-rate-limit"); !cfg.NoRateLimit {
		t.Error("dev --no-rate-limit not set")
	}
}

func TestRateLimitFlagsInHelp(t *testing.T) {
	for _, cmd := range []string{"dev", "api"} {
		_, out := runArgs(t, cmd, "--help")
		for _, f := range []string{"--no-rate-limit", "--trusted-proxy", "--rate-limit-create-ip", "--rate-limit-verify-phone", "COFFEESHOP_RATE_LIMIT_RESEND_PHONE", `"30/10m"`} {
			if !strings.Contains(out, f) {
				t.Errorf("%s --help lacks %s", cmd, f)
			}
		}
	}
	for _, cmd := range []string{"worker", "temporal"} {
		if _, out := runArgs(t, cmd, "--help"); strings.Contains(out, "rate-limit") {
			t.Errorf("%s --help lists rate limits it does not use", cmd)
		}
	}
}
