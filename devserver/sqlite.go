package devserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/server/common/config"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"google.golang.org/protobuf/types/known/durationpb"
)

// The SQLite files inside Config.DataDir: the server's state, and its
// visibility records (the lists and counts of workflows the Web UI shows).
//
// Visibility has a file of its own because each file has its own
// connection, and SQLite runs one statement per connection at a time:
// visibility writes (a record when a workflow starts and another when it
// closes, each touching every index of its table) took a quarter of the
// server's CPU and, sharing the connection, held up every workflow task
// behind them. Apart, the trivial-workflow ceiling rose from about 50 to
// about 70 workflows/s on a 2-core machine (docs/benchmarks.md).
const (
	dbFileName         = "temporal.db"
	visibilityFileName = "visibility.db"
)

// scratchInfix names the scratch files a new database is made in:
// temporal.db.init-<random>.
const scratchInfix = ".init-"

// sqlConfig returns the persistence settings for the SQLite file at path.
//
// Durability: journal_mode=wal with synchronous=normal. SQLite then syncs
// the write-ahead log only at checkpoints, not at every commit. A crash of
// the process (panic, SIGKILL, OOM kill) loses nothing that was committed:
// the commits are in the log file, and the operating system writes it out.
// A power loss or kernel crash can lose the last transactions committed
// before it, but never corrupts the file. The rollback-journal default
// (synchronous=full) would survive power loss too, at about half the
// throughput, which is not worth it for a development server.
//
// wal_autocheckpoint: the log is copied back into the database file once it
// holds 10,000 pages (40 MB) rather than SQLite's default 1,000. Each
// checkpoint syncs and blocks the connection while it runs; fewer, larger
// ones cost less in all. It changes nothing about durability, and the log
// file is truncated back at the next checkpoint after it is restarted.
//
// busy_timeout lets the server wait for a short lock held by an outside
// reader (a sqlite3 shell, a backup) instead of failing the request.
//
// The plugin keeps its default of one connection: SQLite allows one writer
// at a time anyway, and more connections would trade that for "database is
// locked" retries.
func sqlConfig(path string) *config.SQL {
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: path,
		ConnectAttributes: map[string]string{
			"mode":               "rwc",
			"journal_mode":       "wal",
			"synchronous":        "normal",
			"wal_autocheckpoint": "10000",
			"busy_timeout":       "10000",
		},
	}
}

// prepareDatabases makes sure both SQLite files exist in dataDir with the
// Temporal schema and that namespace exists. It returns the paths of the
// files that it created. The caller must hold the data dir's lock.
func prepareDatabases(dataDir, clusterName, namespace string, retention time.Duration) (created []string, err error) {
	path := filepath.Join(dataDir, dbFileName)
	ok, err := prepareDatabase(path, clusterName, namespace, retention)
	if err != nil {
		return nil, err
	}
	if ok {
		created = append(created, path)
	}
	// The visibility file holds the whole schema too; the tables that are
	// not visibility's stay empty. A data dir made before visibility had
	// its own file gets a new, empty one: the Web UI then lists only the
	// workflows that started or closed since.
	vis := filepath.Join(dataDir, visibilityFileName)
	if ok, err = ensureDatabase(vis); err != nil {
		return nil, err
	}
	if ok {
		created = append(created, vis)
	}
	if err := trimVisibility(context.Background(), vis); err != nil {
		return created, err
	}
	return created, nil
}

// prepareDatabase makes sure the SQLite file at path exists with the
// Temporal schema, and that namespace exists in it. It reports whether the
// file was created. The caller must hold the data dir's lock.
func prepareDatabase(path, clusterName, namespace string, retention time.Duration) (created bool, err error) {
	if created, err = ensureDatabase(path); err != nil {
		return false, err
	}

	// Creating a namespace that exists is a no-op, so this runs on every
	// start; a namespace changed in Config simply appears next to the old.
	// An existing namespace's retention is set through the frontend
	// (ensureRetention).
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, namespace, false, nil)
	if err != nil {
		return created, fmt.Errorf("devserver: namespace %q: %w", namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(retention)
	if err := sqliteschema.CreateNamespaces(sqlConfig(path), ns); err != nil {
		return created, fmt.Errorf("devserver: create namespace %q: %w", namespace, err)
	}
	return created, nil
}

// ensureDatabase creates the SQLite file at path with the Temporal schema
// unless it exists, and reports whether it did. Scratch files of a setup
// cut off by a crash, never used and never needed, are removed first.
func ensureDatabase(path string) (created bool, err error) {
	if stale, err := filepath.Glob(path + scratchInfix + "*"); err == nil {
		for _, f := range stale {
			_ = os.Remove(f)
		}
	}
	switch _, err := os.Stat(path); {
	case errors.Is(err, fs.ErrNotExist):
		if err := createDatabase(path); err != nil {
			return false, err
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("devserver: database file: %w", err)
	}
	return false, nil
}

// createDatabase writes the schema into a scratch file next to path and
// renames it into place, so that a crash during the setup never leaves a
// half-made database behind that the next start would take for a real one.
func createDatabase(path string) error {
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return fmt.Errorf("devserver: create database: %w", err)
	}
	// The SQLite plugin keeps every connection it opened for the life of the
	// process, keyed by file name and attributes; a name used once must
	// never be reused, hence the random part.
	scratch := path + scratchInfix + hex.EncodeToString(suffix)
	fail := func(err error) error {
		_ = os.Remove(scratch)
		return fmt.Errorf("devserver: create database in %s: %w", filepath.Dir(path), err)
	}
	// The schema is some sixty statements, each its own transaction. The
	// scratch file needs no crash safety (a crash leaves it unused), so
	// SQLite neither syncs nor keeps a journal file; the one sync below
	// makes it durable before it gets its real name, which makes the
	// first start several times faster (docs/benchmarks.md).
	cfg := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: scratch,
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "memory",
			"synchronous":  "off",
		},
	}
	if err := sqliteschema.SetupSchema(cfg); err != nil {
		return fail(err)
	}
	if err := syncPath(scratch); err != nil {
		return fail(err)
	}
	if err := os.Rename(scratch, path); err != nil {
		return fail(err)
	}
	// Make the rename itself durable. Not every system can sync a
	// directory; the file is complete either way.
	_ = syncPath(filepath.Dir(path))
	return nil
}

// syncPath flushes the file or directory at path to stable storage.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
