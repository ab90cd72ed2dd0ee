package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/storetest"
	"github.com/google/uuid"
)

func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
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
		return open(t, filepath.Join(t.TempDir(), "customers.db"))
	})
}

func TestLedgerContract(t *testing.T) {
	storetest.RunLedger(t, func(t *testing.T) coffeeshop.CodeSendLedger {
		return open(t, filepath.Join(t.TempDir(), "customers.db"))
	})
}

func TestAPIKeyContract(t *testing.T) {
	storetest.RunAPIKeys(t, func(t *testing.T) coffeeshop.APIKeyStore {
		return open(t, filepath.Join(t.TempDir(), "customers.db"))
	})
}

func TestGuardContract(t *testing.T) {
	storetest.RunGuard(t, func(t *testing.T) coffeeshop.GuardStore {
		return open(t, filepath.Join(t.TempDir(), "customers.db"))
	})
}

func BenchmarkAdmitSend(b *testing.B) {
	storetest.BenchmarkAdmitSend(b, open(b, filepath.Join(b.TempDir(), "customers.db")))
}

func BenchmarkCreateGet(b *testing.B) {
	storetest.BenchmarkCreateGet(b, open(b, filepath.Join(b.TempDir(), "customers.db")))
}

func TestOpenCreatesFileAndDirectory(t *testing.T) {
	// A name with characters that mean something in a URI.
	path := filepath.Join(t.TempDir(), "new dir", "data?#%.db")
	open(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not created: %v", err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "customers.db")
	c := &coffeeshop.Customer{ID: uuid.NewString(), FirstName: "Émile", PhoneNumber: "+1"}

	first, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.InsertCustomer(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	// Opening again migrates nothing and finds the customer.
	second := open(t, path)
	got, err := second.GetCustomer(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.FirstName != c.FirstName || !got.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("after reopening got %+v, want %+v", got, c)
	}
}

func TestOpenFailures(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte("this is not a SQLite database, not even close......"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"", filepath.Join(notDir, "x.db"), dir, garbage} {
		if s, err := sqlite.Open(path); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
}

// Two stores on one file stand for two processes (an API and a worker):
// their writes must wait for each other instead of failing with
// SQLITE_BUSY.
func TestTwoStoresOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	stores := []*sqlite.Store{open(t, path), open(t, path)}
	const perStore = 200
	errs := make(chan error, 2*perStore)
	done := make(chan struct{})
	for _, s := range stores {
		go func() {
			defer func() { done <- struct{}{} }()
			for range perStore {
				id := uuid.NewString()
				// Phone and email are unique per customer; the ID makes them so.
				c := &coffeeshop.Customer{ID: id, Email: id + "@example.com", PhoneNumber: id}
				if err := s.InsertCustomer(context.Background(), c); err != nil {
					errs <- err
					return
				}
				if err := s.MarkPhoneVerified(context.Background(), c.ID); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	<-done
	<-done
	close(errs)
	for err := range errs {
		t.Errorf("write failed: %v", err)
	}
}

func TestClosedStore(t *testing.T) {
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "closed.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	err = s.Ping(t.Context())
	if err == nil {
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

// Processes that start together on a new file (dev's worker and api, or
// split-mode parts sharing a SQLite file) each migrate it on open: the
// opens must wait for each other instead of failing with SQLITE_BUSY.
func TestConcurrentOpensOfANewFile(t *testing.T) {
	for round := range 10 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("new-%d.db", round))
		const n = 4
		errs := make(chan error, n)
		for range n {
			go func() {
				s, err := sqlite.Open(path)
				if err == nil {
					s.Close()
				}
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: open: %v", round, err)
			}
		}
	}
}
