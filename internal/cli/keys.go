package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/kong"

	"github.com/coffeeshop/coffeeshop"
)

// Keys manages the API keys of the backends that call the API. Its
// subcommands open the customer database themselves, so they work while
// the service runs (SQLite and PostgreSQL both let several processes
// share the database).
type Keys struct {
	Create KeysCreate `cmd:"" help:"Creates an API key and prints it once, alone on the last line of stdout; only a hash of it is stored. Without --scope the key has every scope."`
	List   KeysList   `cmd:"" help:"Prints a line per API key, oldest first: ID, name (quoted), scopes, created, last used, revoked."`
	Revoke KeysRevoke `cmd:"" help:"Revokes the API key with the given ID: every api process refuses it within seconds. Revoking a revoked key changes nothing."`
}

// StoreFlags name the database a command that works on the service's
// store (keys, guard) opens: dev's SQLite file in --data-dir, or the
// database of --database-url.
type StoreFlags struct {
	DataDir     string `name:"data-dir" nonempty:"" env:"COFFEESHOP_DATA_DIR" default:"./.coffeeshop" help:"dev's data folder; the command works on its customer store (customers.db) unless --database-url is given"`
	DatabaseURL string `name:"database-url" env:"DATABASE_URL" doc-default:"dev's store in --data-dir" help:"the customer database of the worker and api processes, postgres://… or sqlite:…; given, it is used instead of --data-dir"`
}

// KeysCreate creates a key.
type KeysCreate struct {
	StoreFlags
	Name   string    `name:"name" env:"COFFEESHOP_KEY_NAME" help:"who or what uses the key, shown by keys list (required; up to 100 characters of visible text)"`
	Scopes scopeList `name:"scope" env:"COFFEESHOP_KEY_SCOPES" placeholder:"SCOPE[,SCOPE...]" doc-default:"every scope" help:"what the key may do; repeat the flag or separate with commas: customers:read (get, batchGet), customers:write (create), verifications:read (verification status), verifications:write (verify, resendCode)"`
}

// KeysList lists the keys.
type KeysList struct {
	StoreFlags
}

// KeysRevoke revokes a key.
type KeysRevoke struct {
	StoreFlags
	ID string `arg:"" name:"id" help:"the key's ID, as keys list shows it (16 hex characters); never the key itself"`
}

// MaxKeyNameLength bounds an API key's name, in characters.
const MaxKeyNameLength = 100

// scopeList is the --scope values, each checked as it is parsed. A value
// may hold several scopes separated by commas; an empty one is refused, so
// that `--scope ""` cannot quietly mean every scope.
type scopeList []coffeeshop.Scope

func (l *scopeList) Decode(ctx *kong.DecodeContext) error {
	var v string
	if err := ctx.Scan.PopValueInto("scope", &v); err != nil {
		return err
	}
	for _, name := range strings.Split(v, ",") {
		s, err := coffeeshop.ParseScope(strings.TrimSpace(name))
		if err != nil {
			return errors.New(coffeeshop.ErrorMessage(err))
		}
		*l = append(*l, s)
	}
	return nil
}

func (c *KeysCreate) validate() error {
	errs := c.StoreFlags.validate()
	if err := CheckKeyName(c.Name); err != nil {
		errs = append(errs, badSetting("name", c.Name, "%v", err))
	}
	return errors.Join(errs...)
}

func (c *KeysList) validate() error { return errors.Join(c.StoreFlags.validate()...) }

func (c *KeysRevoke) validate() error {
	errs := c.StoreFlags.validate()
	// The argument is never echoed: it may be a key or a secret pasted by
	// mistake.
	switch {
	case strings.HasPrefix(c.ID, coffeeshop.APIKeyPrefix):
		errs = append(errs, errors.New("ID: that is a whole API key, not its ID; give only the ID, which keys list shows (a key on a command line leaks into shell history and the process list: if it was a real key, consider it exposed and rotate it)"))
	case !coffeeshop.ValidAPIKeyID(c.ID):
		errs = append(errs, errors.New("ID: not an API key ID: an ID is 16 lowercase hex characters, as keys list shows it"))
	}
	return errors.Join(errs...)
}

func (f *StoreFlags) validate() []error {
	if f.DatabaseURL == "" {
		return nil
	}
	if _, _, err := ParseDatabaseURL(f.DatabaseURL); err != nil {
		return []error{badSetting("database-url", nil, "%v", err)}
	}
	return nil
}

// Store says which database to open: ("postgres", url) or ("sqlite",
// path), --database-url's or else dev's file in --data-dir.
func (f *StoreFlags) Store() (kind, target string, err error) {
	if f.DatabaseURL != "" {
		return ParseDatabaseURL(f.DatabaseURL)
	}
	return "sqlite", filepath.Join(f.DataDir, "customers.db"), nil
}

// KeyName is the name of the new key, trimmed.
func (c *KeysCreate) KeyName() string { return strings.TrimSpace(c.Name) }

// KeyScopes are the scopes of the new key as given; none means every
// scope (coffeeshop.NewAPIKey).
func (c *KeysCreate) KeyScopes() []coffeeshop.Scope {
	return slices.Clone(c.Scopes)
}

// CheckKeyName reports why name cannot name an API key: after trimming
// spaces it must be 1 to MaxKeyNameLength characters of visible text
// (letters, marks, digits, punctuation, symbols and spaces; no control or
// format characters, which could disguise it in keys list).
func CheckKeyName(name string) error {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case !utf8.ValidString(name):
		return errors.New("must be UTF-8 text")
	case n == 0:
		return errors.New("is required: say who or what uses the key")
	case n > MaxKeyNameLength:
		return fmt.Errorf("has %d characters; at most %d", n, MaxKeyNameLength)
	}
	for _, r := range name {
		if !unicode.IsGraphic(r) {
			return fmt.Errorf("must be visible text; it has the character %U", r)
		}
	}
	return nil
}

// Database gives the store flags of the keys and guard subcommands.
func (f *StoreFlags) Database() *StoreFlags { return f }
