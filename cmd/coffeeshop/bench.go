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
// end, so scripts can gate on it.
func runBench(ctx context.Context, c *cli.Bench, stdout io.Writer) error {
	rep, err := bench.Run(ctx, c.Config())
	if err != nil {
		return err
	}
	if c.JSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	if rep.Failed() {
		return fmt.Errorf("%d stale answers, %d of %d customers not verified", rep.Stale, rep.NotVerified, rep.N)
	}
	return nil
}
