package api

import (
	"context"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/pgtest"
	"github.com/coffeeshop/coffeeshop/postgres"
	"github.com/coffeeshop/coffeeshop/sqlite"
)

// The authorization matrix and the revocation bound against the real key
// stores: SQLite (dev's) and PostgreSQL (pgtest's database per test).

var (
	_ coffeeshop.APIKeyStore = (*sqlite.Store)(nil)
	_ coffeeshop.APIKeyStore = (*postgres.Store)(nil)
)

func TestAuthMatrixSQLite(t *testing.T) {
	runAuthMatrix(t, openStore(t))
}

func TestAuthMatrixPostgres(t *testing.T) {
	runAuthMatrix(t, openPostgres(t))
}

func TestAuthRevokeSQLite(t *testing.T) {
	runAuthRevoke(t, openStore(t))
}

func TestAuthRevokePostgres(t *testing.T) {
	runAuthRevoke(t, openPostgres(t))
}

// openPostgres opens a PostgreSQL store in a schema of its own, closed at
// the end of the test.
func openPostgres(t *testing.T) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// runAuthRevoke: a key revoked in the store is refused once KeyCacheTTL
// has passed, and its last use is recorded.
func runAuthRevoke(t *testing.T, keys coffeeshop.APIKeyStore) {
	e := newAuthEnv(t, keys)
	key := e.newKey(t)
	id, _, _ := coffeeshop.ParseAPIKey(key)
	get := func() int { return e.h.do(t, "GET", "/v1/customers/"+e.a, "", "Authorization", "Bearer "+key).status }
	if s := get(); s != 200 {
		t.Fatalf("valid key: %d", s)
	}
	e.auth.Wait()
	k, err := keys.GetAPIKey(context.Background(), id)
	if err != nil || k.LastUsedAt.IsZero() || k.LastUsedAt.Sub(e.clock.Now()).Abs() > time.Second {
		t.Errorf("last used %v, want about %v (%v)", k.LastUsedAt, e.clock.Now(), err)
	}
	if err := keys.RevokeAPIKey(context.Background(), id, time.Now()); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(KeyCacheTTL)
	if s := get(); s != 401 {
		t.Errorf("revoked, after the cache's TTL: %d, want 401", s)
	}
}
