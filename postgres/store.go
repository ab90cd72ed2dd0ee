// Package postgres is a coffeeshop.CustomerStore, CodeSendLedger,
// APIKeyStore and GuardStore kept in PostgreSQL, for running several
// service processes (API servers and workers) against one database.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/sqlmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrateLock serializes migrators of one schema: processes started
// together (an API and a worker) would otherwise race to create the same
// tables. The key is derived from the schema, so that migrators of other
// schemas in the same database (tests, say) do not wait for each other.
// The lock is held until the migration transaction ends.
const migrateLock = `SELECT pg_advisory_xact_lock(
	hashtextextended('coffeeshop.customers.migrate:' || coalesce(current_schema(), ''), 0))`

// Store is a coffeeshop.CustomerStore, CodeSendLedger, APIKeyStore and GuardStore
// backed by a PostgreSQL connection pool. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	// admits counts AdmitSend calls, which prune old guard rows now and
	// then.
	admits atomic.Int64
}

var (
	_ coffeeshop.CustomerStore  = (*Store)(nil)
	_ coffeeshop.CodeSendLedger = (*Store)(nil)
	_ coffeeshop.APIKeyStore    = (*Store)(nil)
	_ coffeeshop.GuardStore     = (*Store)(nil)
)

// Open connects to the PostgreSQL database at url and brings its schema up
// to date. url is a postgres:// URL or a keyword/value string as pgx
// accepts them; parameters pgx does not know, such as search_path, are sent
// to the server as run-time parameters, so tables live in the first schema
// of a search_path given there. Several processes may Open the same
// database at once: migrations take an advisory lock. Open fails when the
// server cannot be reached before ctx ends. Close the store when done.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse database URL: %w", err)
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "coffeeshop"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	// The pool connects lazily; connect now so that a wrong URL fails
	// here and not in the first request.
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}

	// The runner speaks database/sql; this view borrows the pool's
	// connections and closing it leaves the pool open.
	db := stdlib.OpenDBFromPool(pool)
	_, err = sqlmigrate.Migrate(ctx, db, migrations, "migrations", sqlmigrate.Options{
		Table: "schema_migrations",
		Lock:  migrateLock,
	})
	err = errors.Join(err, db.Close())
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Close closes the pool's connections, waiting for calls in flight to
// return them. It always returns nil; the error result makes Store an
// io.Closer like the SQLite store.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping reports whether the server answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}
