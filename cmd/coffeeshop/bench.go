package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/coffeeshop/coffeeshop/bench"
)

// benchFlags binds the load tool's settings (bench).
func (fs *flagSet) benchFlags() {
	c := &fs.cfg.Bench
	fs.str(&c.URL, "url", "COFFEESHOP_BENCH_URL", "http://127.0.0.1:8081", "base URL of the HTTP/JSON API to drive")
	fs.integer(&c.N, "n", "COFFEESHOP_BENCH_N", 1000, "customers to create, verify and read back")
	fs.integer(&c.Concurrency, "c", "COFFEESHOP_BENCH_CONCURRENCY", 8, "requests in flight at once")
	fs.str(&c.Code, "code", "COFFEESHOP_BENCH_CODE", "1234", "the right verification code (dev's --fixed-code)")
	fs.boolean(&c.WrongFirst, "wrong-first", "COFFEESHOP_BENCH_WRONG_FIRST", false,
		"send a wrong code before the right one; it must answer INCORRECT_CODE and the right one SUCCESS")
	fs.duration(&c.Timeout, "timeout", "COFFEESHOP_BENCH_TIMEOUT", 30*time.Second, "bound on each request")
	fs.boolean(&fs.cfg.BenchJSON, "json", "COFFEESHOP_BENCH_JSON", false, "print the report as JSON")
}

// validateBench checks the load tool's settings when the subcommand is bench.
func (fs *flagSet) validateBench() []error {
	if !fs.used["url"] {
		return nil
	}
	if err := fs.cfg.Bench.Validate(); err != nil {
		return []error{err}
	}
	return nil
}

// runBench runs the load tool and prints its report. It fails — exit code 1 —
// when any verify answer was stale or any customer is not verified at the
// end, so scripts can gate on it.
func runBench(ctx context.Context, cfg *Config, stdout io.Writer) error {
	rep, err := bench.Run(ctx, cfg.Bench)
	if err != nil {
		return err
	}
	if cfg.BenchJSON {
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
