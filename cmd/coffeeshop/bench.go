package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/coffeeshop/coffeeshop/bench"
	"github.com/coffeeshop/coffeeshop/internal/cli"
)

// runBench runs the load tool and prints its report. It fails — exit code 1 —
// when any verify answer was stale or any customer is not verified at the
// end (the flow scenario), or when a legitimate customer was refused or not
// verified (the pumping scenario), so scripts can gate on it.
func runBench(ctx context.Context, c *cli.Bench, stdout, stderr io.Writer) error {
	switch c.Scenario {
	case bench.ScenarioPumping:
		return runPumping(ctx, c, stdout)
	case bench.ScenarioLong:
		return runLong(ctx, c, stdout, stderr)
	}
	rep, err := bench.Run(ctx, c.Config())
	if err != nil {
		return err
	}
	if err := writeReport(rep, c.JSON, stdout); err != nil {
		return err
	}
	if rep.Failed() {
		return fmt.Errorf("%d stale answers, %d of %d customers not verified", rep.Stale, rep.NotVerified, rep.N)
	}
	return nil
}

func runPumping(ctx context.Context, c *cli.Bench, stdout io.Writer) error {
	rep, err := bench.RunPumping(ctx, c.Config())
	if err != nil {
		return err
	}
	if err := writeReport(rep, c.JSON, stdout); err != nil {
		return err
	}
	if rep.Failed() {
		return fmt.Errorf("%d of %d legitimate customers refused or not verified", rep.LegitRefusedTotal(), rep.Legit)
	}
	return nil
}

// runLong runs the long run, printing each row as it comes (to stderr with
// --json, whose report is all stdout gets, at the end), and draws --plot, whose file is created first so
// that a bad path fails before the run. It fails when a request failed, an
// answer was stale, the run was stopped or a measured target missed.
func runLong(ctx context.Context, c *cli.Bench, stdout, stderr io.Writer) error {
	var png *os.File
	if c.Plot != "" {
		f, err := os.Create(c.Plot)
		if err != nil {
			return fmt.Errorf("--plot: %w", err)
		}
		png = f
		defer png.Close()
	}
	progress := stdout
	if c.JSON {
		progress = stderr // stdout holds only the JSON
	}
	rep, err := bench.RunLong(ctx, c.Config(), progress)
	if err != nil {
		if png != nil {
			_ = os.Remove(c.Plot)
		}
		return err
	}
	if c.JSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteSummary(stdout)
	}
	if err != nil {
		return err
	}
	if png != nil {
		if err := rep.WritePNG(png, 1200, 800); err != nil {
			return fmt.Errorf("--plot %s: %w", c.Plot, err)
		}
		if err := png.Close(); err != nil {
			return fmt.Errorf("--plot %s: %w", c.Plot, err)
		}
	}
	if rep.Failed() {
		return fmt.Errorf("the long run failed: %d of %d customers, %d errors and stale answers; throughput target %s; RSS target %s",
			rep.Customers, rep.N, rep.Errors(), rep.Targets.Throughput, rep.Targets.RSS)
	}
	return nil
}

// writeReport prints a report as JSON or as text.
func writeReport(rep interface {
	WriteJSON(io.Writer) error
	WriteText(io.Writer) error
}, asJSON bool, stdout io.Writer) error {
	if asJSON {
		return rep.WriteJSON(stdout)
	}
	return rep.WriteText(stdout)
}
