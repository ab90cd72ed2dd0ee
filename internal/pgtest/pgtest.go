// Package pgtest gives each test a PostgreSQL schema of its own, so that
// tests of the PostgreSQL store and end-to-end tests of the service can run
// in parallel against one server without seeing each other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the server tests use when DATABASE_URL is not set: a local
// PostgreSQL with trust authentication and a database named test.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// connectTimeout bounds each connection attempt, so that a server that
// does not answer costs a test seconds, not minutes.
const connectTimeout = 10 * time.Second

// URL creates an empty schema with a random name in the database named by
// the environment variable DATABASE_URL, or DefaultURL when it is unset,
// and returns that URL with search_path set to the schema. Anything that
// connects with the URL, this process or another one, creates and finds
// its tables in the schema. The schema and everything in it are dropped
// when t and its subtests finish; connections using it should be closed by
// then (cleanups registered after URL run before its own).
//
// When the server cannot be reached, URL skips t with a message saying how
// to start one, or, when the environment variable CI is true, fails t:
// continuous integration must not pass by skipping.
func URL(t testing.TB) string {
	t.Helper()
	base := serverURL()
	schema := "test_" + randomHex(8)
	create(t, base, "schema", schema)
	t.Cleanup(func() { drop(t, base, schema) })

	u, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// Database creates an empty database with a random name on the server
// that URL uses and returns that server's URL naming the new database.
// It is for programs that need a database of their own rather than a
// schema, such as a Temporal server whose schema tool creates tables in
// a database's public schema. The database is dropped when t and its
// subtests finish, with any connection still open to it ended first (a
// killed process's server-side sessions may outlive it briefly).
//
// An unreachable server skips or fails t as URL does.
func Database(t testing.TB) string {
	t.Helper()
	base := serverURL()
	name := "test_" + randomHex(8)
	create(t, base, "database", name)
	t.Cleanup(func() { dropDatabase(t, base, name) })

	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatalf("pgtest: parse DATABASE_URL: %v", err)
	}
	u := &url.URL{Scheme: "postgres", Host: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), Path: "/" + name}
	switch {
	case cfg.Password != "":
		u.User = url.UserPassword(cfg.User, cfg.Password)
	case cfg.User != "":
		u.User = url.User(cfg.User)
	}
	if cfg.TLSConfig == nil {
		u.RawQuery = "sslmode=disable"
	}
	return u.String()
}

// dropDatabase ends the connections to the database and drops it.
func dropDatabase(t testing.TB, base, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Errorf("pgtest: drop database %s: %v", name, err)
		return
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name); err != nil {
		t.Errorf("pgtest: end connections to database %s: %v", name, err)
	}
	if _, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Errorf("pgtest: drop database %s: %v", name, err)
	}
}

// serverURL returns the URL of the server tests use.
func serverURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

func unreachable(t testing.TB, base string, err error) {
	t.Helper()
	msg := fmt.Sprintf("pgtest: PostgreSQL is not reachable at %s: %v\n"+
		"Start one with trust authentication and a database named test, for example\n"+
		"  docker run --rm -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:15\n"+
		"or point DATABASE_URL at another server.", redact(base), err)
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatal(msg + " (CI is true, so this fails instead of skipping.)")
	}
	t.Skip(msg)
}

// drop removes the schema. It runs after t's context is canceled, so it
// uses a context of its own.
func drop(t testing.TB, base, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Errorf("pgtest: drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		t.Errorf("pgtest: drop schema %s (is a connection still using it?): %v", schema, err)
	}
}

// withSearchPath returns base with its search_path set to schema, keeping
// base's form: a postgres:// URL or a keyword/value string.
func withSearchPath(base, schema string) (string, error) {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			return "", fmt.Errorf("parse DATABASE_URL: %w", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	// Keyword/value form; the schema name needs no quoting. A later
	// keyword wins over an earlier one.
	return base + " search_path=" + schema, nil
}

var passwordKeyword = regexp.MustCompile(`password=\S+`)

// redact hides the password in a URL or keyword/value string.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return passwordKeyword.ReplaceAllString(s, "password=xxxxx")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// create runs CREATE <kind> name on the server at base (kind "schema" or
// "database"), skipping or failing t as URL does when it cannot be reached.
func create(t testing.TB, base, kind, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		unreachable(t, base, err)
		return // not reached: unreachable ends the test
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE "+strings.ToUpper(kind)+" "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create %s %s at %s: %v", kind, name, redact(base), err)
	}
}
