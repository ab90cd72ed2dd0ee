package cli

import (
	"bytes"
	"io"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/verify"
)

// runArgs parses args as coffeeshop does and returns the exit code Parse
// gives (0 for good settings, which it does not run) and the output.
func runArgs(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	_, _, code := Parse(args, &out, &out)
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
		{[]string{"dev", "--workflow-cache", "0"}, "--workflow-cache"},
		{[]string{"worker", "--workflow-cache", "100001"}, "--workflow-cache"},
	} {
		refused(t, tc.want, tc.args...)
	}
}

func TestEnvironmentSetsDefaults(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "not an address")
	code, out := runArgs(t, "worker")
	if code != 2 || !strings.Contains(out, "--temporal-address") || !strings.Contains(out, "TEMPORAL_ADDRESS") {
		t.Errorf("exit %d, output %q; want the env value validated as --temporal-address", code, out)
	}
	// A flag wins over the environment.
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
	t.Setenv("COFFEESHOP_FIXED_CODE", "1111")
	code, out = runArgs(t, "worker", "--fixed-code", "12ab")
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
	if code, out := runArgs(t, "dev", "extra"); code != 2 || !strings.Contains(out, "unexpected argument extra") {
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
		kind, target, err := ParseDatabaseURL(tc.in)
		if err != nil || kind != tc.kind || target != tc.target {
			t.Errorf("ParseDatabaseURL(%q) = %q, %q, %v; want %q, %q", tc.in, kind, target, err, tc.kind, tc.target)
		}
	}
	_, _, err := ParseDatabaseURL("mysql://root:secret@h/db")
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
		refused(t, tc.want, tc.args...)
	}
	t.Setenv("COFFEESHOP_RATE_LIMIT_CREATE_IP", "lots")
	if code, out := runArgs(t, "api"); code != 2 || !strings.Contains(out, "--rate-limit-create-ip") {
		t.Errorf("env value: exit %d, output %q; want it validated as --rate-limit-create-ip", code, out)
	}
}

// refused parses args and fails the test unless Parse exits 2 with output
// naming want; it returns the output.
func refused(t *testing.T, want string, args ...string) string {
	t.Helper()
	code, out := runArgs(t, args...)
	if code != 2 || !strings.Contains(out, want) {
		t.Errorf("%v: exit %d, output %q; want exit 2 naming %s", args, code, out, want)
	}
	return out
}

