// Command coffeeshop is the phone-verification service: one binary that runs
// everything on a laptop (dev) or one part each (temporal, worker, api).
// Its command line is package internal/cli; this package wires the parts
// together as the command line says.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/coffeeshop/coffeeshop/internal/buildinfo"
	"github.com/coffeeshop/coffeeshop/internal/cli"
)

// version is the release version, set when linking a release:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/coffeeshop
//
// Without it the version is the one the Go toolchain recorded: the module
// version for `go install …@v1.2.3`, "(devel)" for a build from a checkout.
var version string

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit code: 0 on a clean
// stop, 2 for a usage error or bad settings, 1 for any other failure.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd, name, code := cli.Parse(args, stdout, stderr)
	if cmd == nil {
		return code
	}
	if l, ok := cmd.(interface{ Logs() *cli.LogFlags }); ok {
		// Whatever logs to slog.Default() or the standard log package
		// (the stores' migrations, libraries) follows --log-format too.
		slog.SetDefault(l.Logs().Logger())
		if addr := l.Logs().PprofAddr; addr != "" {
			stopPprof, err := servePprof(string(addr), slog.Default())
			if err != nil {
				fmt.Fprintf(stderr, "coffeeshop %s: %v\n", name, err)
				return 1
			}
			defer stopPprof()
		}
	}
	var err error
	switch c := cmd.(type) {
	case *cli.Dev:
		err = runDev(ctx, c, stdout)
	case *cli.Temporal:
		err = runTemporal(ctx, c, stdout)
	case *cli.Worker:
		err = runWorker(ctx, c)
	case *cli.API:
		err = runAPI(ctx, c)
	case *cli.Bench:
		err = runBench(ctx, c, stdout, stderr)
	case *cli.Ceiling:
		err = runCeiling(ctx, c, stdout)
	case *cli.KeysCreate, *cli.KeysList, *cli.KeysRevoke:
		err = runKeys(ctx, c, stdout)
	case *cli.GuardList, *cli.GuardUnblock:
		err = runGuard(ctx, c, stdout)
	case *cli.Version:
		_, err = fmt.Fprintln(stdout, buildinfo.Current(version))
	}
	if err != nil {
		fmt.Fprintf(stderr, "coffeeshop %s: %v\n", name, err)
		return 1
	}
	return 0
}
