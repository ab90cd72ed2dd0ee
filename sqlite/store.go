// Package sqlite is a coffeeshop.CustomerStore, CodeSendLedger,
// APIKeyStore and GuardStore kept in a SQLite file, for running the service
// on one machine without a database server. It uses the pure-Go
// modernc.org/sqlite driver, so no C toolchain is needed.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/sqlmigrate"

	msqlite "modernc.org/sqlite" // also registers the "sqlite" database/sql driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeoutMillis bounds how long a connection waits for a lock held by
// another connection or process before SQLite reports SQLITE_BUSY. Within
// one process writes never wait on each other at the SQLite level (see
// Store), so this only matters when several processes share the file.
const busyTimeoutMillis = 10_000

// Store is a coffeeshop.CustomerStore, CodeSendLedger, APIKeyStore and GuardStore
// backed by a SQLite file. It is safe for concurrent use.
//
// It holds two connection pools on the file: a single writer connection, so
// that the process's writes queue in Go instead of failing with
// SQLITE_BUSY, and several read-only connections, which WAL mode lets read
// while the writer writes.
type Store struct {
	writer *sql.DB
	reader *sql.DB
	// admits counts AdmitSend calls, which prune old guard rows now and
	// then.
	admits atomic.Int64
	guard  guardStmts
}

var (
	_ coffeeshop.CustomerStore  = (*Store)(nil)
	_ coffeeshop.CodeSendLedger = (*Store)(nil)
	_ coffeeshop.APIKeyStore    = (*Store)(nil)
	_ coffeeshop.GuardStore     = (*Store)(nil)
)

// Open opens the SQLite database file at path, creating the file and its
// directory when missing, switches it to WAL journaling with
// synchronous=NORMAL, and brings its schema up to date. Several processes
// may open the same file; their writes wait for each other up to a busy
// timeout. Close the store when done.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: database path: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create database directory: %w", err)
	}

	// BEGIN IMMEDIATE takes the write lock when a transaction starts; with
	// the default DEFERRED a transaction that reads and then writes can
	// fail with SQLITE_BUSY at once when another process wrote meanwhile,
	// which the busy timeout cannot help with.
	writer, err := sql.Open("sqlite", dsn(abs,
		"_pragma=busy_timeout("+fmt.Sprint(busyTimeoutMillis)+")",
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(NORMAL)",
		"_txlock=immediate",
	))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)

	ctx := context.Background()
	// Connecting creates the file and sets WAL mode before any reader
	// opens it; migrating now means readers never see a missing table.
	if err := migrate(ctx, writer); err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", abs, err)
	}

	reader, err := sql.Open("sqlite", dsn(abs,
		"_pragma=busy_timeout("+fmt.Sprint(busyTimeoutMillis)+")",
		"_pragma=query_only(1)",
	))
	if err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	reader.SetConnMaxLifetime(0)
	reader.SetConnMaxIdleTime(0)
	if err := reader.PingContext(ctx); err != nil {
		_ = writer.Close()
		_ = reader.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	return &Store{writer: writer, reader: reader}, nil
}

// dsn makes a driver data source name for the file at abs. The path goes
// into a file: URI, escaped, so that names with '?', '#' or '%' work.
func dsn(abs string, params ...string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), OmitHost: true}
	s := u.String()
	for i, p := range params {
		if i == 0 {
			s += "?"
		} else {
			s += "&"
		}
		s += p
	}
	return s
}

// Close closes the database. Calls in flight may fail; the store cannot be
// used afterwards.
func (s *Store) Close() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}

// Ping reports whether the database file can be read.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// migrate brings the schema up to date. Processes that open a new file
// together (a worker and an api started side by side) race to switch it to
// WAL mode and to migrate it, and in that race SQLite answers SQLITE_BUSY at
// once, without waiting out the busy timeout; such a migration is tried
// again until the busy timeout has passed.
func migrate(ctx context.Context, writer *sql.DB) error {
	deadline := time.Now().Add(busyTimeoutMillis * time.Millisecond)
	for {
		_, err := sqlmigrate.Migrate(ctx, writer, migrations, "migrations",
			sqlmigrate.Options{Table: "schema_migrations"})
		var se *msqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqliteBusy || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sqliteBusy is SQLite's primary result code SQLITE_BUSY.
const sqliteBusy = 5
