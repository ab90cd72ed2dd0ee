package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/pgtest"
	"github.com/coffeeshop/coffeeshop/postgres"
	"github.com/coffeeshop/coffeeshop/storetest"
)

func open(t testing.TB, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) coffeeshop.CustomerStore {
		return open(t, pgtest.URL(t))
	})
}

func TestLedgerContract(t *testing.T) {
	storetest.RunLedger(t, func(t *testing.T) coffeeshop.CodeSendLedger {
		return open(t, pgtest.URL(t))
	})
}

func TestAPIKeyContract(t *testing.T) {
	storetest.RunAPIKeys(t, func(t *testing.T) coffeeshop.APIKeyStore {
		return open(t, pgtest.URL(t))
	})
}

func TestGuardContract(t *testing.T) {
	storetest.RunGuard(t, func(t *testing.T) coffeeshop.GuardStore {
		return open(t, pgtest.URL(t))
	})
}

func BenchmarkAdmitSend(b *testing.B) {
	storetest.BenchmarkAdmitSend(b, open(b, pgtest.URL(b)))
}

func BenchmarkCreateGet(b *testing.B) {
	storetest.BenchmarkCreateGet(b, open(b, pgtest.URL(b)))
}

// Processes started together (an API and a worker) migrate one schema at
// once; the advisory lock lets exactly one of them create the tables.
func TestConcurrentOpen(t *testing.T) {
	url := pgtest.URL(t)
	const n = 8
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = postgres.Open(t.Context(), url)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	if t.Failed() {
		t.FailNow()
	}

	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var versions int
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if want := countMigrations(t); versions != want {
		t.Fatalf("schema_migrations has %d rows, want %d (one per migration)", versions, want)
	}
}

// The tables live in the schema named by the URL's search_path, and data
// outlives the store.
func TestSearchPathAndReopen(t *testing.T) {
	url := pgtest.URL(t)
	c := &coffeeshop.Customer{ID: uuid.NewString(), FirstName: "Søren"}

	first := open(t, url)
	if err := first.InsertCustomer(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	first.Close()

	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var schema, name string
	err = conn.QueryRow(t.Context(),
		"SELECT current_schema(), first_name FROM customers WHERE id = $1", c.ID).Scan(&schema, &name)
	if err != nil {
		t.Fatalf("customer not in the URL's schema: %v", err)
	}
	if name != c.FirstName {
		t.Fatalf("first_name = %q, want %q", name, c.FirstName)
	}
	var where string
	err = conn.QueryRow(t.Context(),
		"SELECT table_schema FROM information_schema.tables WHERE table_name = 'customers' AND table_schema = $1", schema).Scan(&where)
	if err != nil {
		t.Fatalf("customers table not in schema %s: %v", schema, err)
	}

	second := open(t, url)
	got, err := second.GetCustomer(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.FirstName != c.FirstName || !got.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("after reopening got %+v, want %+v", got, c)
	}
}

func TestOpenUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for _, url := range []string{
		"postgres://postgres@" + addr + "/test?sslmode=disable",
		"not a url ://",
	} {
		if s, err := postgres.Open(ctx, url); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", url)
		}
	}
}

func TestClosedStore(t *testing.T) {
	s, err := postgres.Open(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.Ping(t.Context()); err == nil {
		t.Fatal("Ping on a closed store succeeded")
	}
	_, err = s.GetCustomer(t.Context(), uuid.NewString())
	if coffeeshop.ErrorCode(err) != coffeeshop.EINTERNAL || coffeeshop.ErrorMessage(err) != "internal error" {
		t.Fatalf("GetCustomer on a closed store: %v (code %q, message %q), want an internal error",
			err, coffeeshop.ErrorCode(err), coffeeshop.ErrorMessage(err))
	}
	var e *coffeeshop.Error
	if errors.As(err, &e) {
		t.Fatalf("database failure surfaced as a client error %+v", e)
	}
}

// countMigrations counts the store's migration files.
func countMigrations(t *testing.T) int {
	t.Helper()
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migration files found: %v", err)
	}
	return len(files)
}

// Admitting sends prunes the guard's rows that no window needs: after a
// day and more of sends, the prefix buckets left are the last window's and
// the verifications, keys and country buckets the last day's.
func TestGuardPrunes(t *testing.T) {
	url := pgtest.URL(t)
	s := open(t, url)
	p := coffeeshop.GuardPolicy{Window: time.Hour, MinSends: 10, MinConversion: 0.2, BlockFor: time.Minute, MaxBlock: time.Hour}
	base := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 300 // three prunes, the last at the last send
	for i := range n {
		// One send every 20 minutes, each of its own prefix and country,
		// over 100 hours.
		now := base.Add(time.Duration(i) * 20 * time.Minute)
		send := coffeeshop.GuardSend{Prefix: fmt.Sprintf("+4477%05d", i), Country: fmt.Sprintf("C%d", i), Key: fmt.Sprint("create:", i)}
		if _, err := s.AdmitSend(t.Context(), send, p, now); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordVerified(t.Context(), fmt.Sprint(i), send, now); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var prefixes, countries, verified, keys int
	err = conn.QueryRow(t.Context(), `SELECT
		(SELECT count(*) FROM guard_sends WHERE scope = 'prefix'),
		(SELECT count(*) FROM guard_sends WHERE scope = 'country'),
		(SELECT count(*) FROM guard_verified),
		(SELECT count(*) FROM guard_admitted)`).Scan(&prefixes, &countries, &verified, &keys)
	if err != nil {
		t.Fatal(err)
	}
	if prefixes > 4 || countries > 73 || verified > 73 || keys > 73 || keys < 72 {
		t.Errorf("after %d sends over 100h: %d prefix buckets, %d country buckets, %d verifications, %d keys; want at most 4, 73, 73 and 72 to 73",
			n, prefixes, countries, verified, keys)
	}
}

// A value PostgreSQL refuses (a NUL in text) is the client's mistake:
// EINVALID naming the field, and nothing is stored.
func TestInsertCustomerRefusedValue(t *testing.T) {
	s := open(t, pgtest.URL(t))
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		c     coffeeshop.Customer
		field string
	}{
		{"NUL first name", coffeeshop.Customer{FirstName: "\x00", LastName: "Lee", Email: "a@example.com", PhoneNumber: "+447400123456"}, coffeeshop.FieldFirstName},
		{"NUL email", coffeeshop.Customer{FirstName: "Ann", LastName: "Lee", Email: "a\x00@example.com", PhoneNumber: "+447400123456"}, coffeeshop.FieldEmail},
		{"invalid UTF-8 last name", coffeeshop.Customer{FirstName: "Ann", LastName: "L\xffee", Email: "a@example.com", PhoneNumber: "+447400123456"}, coffeeshop.FieldLastName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.ID = uuid.NewString()
			err := s.InsertCustomer(ctx, &c)
			if coffeeshop.ErrorCode(err) != coffeeshop.EINVALID || !strings.HasPrefix(coffeeshop.ErrorMessage(err), tc.field+" cannot be stored") {
				t.Fatalf("InsertCustomer: %v (%s), want EINVALID naming %s", err, coffeeshop.ErrorCode(err), tc.field)
			}
			if _, err := s.GetCustomer(ctx, c.ID); coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
				t.Errorf("GetCustomer after the refusal: %v, want ENOTFOUND", err)
			}
		})
	}
}
