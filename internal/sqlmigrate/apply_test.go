package sqlmigrate

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/coffeeshop/coffeeshop/internal/pgtest"
)

// The runner must behave the same on both databases it serves.
func TestApply(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		testApply(t, db, "")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db, err := sql.Open("pgx", pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		testApply(t, db, "SELECT pg_advisory_xact_lock(1234)")
	})
}

func testApply(t *testing.T, db *sql.DB, lock string) {
	ctx := t.Context()
	opts := Options{Table: "test_versions", Lock: lock}
	ms := []Migration{
		{Version: 2, Name: "fill", SQL: "INSERT INTO a (x) VALUES (1); INSERT INTO a (x) VALUES (2);"},
		{Version: 1, Name: "create", SQL: "CREATE TABLE a (x INTEGER NOT NULL);"},
	}
	applied, err := Apply(ctx, db, ms, opts)
	if err != nil {
		t.Fatalf("first Apply: %v", err)
	}
	if !slices.Equal(applied, []int64{1, 2}) {
		t.Fatalf("first Apply applied %v, want [1 2] (in version order)", applied)
	}
	wantCount(t, db, "SELECT count(*) FROM a", 2)

	applied, err = Apply(ctx, db, ms, opts)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Apply = %v, %v; want nothing applied", applied, err)
	}
	wantCount(t, db, "SELECT count(*) FROM a", 2)

	// A failing migration undoes the whole run, earlier steps included.
	failing := append(slices.Clone(ms),
		Migration{Version: 3, Name: "b", SQL: "CREATE TABLE b (y INTEGER);"},
		Migration{Version: 4, Name: "broken", SQL: "INSERT INTO a (x) VALUES (3); INSERT INTO nowhere VALUES (1);"},
	)
	if applied, err := Apply(ctx, db, failing, opts); err == nil {
		t.Fatalf("Apply with a broken migration succeeded, applied %v", applied)
	}
	wantCount(t, db, "SELECT count(*) FROM a", 2)
	wantCount(t, db, "SELECT count(*) FROM test_versions", 2)
	if _, err := db.ExecContext(ctx, "SELECT * FROM b"); err == nil {
		t.Fatal("table b exists although its run failed")
	}

	// A version recorded by a newer release is left alone.
	if _, err := db.ExecContext(ctx, "INSERT INTO test_versions (version, name) VALUES (99, 'future')"); err != nil {
		t.Fatal(err)
	}
	applied, err = Apply(ctx, db, ms[:1], opts)
	if err != nil || len(applied) != 0 {
		t.Fatalf("Apply with a newer version recorded = %v, %v; want nothing applied", applied, err)
	}
	wantCount(t, db, "SELECT count(*) FROM test_versions", 3)
}

func wantCount(t *testing.T, db *sql.DB, query string, want int) {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if n != want {
		t.Fatalf("%s = %d, want %d", query, n, want)
	}
}

func TestApplyRejectsTableName(t *testing.T) {
	for _, name := range []string{"", "Versions", "v; DROP TABLE a", "1v"} {
		if _, err := Apply(t.Context(), nil, nil, Options{Table: name}); err == nil {
			t.Errorf("Apply with table %q succeeded", name)
		}
	}
}
