package main

import (
	"log/slog"
	"os"
	"runtime/debug"
)

// devMemoryLimit is dev's soft limit on the Go runtime's memory (heap,
// goroutine stacks, the runtime's own), in bytes. Without one the
// collector lets the heap grow to twice what is live before it collects:
// dev's Go memory then reached ~250 MB in a long run of bench with ~75 MB
// of it live, and the executable's pages (~120 MB) and SQLite's caches
// (~20 MB) come on top, over issue 15's 300 MB of RSS. With the limit the
// collector runs sooner once the process nears it and returns freed pages
// to the system. It is soft: a process that needs more still gets it, at
// the cost of more collections (docs/operations.md, "Memory").
const devMemoryLimit = 128 << 20

// applyDevMemoryLimit sets devMemoryLimit unless the user set GOMEMLIMIT
// (any value, off included: the runtime has applied it), and returns the
// limit in force.
func applyDevMemoryLimit(log *slog.Logger) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1) // -1 reads the limit without changing it
	}
	debug.SetMemoryLimit(devMemoryLimit)
	log.Info("soft memory limit of the Go runtime (GOMEMLIMIT sets another, off none)", "limit_mib", devMemoryLimit>>20)
	return devMemoryLimit
}
