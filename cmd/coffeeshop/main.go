// Command coffeeshop is the phone-verification service: one binary that runs
// everything on a laptop (dev) or one part each (temporal, worker, api).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
)

// command is a subcommand's settings and what it does with them.
type command interface {
	// validate checks the settings, reading nothing; it names each bad
	// one.
	validate() error
	// run runs until ctx ends.
	run(ctx context.Context, stdout io.Writer) error
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// kongExit is how kong's exit after --help reaches run: as a panic that
// run recovers, so that tests can call run.
type kongExit int

// run executes the command line args and returns the exit code: 0 on a clean
// stop, 2 for a usage error or bad settings, 1 for any other failure.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	var c cli
	parser, err := newParser(&c, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "coffeeshop: %v\n", err)
		return 1
	}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			code = int(e)
		}
	}()
	switch {
	case len(args) == 0 || strings.HasPrefix(args[0], "-") && !slices.Contains([]string{"-h", "--help", "--version", "-version"}, args[0]):
		args = append([]string{"dev"}, args...) // dev is the default command
	case args[0] == "help":
		args = []string{"--help"}
	case args[0] == "--version" || args[0] == "-version":
		args[0] = "version"
	case !strings.HasPrefix(args[0], "-") && !slices.Contains(commandNames(parser), args[0]):
		fmt.Fprintf(stderr, "coffeeshop: unknown command %q; the commands are %s (coffeeshop --help)\n",
			args[0], strings.Join(commandNames(parser), ", "))
		return 2
	}
	node, cmd, err := parseCommand(parser, args)
	if err != nil {
		fmt.Fprintf(stderr, "coffeeshop %s: %v\n", args[0], err)
		return 2
	}
	name := node.Name
	if err := validate(node, cmd); err != nil {
		fmt.Fprintf(stderr, "coffeeshop %s: invalid settings:\n%v\n", name, describeSettingErrors(err, parser))
		return 2
	}
	if l, ok := cmd.(interface{ load() error }); ok {
		if err := l.load(); err != nil {
			fmt.Fprintf(stderr, "coffeeshop %s: invalid settings:\n  %v\n", name, err)
			return 2
		}
	}
	if l, ok := cmd.(interface{ logSettings() *logFlags }); ok {
		// Whatever logs to slog.Default() or the standard log package
		// (the stores' migrations, libraries) follows --log-format too.
		slog.SetDefault(l.logSettings().logger())
		if addr := l.logSettings().PprofAddr; addr != "" {
			stopPprof, err := servePprof(string(addr), slog.Default())
			if err != nil {
				fmt.Fprintf(stderr, "coffeeshop %s: %v\n", name, err)
				return 1
			}
			defer stopPprof()
		}
	}
	if err := cmd.run(ctx, stdout); err != nil {
		fmt.Fprintf(stderr, "coffeeshop %s: %v\n", name, err)
		return 1
	}
	return 0
}

// newParser builds the command line parser of c.
func newParser(c *cli, stdout, stderr io.Writer) (*kong.Kong, error) {
	return kong.New(c,
		kong.Name("coffeeshop"),
		kong.Description("Durable phone verification on Temporal. Without a command: dev. Every flag has an environment variable, shown after it; a flag beats its variable, which beats the default."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
		kong.ConfigureHelp(kong.HelpOptions{NoExpandSubcommands: true}),
		kongVars(),
	)
}

// parseCommand parses args and returns the subcommand they select, with
// its settings.
func parseCommand(k *kong.Kong, args []string) (*kong.Node, command, error) {
	kctx, err := k.Parse(args)
	if err != nil {
		return nil, nil, err
	}
	cmd := kctx.Selected().Target.Addr().Interface().(command)
	if t, ok := cmd.(interface{ readAuthToken() }); ok {
		t.readAuthToken() // a variable without a flag
	}
	return kctx.Selected(), cmd, nil
}

// validate checks the settings of the subcommand node, cmd.
func validate(node *kong.Node, cmd command) error {
	return errors.Join(append(checkBounds(node.Flags), cmd.validate())...)
}

// commandNames are the subcommands' names.
func commandNames(k *kong.Kong) (names []string) {
	for _, n := range k.Model.Children {
		names = append(names, n.Name)
	}
	return names
}

// badSetting is the error of flag whose value is value (nil for a secret,
// which is never shown).
func badSetting(flag string, value any, format string, args ...any) error {
	switch v := value.(type) {
	case nil:
	case string, hostPort:
		flag += "=" + strconv.Quote(fmt.Sprint(v))
	case time.Duration:
		flag += "=" + shortDuration(v)
	default:
		flag += "=" + fmt.Sprint(v)
	}
	return fmt.Errorf("--%s: %s", flag, fmt.Sprintf(format, args...))
}

// flagMention is a flag a message names, with the value it was given.
var flagMention = regexp.MustCompile(`--([a-z][a-z0-9-]*)(="(?:[^"\\]|\\.)*"|=[^\s,:;()]+)?`)

// describeSettingErrors writes the errors of validate one a line, with the
// environment variables of each flag they name.
func describeSettingErrors(err error, k *kong.Kong) string {
	envs := map[string][]string{}
	for _, cmd := range k.Model.Children {
		for _, f := range cmd.Flags {
			envs[f.Name] = f.Envs
		}
	}
	var lines []string
	for _, line := range strings.Split(err.Error(), "\n") { // errors.Join puts one a line
		lines = append(lines, "  "+flagMention.ReplaceAllStringFunc(line, func(m string) string {
			if env := envs[flagMention.FindStringSubmatch(m)[1]]; len(env) > 0 {
				return m + " (" + strings.Join(env, " or ") + ")"
			}
			return m
		}))
	}
	return strings.Join(lines, "\n")
}
