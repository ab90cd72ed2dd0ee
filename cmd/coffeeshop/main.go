// Command coffeeshop is the phone-verification service: one binary that runs
// everything on a laptop (dev) or one part each (temporal, worker, api).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `coffeeshop — durable phone verification on Temporal

Usage: coffeeshop [command] [flags]

Commands:
  dev       everything in one process: embedded Temporal server and UI, worker,
            gRPC and HTTP API, SQLite customer store (the default command)
  temporal  only the embedded Temporal server and Web UI
  worker    the verification worker, against any Temporal frontend and database
  api       the gRPC and HTTP/JSON API, against any Temporal frontend and database
  bench     load tool: signs up, verifies and reads back customers through any
            server's HTTP API and reports throughput, latency and stale answers
  ceiling   the engine's ceiling: trivial workflows/s on an embedded server
            with dev's settings, the limit bench's figures are compared with
  version   prints the version, VCS revision and Go version (also --version)

Run "coffeeshop <command> --help" for a command's flags.
`

// command is one subcommand: it binds its flags and runs until ctx ends.
type command struct {
	summary string
	bind    func(fs *flagSet)
	run     func(ctx context.Context, cfg *Config, stdout io.Writer) error
}

var commands = map[string]command{
	"dev": {
		summary: "Runs everything in one process: the embedded Temporal server and Web UI, the worker,\nthe gRPC and HTTP/JSON API and a SQLite customer store in --data-dir.",
		bind: func(fs *flagSet) {
			fs.embeddedTemporalFlags()
			fs.apiFlags()
			fs.codeFlags("1234")
			fs.encryptionFlags(true)
			fs.logFlags("text")
			fs.opsFlags(false)
		},
		run: runDev,
	},
	"temporal": {
		summary: "Runs only the embedded Temporal server (SQLite file in --data-dir) and its Web UI.\nWith --temporal-tls-cert and --temporal-tls-key its frontend serves TLS.",
		bind: func(fs *flagSet) {
			fs.embeddedTemporalFlags()
			fs.embeddedTLSFlags()
			fs.encryptionFlags(true)
			fs.logFlags("text")
		},
		run: runTemporal,
	},
	"worker": {
		summary: "Runs the verification worker against a Temporal frontend and the customer database.\nCodes are crypto-random unless --fixed-code is given.",
		bind: func(fs *flagSet) {
			fs.remoteTemporalFlags()
			fs.codeFlags("")
			fs.encryptionFlags(false)
			fs.logFlags("json")
			fs.opsFlags(true)
		},
		run: runWorker,
	},
	"api": {
		summary: "Runs the gRPC and HTTP/JSON API against a Temporal frontend and the customer database.",
		bind: func(fs *flagSet) {
			fs.remoteTemporalFlags()
			fs.apiFlags()
			fs.encryptionFlags(false)
			fs.logFlags("json")
			fs.opsFlags(false)
		},
		run: runAPI,
	},
	"bench": {
		summary: "Drives a server's HTTP/JSON API: creates -n customers, -c at a time, verifies each with --code\n(after a wrong code with --wrong-first) and reads each back, then prints per operation requests,\nok, req/s, p50/p95/p99/max latency and errors by status, and the verified/s, stale answers and\ncustomers not verified. Exits 1 if any answer was stale or any customer is not verified.\nStart dev with --no-rate-limit for load runs: the per-IP limits would answer 429.",
		bind: func(fs *flagSet) {
			fs.benchFlags()
		},
		run: runBench,
	},
	"ceiling": {
		summary: "Measures the engine's ceiling: starts an embedded Temporal server with dev's settings on a\nfresh data dir (removed afterwards), then starts and awaits -n trivial workflows, -c at a time,\nwith the verification worker's settings, and prints workflows/s and latencies. A verification\ncannot be cheaper than such a workflow; docs/benchmarks.md compares the two.",
		bind: func(fs *flagSet) {
			fs.ceilingFlags()
		},
		run: runCeiling,
	},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit code: 0 on a clean
// stop, 2 for a usage error, 1 for any other failure.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	name := "dev"
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "help" || a == "-h" || a == "--help" || a == "-help":
			fmt.Fprint(stdout, usage)
			return 0
		case a == "version" || a == "--version" || a == "-version":
			if len(args) > 1 {
				fmt.Fprintf(stderr, "coffeeshop version: unexpected argument %q\n", args[1])
				return 2
			}
			printVersion(stdout)
			return 0
		case a != "" && a[0] != '-':
			name, args = a, args[1:]
		}
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "coffeeshop: unknown command %q\n\n%s", name, usage)
		return 2
	}
	var cfg Config
	fs := newFlagSet(name, cmd.summary, &cfg)
	fs.SetOutput(stderr)
	cmd.bind(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "coffeeshop %s: unexpected argument %q\n", name, fs.Arg(0))
		return 2
	}
	if err := fs.validate(); err != nil {
		fmt.Fprintf(stderr, "coffeeshop %s: invalid settings:\n%v\n", name, err)
		return 2
	}
	if fs.used["log-format"] {
		// Whatever logs to slog.Default() or the standard log package
		// (the stores' migrations, libraries) logs in --log-format too.
		slog.SetDefault(cfg.logger())
	}
	if cfg.PprofAddr != "" {
		stopPprof, err := servePprof(cfg.PprofAddr, slog.Default())
		if err != nil {
			fmt.Fprintf(stderr, "coffeeshop %s: %v\n", name, err)
			return 1
		}
		defer stopPprof()
	}
	if err := cmd.run(ctx, &cfg, stdout); err != nil {
		fmt.Fprintf(stderr, "coffeeshop %s: %v\n", name, err)
		return 1
	}
	return 0
}
