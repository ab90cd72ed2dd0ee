package pgtest

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestURLGivesOwnSchema(t *testing.T) {
	var schema string
	t.Run("inner", func(t *testing.T) {
		u := URL(t)
		// A connection made from the URL alone, as another process would,
		// creates its tables in the schema.
		conn, err := pgx.Connect(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if err := conn.QueryRow(t.Context(), "SELECT current_schema()").Scan(&schema); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(schema, "test_") {
			t.Fatalf("current_schema() = %q, want a test_ schema", schema)
		}
		if _, err := conn.Exec(t.Context(), "CREATE TABLE t (x int)"); err != nil {
			t.Fatal(err)
		}
		var where string
		err = conn.QueryRow(t.Context(), "SELECT table_schema FROM information_schema.tables WHERE table_name = 't' AND table_schema = $1", schema).Scan(&where)
		if err != nil {
			t.Fatalf("table not created in %s: %v", schema, err)
		}
		if other := URL(t); other == u {
			t.Fatalf("two calls returned the same URL %s", u)
		}
	})
	if schema == "" {
		t.Fatal("inner test set no schema")
	}

	// The inner test's cleanup dropped the schema.
	conn, err := pgx.Connect(t.Context(), serverURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("schema %s still exists after the test ended", schema)
	}
}

func TestDatabaseGivesOwnDatabase(t *testing.T) {
	var name string
	t.Run("inner", func(t *testing.T) {
		u := Database(t)
		// Left open on purpose: the cleanup must end it to drop the
		// database, as it must a killed program's sessions.
		conn, err := pgx.Connect(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		cfg, err := pgx.ParseConfig(u)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, "test_") || cfg.Database != name {
			t.Fatalf("connected to database %q through %s; want the test_ database the URL names", name, u)
		}
		if other := Database(t); other == u {
			t.Fatalf("two calls returned the same URL %s", u)
		}
	})
	if name == "" {
		t.Fatal("inner test connected to no database")
	}

	// The inner test's cleanup dropped the database.
	conn, err := pgx.Connect(t.Context(), serverURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("database %s still exists after the test ended", name)
	}
}

func TestWithSearchPath(t *testing.T) {
	for base, want := range map[string]string{
		"postgres://u:p@h:5432/db?sslmode=disable":         "postgres://u:p@h:5432/db?search_path=s1&sslmode=disable",
		"postgresql://h/db?search_path=old":                "postgresql://h/db?search_path=s1",
		"host=h dbname=db":                                 "host=h dbname=db search_path=s1",
		"host=h dbname=db search_path=old user=postgres  ": "host=h dbname=db search_path=old user=postgres   search_path=s1",
	} {
		got, err := withSearchPath(base, "s1")
		if err != nil || got != want {
			t.Errorf("withSearchPath(%q) = %q, %v; want %q", base, got, err, want)
		}
		// pgx reads the result as meant.
		cfg, err := pgx.ParseConfig(got)
		if err != nil {
			t.Errorf("pgx cannot parse %q: %v", got, err)
		} else if sp := cfg.RuntimeParams["search_path"]; sp != "s1" {
			t.Errorf("pgx reads search_path %q from %q, want s1", sp, got)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h/db": "postgres://u:xxxxx@h/db",
		"host=h password=secret":   "host=h password=xxxxx",
		"postgres://u@h/db":        "postgres://u@h/db",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// recorder stands in for a test to observe how URL gives up.
type recorder struct {
	testing.TB
	mu      sync.Mutex
	skipped string
	failed  string
}

func (r *recorder) Helper() {}

func (r *recorder) Skip(args ...any) {
	r.mu.Lock()
	r.skipped = strings.TrimSpace(fmt.Sprint(args...))
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) {
	r.mu.Lock()
	r.failed = strings.TrimSpace(fmt.Sprint(args...))
	r.mu.Unlock()
	runtime.Goexit()
}

// run calls URL(r) on a goroutine of its own, since giving up ends it.
func (r *recorder) run() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		URL(r)
	}()
	<-done
}

func TestUnreachable(t *testing.T) {
	// A port nobody listens on any more.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	t.Setenv("DATABASE_URL", "postgres://postgres:hunter2@"+addr+"/test?sslmode=disable&connect_timeout=5")

	t.Setenv("CI", "")
	r := &recorder{TB: t}
	r.run()
	if r.skipped == "" || r.failed != "" {
		t.Fatalf("outside CI: skipped %q, failed %q; want a skip", r.skipped, r.failed)
	}
	for _, want := range []string{addr, "docker run", "DATABASE_URL"} {
		if !strings.Contains(r.skipped, want) {
			t.Errorf("skip message %q does not mention %q", r.skipped, want)
		}
	}
	if strings.Contains(r.skipped, "hunter2") {
		t.Errorf("skip message %q shows the password", r.skipped)
	}

	t.Setenv("CI", "true")
	r = &recorder{TB: t}
	r.run()
	if r.failed == "" || r.skipped != "" {
		t.Fatalf("with CI=true: skipped %q, failed %q; want a failure", r.skipped, r.failed)
	}
}
