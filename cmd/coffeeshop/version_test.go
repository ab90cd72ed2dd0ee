package main

import (
	"runtime"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/internal/buildinfo"
)

func TestVersionCommand(t *testing.T) {
	// A test binary has build info with the main module's path.
	want := "coffeeshop " + buildinfo.Current(version).Version + " ("
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		code, out := runArgs(t, args...)
		if code != 0 || !strings.HasPrefix(out, want) || !strings.HasSuffix(out, runtime.GOOS+"/"+runtime.GOARCH+")\n") ||
			strings.Count(out, "\n") != 1 {
			t.Errorf("%s: exit %d, %q; want one line starting %q", args, code, out, want)
		}
	}
	if code, out := runArgs(t, "version", "extra"); code != 2 || !strings.Contains(out, "unexpected argument extra") {
		t.Errorf("version extra: exit %d, %q", code, out)
	}
	if _, out := runArgs(t, "--help"); !strings.Contains(out, "version") {
		t.Errorf("--help does not list version: %q", out)
	}
}

// TestLinkedVersion checks the variable -ldflags "-X main.version=…" sets.
func TestLinkedVersion(t *testing.T) {
	defer func(v string) { version = v }(version)
	version = "v9.8.7"
	if _, out := runArgs(t, "--version"); !strings.HasPrefix(out, "coffeeshop v9.8.7 (") {
		t.Errorf("--version with main.version set: %q", out)
	}
}
