package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionCommand(t *testing.T) {
	// A test binary has build info with the main module's path.
	want := "coffeeshop " + currentVersion().Version + " ("
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

func TestReadBuildVersion(t *testing.T) {
	checkout := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/coffeeshop/coffeeshop", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "2f0292f0c0ffee0000000000000000000000beef"},
			{Key: "vcs.time", Value: "2026-11-26T02:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	platform := " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	for _, c := range []struct {
		name   string
		linked string
		info   *debug.BuildInfo
		want   string
	}{
		{"checkout", "", checkout,
			"coffeeshop (devel) (revision 2f0292f0c0ffee0000000000000000000000beef, 2026-11-26T02:00:00Z, modified; go1.26.8" + platform},
		{"ldflags", "v1.2.3", checkout,
			"coffeeshop v1.2.3 (revision 2f0292f0c0ffee0000000000000000000000beef, 2026-11-26T02:00:00Z, modified; go1.26.8" + platform},
		{"go install", "", &debug.BuildInfo{GoVersion: "go1.26.8",
			Main: debug.Module{Path: "github.com/coffeeshop/coffeeshop", Version: "v1.4.0"}},
			"coffeeshop v1.4.0 (go1.26.8" + platform},
		{"-buildvcs=false", "", &debug.BuildInfo{GoVersion: "go1.26.8",
			Main:     debug.Module{Path: "github.com/coffeeshop/coffeeshop", Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.modified", Value: "false"}}},
			"coffeeshop (devel) (go1.26.8" + platform},
		{"no build info", "", nil, "coffeeshop (devel) (" + runtime.Version() + platform},
	} {
		if got := readBuildVersion(c.linked, c.info).String(); got != c.want {
			t.Errorf("%s:\ngot  %s\nwant %s", c.name, got, c.want)
		}
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
