// Package ceiling measures the engine's ceiling: how many trivial workflows
// a Temporal server and one worker start and complete per second. It is the
// physical limit the full verification flow is compared with (see
// docs/benchmarks.md): a verification can never be cheaper than a workflow
// that does nothing.
package ceiling

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/coffeeshop/coffeeshop/bench"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Trivial is the ceiling's workflow: it completes in its first workflow
// task, with no activity, timer or payload. One run costs the server a
// start, one workflow task and a completion.
func Trivial(ctx workflow.Context) error { return nil }

// Config is one measurement's settings.
type Config struct {
	// N workflows are started and awaited, Concurrency at a time.
	N           int
	Concurrency int
	// WorkerOptions configure the worker that runs them; pass the options
	// of the verification worker to compare like with like.
	WorkerOptions worker.Options
}

// Validate names the first setting that cannot run.
func (c Config) Validate() error {
	var errs []error
	if c.N < 1 {
		errs = append(errs, fmt.Errorf("-n %d: must be at least 1", c.N))
	}
	if c.Concurrency < 1 || c.Concurrency > 1024 {
		errs = append(errs, fmt.Errorf("-c %d: must be between 1 and 1024", c.Concurrency))
	}
	return errors.Join(errs...)
}

// Report is the outcome of a measurement.
type Report struct {
	// RunID names the run: its workflows are WorkflowID(RunID, i).
	RunID       string `json:"runId"`
	N           int    `json:"n"`
	Concurrency int    `json:"concurrency"`
	// Workflows are the start-and-await calls: throughput is completed
	// workflows per second, latency from start request to result.
	Workflows bench.OpStats `json:"workflows"`
}

// Run starts a worker for Trivial on a task queue of its own, then starts
// cfg.N Trivial workflows through tc, cfg.Concurrency at a time, each
// awaited to its completion, and reports how fast that went. The workflow
// IDs are unique to the run, so runs against the same server never
// collide.
func Run(ctx context.Context, tc client.Client, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	run := hex.EncodeToString(b)
	queue := "ceiling-" + run
	w := worker.New(tc, queue, cfg.WorkerOptions)
	w.RegisterWorkflow(Trivial)
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start ceiling worker: %w", err)
	}
	defer w.Stop()

	stats := bench.Measure(ctx, "workflow", cfg.N, cfg.Concurrency, func(ctx context.Context, i int) error {
		opts := client.StartWorkflowOptions{ID: WorkflowID(run, i), TaskQueue: queue}
		r, err := tc.ExecuteWorkflow(ctx, opts, Trivial)
		if err != nil {
			return err
		}
		return r.Get(ctx, nil)
	})
	if stats.OK == 0 {
		return nil, fmt.Errorf("no trivial workflow completed (%d failed)", stats.Requests)
	}
	return &Report{RunID: run, N: cfg.N, Concurrency: cfg.Concurrency, Workflows: stats}, nil
}

// WorkflowID is the ID of the i-th workflow of the run runID.
func WorkflowID(runID string, i int) string { return fmt.Sprintf("ceiling-%s-%d", runID, i) }
