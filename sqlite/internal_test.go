package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/guardrule"
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

// Admitting sends prunes the guard's rows that no window needs: after a
// day and more of sends, the prefix buckets left are the last window's and
// the verifications, keys and country buckets the last Retention's.
func TestGuardPrunes(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := coffeeshop.GuardPolicy{Window: time.Hour, MinSends: 10, MinConversion: 0.2, BlockFor: time.Minute, MaxBlock: time.Hour}
	base := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 3 * guardrule.PruneEvery
	var now time.Time
	for i := range n {
		// One send every 20 minutes, each of its own prefix and country,
		// over 100 hours.
		now = base.Add(time.Duration(i) * 20 * time.Minute)
		send := coffeeshop.GuardSend{Prefix: fmt.Sprintf("+4477%05d", i), Country: fmt.Sprintf("C%d", i), Key: fmt.Sprint("create:", i)}
		if _, err := s.AdmitSend(t.Context(), send, p, now); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordVerified(t.Context(), fmt.Sprint(i), send, now); err != nil {
			t.Fatal(err)
		}
	}
	var prefixes, countries, verified, keys int
	err = s.reader.QueryRowContext(t.Context(), `SELECT
		(SELECT count(*) FROM guard_sends WHERE scope = 'prefix'),
		(SELECT count(*) FROM guard_sends WHERE scope = 'country'),
		(SELECT count(*) FROM guard_verified),
		(SELECT count(*) FROM guard_admitted)`).Scan(&prefixes, &countries, &verified, &keys)
	if err != nil {
		t.Fatal(err)
	}
	// The last prune ran at the last send; later sends may have added
	// rows since, none here.
	if prefixes > 4 || countries > 73 || verified > 73 || keys > 73 || keys < 72 {
		t.Errorf("after %d sends over %v: %d prefix buckets, %d country buckets, %d verifications, %d keys; want at most 4, 73, 73 and 72 to 73",
			n, now.Sub(base), prefixes, countries, verified, keys)
	}
}

// A key remembered before migration 0007 has no record of what it counted:
// releasing it forgets the key and changes no count.
func TestGuardReleaseOldKey(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	send := coffeeshop.GuardSend{Prefix: "+44791112", Country: "GB", Key: "create:old"}
	p := coffeeshop.GuardPolicy{Window: time.Hour, MinSends: 10, MinConversion: 0.2, BlockFor: time.Minute, MaxBlock: time.Hour}
	if d, err := s.AdmitSend(t.Context(), send, p, now); err != nil || !d.Allowed {
		t.Fatalf("AdmitSend: %+v, %v", d, err)
	}
	// As a row of before 0007 would be.
	if _, err := s.writer.ExecContext(t.Context(), `UPDATE guard_admitted SET country = NULL, minute = NULL, budget = NULL`); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseSend(t.Context(), send); err != nil {
		t.Fatalf("ReleaseSend of an old key: %v", err)
	}
	var keys, sends int
	if err := s.reader.QueryRowContext(t.Context(), `SELECT (SELECT count(*) FROM guard_admitted), (SELECT sum(n) FROM guard_sends)`).Scan(&keys, &sends); err != nil {
		t.Fatal(err)
	}
	if keys != 0 || sends != 2 {
		t.Errorf("after the release: %d keys and %d counted (prefix and country), want 0 and 2", keys, sends)
	}
}
