package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/coffeeshop/coffeeshop/internal/ceiling"
	"github.com/coffeeshop/coffeeshop/internal/cli"
	"github.com/coffeeshop/coffeeshop/verify"
)

// runCeiling measures the engine's ceiling on a server, client and worker
// set up exactly as dev sets up its own, so that the figure is the limit
// of dev's engine and nothing else.
func runCeiling(ctx context.Context, c *cli.Ceiling, stdout io.Writer) error {
	verify.SetStickyCache(verify.DefaultStickyCacheSize)
	dir, err := os.MkdirTemp("", "coffeeshop-ceiling-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	log := (&cli.LogFlags{LogLevel: c.LogLevel, LogFormat: "text"}).Logger()
	srv, err := startEmbeddedTemporal(ctx, &cli.EmbeddedServerFlags{DataDir: dir, TemporalAddr: "127.0.0.1:0"}, nil, "", log)
	if err != nil {
		return err
	}
	defer srv.Stop()
	tc, err := dialEmbedded(ctx, srv, nil, nil, log)
	if err != nil {
		return err
	}
	defer tc.Close()

	cc := c.Config()
	cc.WorkerOptions = verify.WorkerOptions(0)
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
	if c.JSON {
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
