package storetest

import (
	"slices"
	"strconv"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/google/uuid"
)

// notUUIDs are IDs that can name no customer.
var notUUIDs = []string{"", "nope", "' OR 1=1 --", "12345678-1234-1234-1234-1234567890zz"}

func testGetNotFound(t *testing.T, s coffeeshop.CustomerStore) {
	insert(t, s, newCustomer()) // so that the table is not empty
	for _, id := range append([]string{uuid.NewString()}, notUUIDs...) {
		c, err := s.GetCustomer(t.Context(), id)
		wantCode(t, err, coffeeshop.ENOTFOUND, "GetCustomer("+strconv.Quote(id)+")")
		if c != nil {
			t.Errorf("GetCustomer(%q) returned %+v with its error", id, c)
		}
	}
}

func testGetReturnsCopy(t *testing.T, s coffeeshop.CustomerStore) {
	c := newCustomer()
	insert(t, s, c)
	want := *c
	c.FirstName = "changed after create"
	got := get(t, s, c.ID)
	got.LastName = "changed after get"
	sameCustomer(t, get(t, s, c.ID), &want)
}

func testGetCustomers(t *testing.T, s coffeeshop.CustomerStore) {
	a, b, c := newCustomer(), newCustomer(), newCustomer()
	b.FirstName, b.PhoneVerified = "Bob", true
	c.FirstName = "Chloé"
	for _, x := range []*coffeeshop.Customer{a, b, c} {
		insert(t, s, x)
	}
	unknown := uuid.NewString()

	got, err := s.GetCustomers(t.Context(), []string{
		c.ID, unknown, a.ID, c.ID, "not-a-uuid", upper(a.ID), b.ID, "", unknown,
	})
	if err != nil {
		t.Fatalf("GetCustomers: %v", err)
	}
	if want := []string{c.ID, a.ID, b.ID}; !slices.Equal(ids(got), want) {
		t.Fatalf("GetCustomers returned IDs %v, want %v", ids(got), want)
	}
	sameCustomer(t, got[0], c)
	sameCustomer(t, got[1], a)
	sameCustomer(t, got[2], b)

	for name, in := range map[string][]string{
		"nil":          nil,
		"empty":        {},
		"only unknown": {unknown, uuid.NewString(), "x"},
	} {
		got, err := s.GetCustomers(t.Context(), in)
		if err != nil {
			t.Errorf("GetCustomers(%s): %v", name, err)
		} else if got == nil || len(got) != 0 {
			t.Errorf("GetCustomers(%s) = %#v, want an empty, non-nil slice", name, got)
		}
	}
}

func testGetCustomersMany(t *testing.T, s coffeeshop.CustomerStore) {
	// More IDs than any placeholder-per-ID query would like, mostly unknown.
	const known, total = 50, 5000
	var in, want []string
	for i := range total {
		id := uuid.NewString()
		if i%(total/known) == 0 {
			c := newCustomer()
			c.ID, c.FirstName = id, "n"+strconv.Itoa(i)
			insert(t, s, c)
			want = append(want, id)
		}
		in = append(in, id)
	}
	slices.Reverse(in)
	slices.Reverse(want)
	got, err := s.GetCustomers(t.Context(), in)
	if err != nil {
		t.Fatalf("GetCustomers(%d IDs): %v", total, err)
	}
	if !slices.Equal(ids(got), want) {
		t.Fatalf("GetCustomers(%d IDs) returned %d customers in order %v, want %v", total, len(got), ids(got), want)
	}
}
