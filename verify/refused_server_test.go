package verify_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/verify"
)

// refusingStore refuses, as PostgreSQL does, a first name with a NUL, and
// counts the inserts tried.
type refusingStore struct {
	*sqlite.Store
	inserts atomic.Int32
}

func (r *refusingStore) InsertCustomer(ctx context.Context, c *coffeeshop.Customer) error {
	r.inserts.Add(1)
	if strings.ContainsRune(c.FirstName, 0) {
		return coffeeshop.Errorf(coffeeshop.EINVALID, "%s cannot be stored: NUL", coffeeshop.FieldFirstName)
	}
	return r.Store.InsertCustomer(ctx, c)
}

// A value the store refuses is the client's mistake: the create answers
// EINVALID at once, also when repeated, and the store step is not retried.
func TestStoreRefusesValueOnServer(t *testing.T) {
	refusing := &refusingStore{}
	s := newStackWith(t, verify.FixedCode("1234"), verify.Client{}, func(a *verify.Activities) {
		refusing.Store = a.Store.(*sqlite.Store)
		a.Store = refusing
	})
	bad := newCustomer(1)
	bad.FirstName = "\x00"
	for _, step := range []string{"first", "repeat"} {
		start := time.Now()
		_, err := s.create(bad, "req-nul")
		if coffeeshop.ErrorCode(err) != coffeeshop.EINVALID ||
			coffeeshop.ErrorMessage(err) != "customer.first_name cannot be stored: NUL" {
			t.Errorf("%s: %v (%s), want EINVALID naming the field", step, err, coffeeshop.ErrorCode(err))
		}
		// The store step's first retry would come after a second.
		if d := time.Since(start); d > 900*time.Millisecond {
			t.Errorf("%s took %v", step, d)
		}
	}
	if n := refusing.inserts.Load(); n != 1 {
		t.Errorf("%d inserts, want 1 (no retries)", n)
	}
	other := *bad
	other.LastName = "M"
	if _, err := s.create(&other, "req-nul"); coffeeshop.ErrorCode(err) != coffeeshop.ECONFLICT {
		t.Errorf("other body with the request_id: %v, want ECONFLICT", err)
	}
	if _, err := s.store.GetCustomer(ctx(t), verify.CustomerID("req-nul")); coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
		t.Errorf("refused customer stored: %v", err)
	}
	if n := s.sms.count(); n != 0 {
		t.Errorf("%d texts, want none", n)
	}
}
