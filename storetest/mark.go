package storetest

import (
	"strconv"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/google/uuid"
)

func testMarkPhoneVerified(t *testing.T, s coffeeshop.CustomerStore) {
	c, other := newCustomer(), newCustomer()
	insert(t, s, c)
	insert(t, s, other)

	if err := s.MarkPhoneVerified(t.Context(), c.ID); err != nil {
		t.Fatalf("MarkPhoneVerified: %v", err)
	}
	want := *c
	want.PhoneVerified = true
	sameCustomer(t, get(t, s, c.ID), &want) // only PhoneVerified changed
	sameCustomer(t, get(t, s, other.ID), other)

	// Idempotent: a retried mark succeeds and changes nothing, and so
	// does one spelled in upper case.
	for _, id := range []string{c.ID, upper(c.ID)} {
		if err := s.MarkPhoneVerified(t.Context(), id); err != nil {
			t.Fatalf("MarkPhoneVerified(%q) on a verified customer: %v", id, err)
		}
	}
	sameCustomer(t, get(t, s, c.ID), &want)
}

func testMarkPhoneVerifiedNotFound(t *testing.T, s coffeeshop.CustomerStore) {
	insert(t, s, newCustomer()) // so that the table is not empty
	for _, id := range append([]string{uuid.NewString()}, notUUIDs...) {
		err := s.MarkPhoneVerified(t.Context(), id)
		wantCode(t, err, coffeeshop.ENOTFOUND, "MarkPhoneVerified("+strconv.Quote(id)+")")
	}
}
