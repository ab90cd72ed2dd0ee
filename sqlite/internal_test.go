package sqlite

import (
	"path/filepath"
	"testing"
)

func TestPragmas(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, db := range []struct {
		name string
		q    string
		want string
	}{
		{"writer", "PRAGMA journal_mode", "wal"},
		{"writer", "PRAGMA synchronous", "1"}, // NORMAL
		{"writer", "PRAGMA busy_timeout", "10000"},
		{"reader", "PRAGMA journal_mode", "wal"},
		{"reader", "PRAGMA busy_timeout", "10000"},
		{"reader", "PRAGMA query_only", "1"},
	} {
		pool := s.writer
		if db.name == "reader" {
			pool = s.reader
		}
		var got string
		if err := pool.QueryRowContext(t.Context(), db.q).Scan(&got); err != nil {
			t.Fatalf("%s %s: %v", db.name, db.q, err)
		}
		if got != db.want {
			t.Errorf("%s %s = %q, want %q", db.name, db.q, got, db.want)
		}
	}
	if got := s.writer.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool allows %d connections, want 1", got)
	}
}