// parsed parses the command line as Parse does, without validating or
// loading, and returns the subcommand.
func parsed[T Command](t *testing.T, args ...string) T {
	t.Helper()
	var c commandLine
	k, err := newParser(&c, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	_, cmd, err := parseCommand(k, args)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return cmd.(T)
}

// loaded is parsed that also validates and loads, as Parse does.
func loaded[T Command](t *testing.T, args ...string) T {
	t.Helper()
	var out bytes.Buffer
	cmd, _, code := Parse(args, &out, &out)
	if cmd == nil {
		t.Fatalf("%v: exit %d, %s", args, code, out.String())
	}
	return cmd.(T)
}

func TestRateLimitSettings(t *testing.T) {
	for cmd, cfg := range map[string]*APIFlags{"dev": &parsed[*Dev](t, "dev").APIFlags, "api": &parsed[*API](t, "api").APIFlags} {
		limits, proxies := cfg.Limits(), cfg.TrustedProxies
		if !maps.Equal(limits, api.DefaultLimits()) || len(proxies) != 0 || cfg.NoRateLimit {
			t.Errorf("%s defaults: %v, %v, no-rate-limit %v; want api.DefaultLimits, no proxies, limits on",
				cmd, limits, proxies, cfg.NoRateLimit)
		}
	}

	t.Setenv("COFFEESHOP_RATE_LIMIT_RESEND_PHONE", "2/1h")
	t.Setenv("COFFEESHOP_RATE_LIMIT_VERIFY_IP", "1/1s")
	t.Setenv("COFFEESHOP_NO_RATE_LIMIT", "true")
	cfg := parsed[*API](t, "api",
		"--rate-limit-verify-ip", "off", // the flag beats the environment
		"--rate-limit-create-phone", "3/30m",
		"--trusted-proxy", "10.0.0.0/8, 192.0.2.7")
	limits, proxies := cfg.Limits(), cfg.TrustedProxies
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
	if cfg := parsed[*Dev](t, "dev", "--no-rate-limit"); !cfg.NoRateLimit {
		t.Error("dev --no-rate-limit not set")
	}
}

func TestRateLimitFlagsInHelp(t *testing.T) {
	for _, cmd := range []string{"dev", "api"} {
		_, out := runArgs(t, cmd, "--help")
		for _, f := range []string{"--no-rate-limit", "--trusted-proxy", "--rate-limit-create-ip", "--rate-limit-verify-phone", "COFFEESHOP_RATE_LIMIT_RESEND_PHONE", "=30/10m"} {
			if !strings.Contains(out, f) {
				t.Errorf("%s --help lacks %s", cmd, f)
			}
		}
	}
	// The worker has no per-address limits; its --no-rate-limit turns the
	// guard off for the codes after a wrong code.
	_, out := runArgs(t, "worker", "--help")
	if strings.Contains(out, "--rate-limit-") || !strings.Contains(out, "--no-rate-limit") {
		t.Errorf("worker --help: want --no-rate-limit and no per-address limits:\n%s", out)
	}
	if _, out := runArgs(t, "temporal", "--help"); strings.Contains(out, "rate-limit") {
		t.Errorf("temporal --help lists rate limits it does not use")
	}
}

// TestUnparsableValuesStopTheStart: a value of any kind that does not
// parse, from the environment or a flag, stops the start with exit 2 and
// names the flag, its variable and what is expected.
func TestUnparsableValuesStopTheStart(t *testing.T) {
	for _, tc := range []struct {
		env, value string
		want       []string
	}{
		{"COFFEESHOP_RANDOM_CODES", "yes-please", []string{"--random-codes", "true, 1, yes, false, 0 or no"}},
		{"COFFEESHOP_NO_RATE_LIMIT", "on", []string{"--no-rate-limit", "true, 1, yes"}},
		{"COFFEESHOP_SHUTDOWN_TIMEOUT", "20", []string{"--shutdown-timeout", "expected duration", "missing unit"}},
		{"COFFEESHOP_CODE_TTL", "two minutes", []string{"--code-ttl", "expected duration"}},
		{"COFFEESHOP_CODE_LENGTH", "four", []string{"--code-length", "expected a valid 64 bit int"}},
		{"COFFEESHOP_MAX_ATTEMPTS", "3.5", []string{"--max-attempts", "int"}},
		{"COFFEESHOP_TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal", []string{"--trusted-proxy", "not an IP address or CIDR prefix"}},
		{"COFFEESHOP_RATE_LIMIT_CREATE_IP", "30 per minute", []string{"--rate-limit-create-ip", "N/duration"}},
		{"COFFEESHOP_RATE_LIMIT_VERIFY_PHONE", "10/fortnight", []string{"--rate-limit-verify-phone"}},
		{"COFFEESHOP_LOG_FORMAT", "xml", []string{"--log-format", "must be text or json"}},
		{"COFFEESHOP_LOG_LEVEL", "loud", []string{"--log-level", "must be debug, info, warn or error"}},
		{"COFFEESHOP_SMS_PROVIDER", "carrier-pigeon", []string{"--sms-provider", "must be console, twilio or webhook"}},
		{"COFFEESHOP_HTTP_ADDR", "8081", []string{"--http-addr", "must be host:port"}},
		{"COFFEESHOP_UI_ADDR", "127.0.0.1:http", []string{"--ui-addr", "port must be a number"}},
		{"COFFEESHOP_WORKFLOW_CACHE", "lots", []string{"--workflow-cache", "int"}},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			code, out := runArgs(t, "dev")
			if code != 2 || !strings.Contains(out, tc.env) {
				t.Errorf("exit %d, output %q; want exit 2 naming %s", code, out, tc.env)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output %q does not say %q", out, w)
				}
			}
		})
	}
	// The same values as flags.
	for _, args := range [][]string{
		{"--random-codes=yes-please"}, {"--shutdown-timeout", "20"}, {"--code-length", "four"},
		{"--trusted-proxy", "proxy.internal"}, {"--rate-limit-resend-ip", "lots"}, {"--log-format", "xml"},
	} {
		code, out := runArgs(t, append([]string{"dev"}, args...)...)
		flag, _, _ := strings.Cut(args[0], "=")
		if code != 2 || !strings.Contains(out, flag) {
			t.Errorf("%v: exit %d, output %q; want exit 2 naming %s", args, code, out, flag)
		}
	}
}

// TestRangeErrorsNameTheVariable: a value that parses but is out of range
// names the flag and its variable too.
func TestRangeErrorsNameTheVariable(t *testing.T) {
	t.Setenv("COFFEESHOP_MAX_ATTEMPTS", "0")
	code, out := runArgs(t, "dev")
	if code != 2 || !strings.Contains(out, "--max-attempts=0 (COFFEESHOP_MAX_ATTEMPTS): must be between 1 and 100") {
		t.Errorf("exit %d, output %q", code, out)
	}
}

// TestWorkflowCache: dev and worker size the SDK's workflow cache from
// --workflow-cache or its variable, verify's default otherwise.
func TestWorkflowCache(t *testing.T) {
	if got := parsed[*Dev](t, "dev").WorkflowCache; got != verify.DefaultStickyCacheSize {
		t.Errorf("dev default %d, want %d", got, verify.DefaultStickyCacheSize)
	}
	t.Setenv("COFFEESHOP_WORKFLOW_CACHE", "512")
	if got := parsed[*Worker](t, "worker").WorkflowCache; got != 512 {
		t.Errorf("worker with COFFEESHOP_WORKFLOW_CACHE=512: %d", got)
	}
	if got := parsed[*Dev](t, "dev", "--workflow-cache", "64").WorkflowCache; got != 64 {
		t.Errorf("dev --workflow-cache 64 over the variable: %d", got)
	}
}
