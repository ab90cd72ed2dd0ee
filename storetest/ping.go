package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/google/uuid"
)

func testPing(t *testing.T, s coffeeshop.CustomerStore) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func testCanceledContext(t *testing.T, s coffeeshop.CustomerStore) {
	c := newCustomer()
	insert(t, s, c)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	calls := map[string]func() error{
		"InsertCustomer": func() error { return s.InsertCustomer(ctx, newCustomer()) },
		"GetCustomer": func() error {
			_, err := s.GetCustomer(ctx, c.ID)
			return err
		},
		"GetCustomers": func() error {
			_, err := s.GetCustomers(ctx, []string{c.ID, uuid.NewString()})
			return err
		},
		"MarkPhoneVerified": func() error { return s.MarkPhoneVerified(ctx, c.ID) },
		"DeleteCustomer":    func() error { return s.DeleteCustomer(ctx, c.ID) },
		"Ping":              func() error { return s.Ping(ctx) },
	}
	wantCanceled(t, calls)
	// None of those calls happened.
	sameCustomer(t, get(t, s, c.ID), c)
}

// wantCanceled makes each call, with a canceled context, and checks that
// it fails with an EINTERNAL error that wraps context.Canceled.
func wantCanceled(t *testing.T, calls map[string]func() error) {
	t.Helper()
	for name, call := range calls {
		err := call()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context: error %v, want one wrapping context.Canceled", name, err)
		}
		if code := coffeeshop.ErrorCode(err); code != coffeeshop.EINTERNAL {
			t.Errorf("%s with a canceled context: code %q, want %q", name, code, coffeeshop.EINTERNAL)
		}
	}
}
