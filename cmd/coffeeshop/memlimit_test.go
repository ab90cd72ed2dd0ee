package main

import (
	"log/slog"
	"math"
	"runtime/debug"
	"testing"
)

// TestDevMemoryLimit: dev sets its soft memory limit when GOMEMLIMIT is
// not set, and leaves the one the runtime took from GOMEMLIMIT alone.
func TestDevMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	log := slog.New(slog.DiscardHandler)

	t.Setenv("GOMEMLIMIT", "")
	debug.SetMemoryLimit(math.MaxInt64) // the runtime's default
	if got, now := applyDevMemoryLimit(log), debug.SetMemoryLimit(-1); got != devMemoryLimit || now != devMemoryLimit {
		t.Errorf("without GOMEMLIMIT: returned %d, in force %d; want %d", got, now, devMemoryLimit)
	}

	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30) // what the runtime set from the variable at start
	if got, now := applyDevMemoryLimit(log), debug.SetMemoryLimit(-1); got != 1<<30 || now != 1<<30 {
		t.Errorf("with GOMEMLIMIT=1GiB: returned %d, in force %d; want the user's %d", got, now, 1<<30)
	}
}
