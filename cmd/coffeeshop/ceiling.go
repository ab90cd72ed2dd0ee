package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/coffeeshop/coffeeshop/internal/ceiling"
)

// ceilingFlags binds the engine ceiling's settings (ceiling).
func (fs *flagSet) ceilingFlags() {
	c := &fs.cfg.Ceiling
	fs.integer(&c.N, "n", "COFFEESHOP_CEILING_N", 2000, "trivial workflows to start and await")
	fs.integer(&c.Concurrency, "c", "COFFEESHOP_CEILING_CONCURRENCY", 32, "workflows in flight at once")
	fs.boolean(&fs.cfg.BenchJSON, "json", "COFFEESHOP_CEILING_JSON", false, "print the report as JSON")
	fs.str(&fs.cfg.LogLevel, "log-level", "COFFEESHOP_LOG_LEVEL", "warn", "debug, info, warn or error")
	fs.cfg.LogFormat = "text"
}

// validateCeiling checks the ceiling's settings when the subcommand is
// ceiling.
func (fs *flagSet) validateCeiling() []error {
	if fs.Name() != "ceiling" {
		return nil
	}
	if err := fs.cfg.Ceiling.Validate(); err != nil {
		return []error{err}
	}
	return nil
}

// runCeiling measures the engine's ceiling on a server, client and worker
// set up exactly as dev sets up its own, so that the figure is the limit of
// dev's engine and nothing else.
func runCeiling(ctx context.Context, cfg *Config, stdout io.Writer) error {
	log := cfg.logger()
	setStickyCache()
	dir, err := os.MkdirTemp("", "coffeeshop-ceiling-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg.DataDir, cfg.TemporalAddr, cfg.UIAddr = dir, "127.0.0.1:0", ""
	srv, err := startEmbeddedTemporal(ctx, cfg, "")
	if err != nil {
		return err
	}
	defer srv.Stop()
	tc, err := dialEmbedded(ctx, srv, nil, nil, log)
	if err != nil {
		return err
	}
	defer tc.Close()

	cc := cfg.Ceiling
	cc.WorkerOptions = workerOptions()
	// The first workflows pay for creating the task queue and the first
	// polls; they are not part of the figure.
	warm := cc
	warm.N = min(cc.N, cc.Concurrency)
	if _, err := ceiling.Run(ctx, tc, warm); err != nil {
		return err
	}
	rep, err := ceiling.Run(ctx, tc, cc)
	if err != nil {
		return err
	}
	if cfg.BenchJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	w := rep.Workflows
	_, err = fmt.Fprintf(stdout, `coffeeshop ceiling: trivial workflows on an embedded server with dev's settings, n=%d, c=%d

workflows/s:  %.1f
latency ms:   p50 %.1f  p95 %.1f  p99 %.1f  max %.1f
completed:    %d of %d
`, rep.N, rep.Concurrency, w.Throughput, w.P50, w.P95, w.P99, w.Max, w.OK, w.Requests)
	return err
}
