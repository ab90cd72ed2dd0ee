package cli

import (
	"flag"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the settings table of docs/operations.md from the flags")

const (
	operationsDoc = "../../docs/operations.md"
	tableStart    = "<!-- settings table: generated from internal/cli/cli.go by `go test ./internal/cli -run TestSettingsTable -update-docs` -->\n"
	tableEnd      = "<!-- end of settings table -->\n"
)

// TestSettingsTable checks that the settings table of docs/operations.md
// is the one the flags' definitions make, so the two cannot drift.
func TestSettingsTable(t *testing.T) {
	var c commandLine
	k, err := newParser(&c, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := settingsTable(k)
	doc, err := os.ReadFile(operationsDoc)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(doc), tableStart)
	_, after, ok2 := strings.Cut(rest, tableEnd)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the markers of the settings table", operationsDoc)
	}
	if *updateDocs {
		if err := os.WriteFile(operationsDoc, []byte(before+tableStart+want+tableEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got, _, _ := strings.Cut(rest, tableEnd); got != want {
		t.Errorf("the settings table of %s differs from the flags; run go test ./internal/cli -run TestSettingsTable -update-docs\ngot:\n%s\nwant:\n%s", operationsDoc, got, want)
	}
}

// settingsTable renders every flag of every subcommand as a Markdown
// table: flag, variables, default (per subcommand where they differ),
// subcommands, meaning.
func settingsTable(k *kong.Kong) string {
	type row struct {
		flag     *kong.Flag
		defaults []string // "value (commands)"
		commands []string
	}
	var rows []*row
	byKey := map[string]*row{}
	for _, cmd := range k.Model.Leaves(false) { // "keys create", not "keys"
		for _, f := range cmd.Flags {
			if f.Name == "help" {
				continue
			}
			key := f.Name + " " + strings.Join(f.Envs, ",")
			r := byKey[key]
			if r == nil {
				r = &row{flag: f}
				byKey[key] = r
				rows = append(rows, r)
			}
			r.commands = append(r.commands, cmd.Path())
			def := f.Tag.Get("doc-default")
			switch {
			case def != "":
			case f.Default == "" && f.IsBool():
				def = "`false`"
			case f.Default == "":
				def = "none"
			default:
				def = "`" + f.Default + "`"
			}
			r.defaults = append(r.defaults, def)
		}
	}
	var b strings.Builder
	b.WriteString("| flag | environment variable | default | used by | meaning |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		f := r.flag
		name := "`--" + f.Name + "`"
		if f.Short != 0 {
			name = "`-" + string(f.Short) + "`, " + name
		}
		var envs []string
		for _, e := range f.Envs {
			envs = append(envs, "`"+e+"`")
		}
		b.WriteString("| " + name + " | " + strings.Join(envs, " or ") + " | " + defaultsCell(r.defaults, r.commands) +
			" | " + strings.Join(r.commands, ", ") + " | " + strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(f.Help) + " |\n")
	}
	return b.String()
}

// defaultsCell writes one default, or each with the subcommands it is
// the default of.
func defaultsCell(defaults, commands []string) string {
	if len(slices.Compact(slices.Clone(defaults))) == 1 {
		return defaults[0]
	}
	var order []string
	of := map[string][]string{}
	for i, d := range defaults {
		if of[d] == nil {
			order = append(order, d)
		}
		of[d] = append(of[d], commands[i])
	}
	var parts []string
	for _, d := range order {
		parts = append(parts, d+" ("+strings.Join(of[d], ", ")+")")
	}
	return strings.Join(parts, ", ")
}
