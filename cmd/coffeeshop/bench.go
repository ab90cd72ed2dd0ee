package main

import (
	"context"
	"fmt"
	"io"

	"github.com/coffeeshop/coffeeshop/bench"
	"github.com/coffeeshop/coffeeshop/internal/cli"
)

// runBench runs the load tool and prints its report. It fails — exit code 1 —
// when any verify answer was stale or any customer is not verified at the
// end (the flow scenario), or when a legitimate customer was refused or not
// verified (the pumping scenario), so scripts can gate on it.
func runBench(ctx context.Context, c *cli.Bench, stdout io.Writer) error {
	if c.Scenario == bench.ScenarioPumping {
		return runPumping(ctx, c, stdout)
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
