// Package buildinfo reads the version, VCS revision and toolchain a
// binary was built with.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Version is what a build knows of itself: what `coffeeshop version` prints.
type Version struct {
	Version   string // release or module version; "(devel)" if unknown
	Module    string // main module path
	Revision  string // VCS revision, when the build recorded it
	Time      string // commit time of Revision (RFC 3339)
	Modified  bool   // the work tree had uncommitted changes
	GoVersion string // toolchain that built the binary
}

// Read combines the linked-in version with the build
// information the Go toolchain embedded (info may be nil).
func Read(linked string, info *debug.BuildInfo) Version {
	v := Version{Version: linked, GoVersion: runtime.Version()}
	if info != nil {
		v.Module = info.Main.Path
		v.GoVersion = info.GoVersion
		if v.Version == "" {
			v.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	return v
}

// String is the version line: the version, then the revision and the
// toolchain, for example
//
//	coffeeshop v1.2.3 (revision 0123abcd…, 2026-11-26T02:00:00Z, modified; go1.26.8 linux/amd64)
func (v Version) String() string {
	var parts []string
	if v.Revision != "" {
		parts = append(parts, "revision "+v.Revision)
		if v.Time != "" {
			parts = append(parts, v.Time)
		}
		if v.Modified {
			parts = append(parts, "modified")
		}
	}
	detail := strings.Join(parts, ", ")
	if detail != "" {
		detail += "; "
	}
	return fmt.Sprintf("coffeeshop %s (%s%s %s/%s)", v.Version, detail, v.GoVersion, runtime.GOOS, runtime.GOARCH)
}

// Current is the version of this binary; linked is the version set when
// linking a release (empty for other builds).
func Current(linked string) Version {
	info, _ := debug.ReadBuildInfo()
	return Read(linked, info)
}
