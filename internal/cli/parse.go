// Package cli is coffeeshop's command line: its subcommands and their
// flags, each with an environment variable, parsed with
// github.com/alecthomas/kong; the checks of their values; and the reading
// of the files they name. It starts nothing: cmd/coffeeshop wires what it
// returns.
package cli

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/coffeeshop/coffeeshop"
)

// Command is the subcommand a command line selects, with its settings:
// one of *Dev, *Temporal, *Worker, *API, *Bench, *Ceiling, *KeysCreate,
// *KeysList, *KeysRevoke, *GuardList, *GuardUnblock and *Version.
type Command interface {
	// validate checks the settings, reading nothing; it names each bad
	// one.
	validate() error
}

// kongExit is how kong's exit after --help reaches Parse: as a panic that
// Parse recovers.
type kongExit int

// Parse reads the command line args (without the program's name) and the
// environment, checks the settings and reads the files they name: parse,
// validate, load. It returns the subcommand with its settings and its name
// ("dev", or "keys create" for a subcommand's);
// or, when the process should end at once (help was asked for, or a
// setting is bad), nil and the exit code, having written why to stdout or
// stderr: 0 for help, 2 for a usage error or bad settings.
func Parse(args []string, stdout, stderr io.Writer) (cmd Command, name string, exit int) {
	var c commandLine
	parser, err := newParser(&c, stdout, stderr)
	if err != nil {
		panic(err) // the declarations in cli.go are wrong
	}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			cmd, exit = nil, int(e)
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
		return nil, "", 2
	}
	node, cmd, err := parseCommand(parser, args)
	if err != nil {
		fmt.Fprintf(stderr, "coffeeshop %s: %v\n", args[0], err)
		return nil, "", 2
	}
	if err := validate(node, cmd); err != nil {
		fmt.Fprintf(stderr, "coffeeshop %s: invalid settings:\n%v\n", node.Path(), describeSettingErrors(err, node.Flags))
		return nil, "", 2
	}
	if l, ok := cmd.(interface{ load() error }); ok {
		if err := l.load(); err != nil {
			fmt.Fprintf(stderr, "coffeeshop %s: invalid settings:\n  %v\n", node.Path(), err)
			return nil, "", 2
		}
	}
	return cmd, node.Path(), 0
}

// newParser builds the command line parser of c.
func newParser(c *commandLine, stdout, stderr io.Writer) (*kong.Kong, error) {
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
func parseCommand(k *kong.Kong, args []string) (*kong.Node, Command, error) {
	kctx, err := k.Parse(args)
	if err != nil {
		return nil, nil, err
	}
	cmd := kctx.Selected().Target.Addr().Interface().(Command)
	if t, ok := cmd.(interface{ readAuthToken() }); ok {
		t.readAuthToken() // a variable without a flag
	}
	if t, ok := cmd.(interface{ readSMTPPassword() }); ok {
		t.readSMTPPassword()
	}
	if t, ok := cmd.(interface{ readReceiptToken() }); ok {
		t.readReceiptToken()
	}
	return kctx.Selected(), cmd, nil
}

// validate checks the settings of the subcommand node, cmd.
func validate(node *kong.Node, cmd Command) error {
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
	case string, HostPort:
		flag += "=" + strconv.Quote(fmt.Sprint(v))
	case time.Duration:
		flag += "=" + coffeeshop.ShortDuration(v)
	default:
		flag += "=" + fmt.Sprint(v)
	}
	return fmt.Errorf("--%s: %s", flag, fmt.Sprintf(format, args...))
}

// flagMention is a flag a message names, with the value it was given.
var flagMention = regexp.MustCompile(`--([a-z][a-z0-9-]*)(="(?:[^"\\]|\\.)*"|=[^\s,:;()]+)?`)

// describeSettingErrors writes the errors of validate one a line, with the
// environment variables of each of flags they name.
func describeSettingErrors(err error, flags []*kong.Flag) string {
	envs := map[string][]string{}
	for _, f := range flags {
		envs[f.Name] = f.Envs
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
