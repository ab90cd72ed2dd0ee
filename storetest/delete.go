package storetest

import (
	"slices"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/google/uuid"
)

func testDeleteCustomer(t *testing.T, s coffeeshop.CustomerStore) {
	c, other := newCustomer(), newCustomer()
	insert(t, s, c)
	insert(t, s, other)

	if err := s.DeleteCustomer(t.Context(), upper(c.ID)); err != nil {
		t.Fatalf("DeleteCustomer: %v", err)
	}
	_, err := s.GetCustomer(t.Context(), c.ID)
	wantCode(t, err, coffeeshop.ENOTFOUND, "GetCustomer after delete")
	err = s.MarkPhoneVerified(t.Context(), c.ID)
	wantCode(t, err, coffeeshop.ENOTFOUND, "MarkPhoneVerified after delete")
	got, err := s.GetCustomers(t.Context(), []string{c.ID, other.ID})
	if err != nil {
		t.Fatalf("GetCustomers after delete: %v", err)
	}
	if want := []string{other.ID}; !slices.Equal(ids(got), want) {
		t.Fatalf("GetCustomers after delete returned %v, want %v", ids(got), want)
	}
	sameCustomer(t, get(t, s, other.ID), other)

	// Idempotent, also for IDs that never existed or cannot exist.
	for _, id := range append([]string{c.ID, uuid.NewString()}, notUUIDs...) {
		if err := s.DeleteCustomer(t.Context(), id); err != nil {
			t.Errorf("DeleteCustomer(%q) of a missing customer: %v", id, err)
		}
	}

	// The ID is free again.
	again := newCustomer()
	again.ID, again.FirstName = c.ID, "Again"
	insert(t, s, again)
	sameCustomer(t, get(t, s, c.ID), again)
}
