package buildinfo

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestRead(t *testing.T) {
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
		if got := Read(c.linked, c.info).String(); got != c.want {
			t.Errorf("%s:\ngot  %s\nwant %s", c.name, got, c.want)
		}
	}
}
