package storetest

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/coffeeshop/coffeeshop"
)

// workers is how many goroutines the concurrency tests run at once: more
// than a store's usual pool, so that calls queue.
const workers = 32

func testConcurrentCreates(t *testing.T, s coffeeshop.CustomerStore) {
	const perWorker = 10
	made := make([][]*coffeeshop.Customer, workers)
	errs := parallel(workers, func(w int) error {
		for range perWorker {
			c := newCustomer()
			if err := s.InsertCustomer(t.Context(), c); err != nil {
				return err
			}
			// Read back at once, while others write.
			if _, err := s.GetCustomer(t.Context(), c.ID); err != nil {
				return err
			}
			made[w] = append(made[w], c)
		}
		return nil
	})
	for w, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: %v", w, err)
		}
	}
	all := slices.Concat(made...)
	got, err := s.GetCustomers(t.Context(), ids(all))
	if err != nil {
		t.Fatalf("GetCustomers: %v", err)
	}
	if len(got) != len(all) {
		t.Fatalf("GetCustomers found %d of the %d customers created", len(got), len(all))
	}
	for i := range all {
		sameCustomer(t, got[i], all[i])
	}
}

func testConcurrentDuplicateCreates(t *testing.T, s coffeeshop.CustomerStore) {
	id := newCustomer().ID
	errs := parallel(workers, func(int) error {
		c := newCustomer()
		c.ID = id
		return s.InsertCustomer(t.Context(), c)
	})
	created := 0
	for w, err := range errs {
		switch coffeeshop.ErrorCode(err) {
		case "":
			created++
		case coffeeshop.ECONFLICT:
		default:
			t.Errorf("worker %d: %v, want success or ECONFLICT", w, err)
		}
	}
	if created != 1 {
		t.Fatalf("%d of %d concurrent creates of one ID succeeded, want exactly 1", created, workers)
	}
}

func testConcurrentMarks(t *testing.T, s coffeeshop.CustomerStore) {
	const n = 10
	cs := make([]*coffeeshop.Customer, n)
	for i := range cs {
		cs[i] = newCustomer()
		insert(t, s, cs[i])
	}
	// Every worker marks every customer, in an order of its own, and
	// reads in between; only successes are acceptable.
	errs := parallel(workers, func(int) error {
		for _, i := range rand.Perm(n) {
			if err := s.MarkPhoneVerified(t.Context(), cs[i].ID); err != nil {
				return err
			}
			if _, err := s.GetCustomers(t.Context(), ids(cs)); err != nil {
				return err
			}
		}
		return nil
	})
	for w, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: %v", w, err)
		}
	}
	for _, c := range cs {
		want := *c
		want.PhoneVerified = true
		sameCustomer(t, get(t, s, c.ID), &want)
	}
}
