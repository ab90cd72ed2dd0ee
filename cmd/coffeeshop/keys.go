package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/coffeeshop/coffeeshop/internal/admin"
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
		return admin.CreateKey(ctx, st, c.KeyName(), c.KeyScopes(), storeName(kind, target), stdout)
	case *cli.KeysList:
		return admin.ListKeys(ctx, st, stdout)
	case *cli.KeysRevoke:
		return admin.RevokeKey(ctx, st, c.ID, time.Now().UTC().Truncate(time.Microsecond), stdout)
	}
	return fmt.Errorf("not a keys command: %T", cmd)
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
