package sqlmigrate

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"slices"
)

// Options tell Apply how to work with one kind of database.
type Options struct {
	// Table names the table that records applied versions; it is created
	// when missing. It must be a plain lower-case SQL identifier. Each set of
	// migrations needs a table of its own.
	Table string

	// Lock, when not empty, is the first statement of the migration
	// transaction. It must block while another migrator holds the lock and
	// release the lock when the transaction ends, like PostgreSQL's
	// "SELECT pg_advisory_xact_lock(42)". It keeps processes that start at
	// the same moment from racing to create the same tables. SQLite needs
	// none when its transactions begin IMMEDIATE, which takes the
	// database's single write lock.
	Lock string

	// Logger receives one line per applied migration; nil means
	// slog.Default().
	Logger *slog.Logger
}

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Apply runs, in a single transaction, each migration of ms whose version
// the version table does not list yet, in version order, and records it. It
// returns the versions it applied, none when the schema is up to date, so
// calling it again is harmless. Versions in the table that ms does not know
// (recorded by a newer release) are left alone.
//
// Because everything runs in one transaction, a failing migration leaves
// the database as it was, and migrations must not contain statements that
// cannot run in a transaction (PostgreSQL's CREATE INDEX CONCURRENTLY,
// SQLite's VACUUM or journal_mode changes). The driver must accept $1-style
// placeholders, as pgx and modernc.org/sqlite both do.
func Apply(ctx context.Context, db *sql.DB, ms []Migration, opts Options) (applied []int64, err error) {
	if !identifier.MatchString(opts.Table) {
		return nil, fmt.Errorf("sqlmigrate: table name %q is not a plain identifier", opts.Table)
	}
	ms = slices.SortedFunc(slices.Values(ms), func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlmigrate: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback() // the error that made us roll back matters more
		}
	}()

	if opts.Lock != "" {
		if _, err := tx.ExecContext(ctx, opts.Lock); err != nil {
			return nil, fmt.Errorf("sqlmigrate: lock: %w", err)
		}
	}
	// Plain types that mean the same in SQLite and PostgreSQL.
	create := `CREATE TABLE IF NOT EXISTS ` + opts.Table + ` (
		version BIGINT PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
	)`
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return nil, fmt.Errorf("sqlmigrate: create version table: %w", err)
	}
	done, err := appliedVersions(ctx, tx, opts.Table)
	if err != nil {
		return nil, err
	}

	insert := `INSERT INTO ` + opts.Table + ` (version, name) VALUES ($1, $2)`
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return nil, fmt.Errorf("sqlmigrate: migration %d_%s: %w", m.Version, m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, insert, m.Version, m.Name); err != nil {
			return nil, fmt.Errorf("sqlmigrate: record migration %d_%s: %w", m.Version, m.Name, err)
		}
		applied = append(applied, m.Version)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlmigrate: commit: %w", err)
	}
	for _, m := range ms {
		if slices.Contains(applied, m.Version) {
			log.InfoContext(ctx, "applied migration", "table", opts.Table, "version", m.Version, "name", m.Name)
		}
	}
	return applied, nil
}

func appliedVersions(ctx context.Context, tx *sql.Tx, table string) (map[int64]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM `+table)
	if err != nil {
		return nil, fmt.Errorf("sqlmigrate: read versions: %w", err)
	}
	defer rows.Close()
	done := make(map[int64]bool)
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("sqlmigrate: read versions: %w", err)
		}
		done[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlmigrate: read versions: %w", err)
	}
	return done, nil
}

// Migrate loads the migrations in directory dir of fsys (see Load) and
// applies them (see Apply).
func Migrate(ctx context.Context, db *sql.DB, fsys fs.FS, dir string, opts Options) ([]int64, error) {
	ms, err := Load(fsys, dir)
	if err != nil {
		return nil, err
	}
	return Apply(ctx, db, ms, opts)
}
