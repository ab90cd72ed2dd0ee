package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
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
