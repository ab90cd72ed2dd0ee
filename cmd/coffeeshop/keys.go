package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/cli"
	"github.com/coffeeshop/coffeeshop/postgres"
)

// keysTimeout bounds a keys or guard command: opening the store (a
// PostgreSQL server that does not answer, a SQLite file another process
// holds) and its few statements.
const keysTimeout = time.Minute

// runKeys runs keys create, list or revoke against the store the command's
// flags name. It opens the store as the service does, so it works while
// the service runs.
func runKeys(ctx context.Context, cmd cli.Command, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, keysTimeout)
	defer cancel()
	st, kind, target, err := openCommandStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer st.Close()
	switch c := cmd.(type) {
	case *cli.KeysCreate:
		return createKey(ctx, st, c, storeName(kind, target), stdout)
	case *cli.KeysList:
		return listKeys(ctx, st, stdout)
	case *cli.KeysRevoke:
		return revokeKey(ctx, st, c.ID, stdout)
	}
	return fmt.Errorf("not a keys command: %T", cmd)
}

// createKey makes a key, stores its hash and prints it: a few lines for
// people, then the key alone on the last line, for scripts (| tail -n 1).
func createKey(ctx context.Context, st coffeeshop.APIKeyStore, c *cli.KeysCreate, where string, stdout io.Writer) error {
	key, k, err := coffeeshop.NewAPIKey(c.KeyName(), c.KeyScopes())
	if err != nil {
		return fmt.Errorf("%s", coffeeshop.ErrorMessage(err))
	}
	if err := st.InsertAPIKey(ctx, k); err != nil {
		return fmt.Errorf("store the key: %w", err)
	}
	_, err = fmt.Fprintf(stdout, `created API key %s
  name:    %s
  scopes:  %s
  store:   %s
The key is shown only this once: only a hash of it is stored. Keep it in a
secret store; revoke it with: coffeeshop keys revoke %s
%s
`, k.ID, strconv.Quote(k.Name), scopeList(k.Scopes), where, k.ID, key)
	return err
}

// listKeys prints a line per key and nothing else, oldest first, in columns
// aligned with spaces: ID, name, scopes, created, last used, revoked. The
// name is quoted (Go syntax), so one with spaces stays one column and odd
// characters show; the other columns never hold spaces, so `awk '{print
// $1}'` gives the IDs. Times are RFC 3339 in UTC, to the second.
func listKeys(ctx context.Context, st coffeeshop.APIKeyStore, stdout io.Writer) error {
	keys, err := st.ListAPIKeys(ctx)
	if err != nil {
		return fmt.Errorf("list the keys: %w", err)
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, k := range keys {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, strconv.Quote(k.Name), scopeList(k.Scopes),
			stamp(k.CreatedAt, ""), stamp(k.LastUsedAt, "never"), stamp(k.RevokedAt, "no"))
	}
	return w.Flush()
}

// revokeKey revokes the key with the given ID and says so; a key revoked
// before stays revoked at its first time, which it prints.
func revokeKey(ctx context.Context, st coffeeshop.APIKeyStore, id string, stdout io.Writer) error {
	at := time.Now().UTC().Truncate(time.Microsecond)
	err := st.RevokeAPIKey(ctx, id, at)
	if coffeeshop.ErrorCode(err) == coffeeshop.ENOTFOUND {
		return fmt.Errorf("no API key has the ID %s (keys list shows them)", id)
	} else if err != nil {
		return fmt.Errorf("revoke the key: %w", err)
	}
	k, err := st.GetAPIKey(ctx, id)
	if err != nil {
		return fmt.Errorf("read the revoked key back: %w", err)
	}
	if k.RevokedAt.Equal(at) {
		_, err = fmt.Fprintf(stdout, "revoked %s\n", id)
	} else {
		_, err = fmt.Fprintf(stdout, "%s was already revoked at %s\n", id, stamp(k.RevokedAt, ""))
	}
	return err
}

// scopeList writes scopes comma-separated, without spaces.
func scopeList(scopes []coffeeshop.Scope) string {
	names := make([]string, len(scopes))
	for i, s := range scopes {
		names[i] = string(s)
	}
	return strings.Join(names, ",")
}

// stamp writes t in RFC 3339, UTC, to the second; zero as none.
func stamp(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}

// openCommandStore opens the store that the flags of a keys or guard
// command name, as the service opens it, so that it works while the
// service runs; it also returns the store's kind and target.
func openCommandStore(ctx context.Context, cmd cli.Command) (st store, kind, target string, err error) {
	f := cmd.(interface{ Database() *cli.StoreFlags }).Database()
	if kind, target, err = f.Store(); err != nil {
		return nil, "", "", err
	}
	st, err = openStoreAt(ctx, kind, target)
	return st, kind, target, err
}

// storeName says which database a store is, without a password.
func storeName(kind, target string) string {
	if kind == "postgres" {
		return "PostgreSQL " + postgres.RedactURL(target)
	}
	return "SQLite " + target
}
