package main

import (
	"log/slog"
	"os"
	"runtime/debug"
)

// devMemoryLimit is dev's soft limit on the Go runtime's memory (heap,
// goroutine stacks, the runtime's own), in bytes. Without one the
// collector lets the heap grow to twice what is live before it collects:
// with the executable's pages (~120 MB) and SQLite's caches (~20 MB) on
// top, dev's RSS was ~300 MB in a long run of bench with ~75 MB of Go
// memory live (--workflow-cache 128), and 271-285 MB with this limit, for
// the same CPU (docs/operations.md, "Memory"). The collector runs sooner
// once the process nears the limit and returns freed pages to the system.
// It is soft: a process that needs more still gets it, at the cost of more
// collections.
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
