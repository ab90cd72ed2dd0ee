package storetest

import (
	"strconv"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/google/uuid"
)

func testCreateGetRoundTrip(t *testing.T, s coffeeshop.CustomerStore) {
	cases := []*coffeeshop.Customer{
		newCustomer(),
		{
			ID:          uuid.NewString(),
			FirstName:   "Zoë",
			LastName:    "Ñúñez-Łukasiewicz",
			Email:       "zoë@exämple.com",
			PhoneNumber: "+33 6 12 34 56 78",
		},
		{
			ID:            uuid.NewString(),
			FirstName:     "山田",
			LastName:      "太郎 ☕🚀",
			Email:         "taro+coffee@example.jp",
			PhoneNumber:   "+81-90-1234-5678",
			PhoneVerified: true, // stored as given, not forced to false
		},
		{
			// Characters that break naively built SQL.
			ID:          uuid.NewString(),
			FirstName:   "O'Brien",
			LastName:    `"; DROP TABLE customers; --`,
			Email:       `a\b%_c@example.com`,
			PhoneNumber: "$1 ?",
		},
		{
			// Empty fields round-trip too; validating them is not the
			// store's job.
			ID: uuid.NewString(),
		},
	}
	for _, c := range cases {
		want := *c
		insert(t, s, c)
		want.CreatedAt = c.CreatedAt
		sameCustomer(t, c, &want) // InsertCustomer changed nothing else
		sameCustomer(t, get(t, s, c.ID), &want)
	}
}

func testCreateSetsCreatedAt(t *testing.T, s coffeeshop.CustomerStore) {
	c := newCustomer()
	c.CreatedAt = time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC) // must be overwritten
	// Stores may keep time to the microsecond only; widen the window by that.
	before := time.Now().Add(-time.Microsecond)
	insert(t, s, c)
	after := time.Now().Add(time.Microsecond)
	if c.CreatedAt.Before(before) || c.CreatedAt.After(after) {
		t.Fatalf("CreatedAt = %v, want between %v and %v", c.CreatedAt, before, after)
	}
	got := get(t, s, c.ID)
	if !got.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("stored CreatedAt = %v, InsertCustomer set %v", got.CreatedAt, c.CreatedAt)
	}
}

func testCreateDuplicateID(t *testing.T, s coffeeshop.CustomerStore) {
	c := newCustomer()
	insert(t, s, c)
	want := *c

	dup := newCustomer()
	dup.ID = c.ID
	dup.FirstName = "Mallory"
	err := s.InsertCustomer(t.Context(), dup)
	wantCode(t, err, coffeeshop.ECONFLICT, "second create with the same ID")

	dup.ID = upper(c.ID)
	err = s.InsertCustomer(t.Context(), dup)
	wantCode(t, err, coffeeshop.ECONFLICT, "second create with the same ID in upper case")

	sameCustomer(t, get(t, s, c.ID), &want)
}

func testCreateInvalidID(t *testing.T, s coffeeshop.CustomerStore) {
	id := uuid.New()
	bad := []string{
		"",
		"not-a-uuid",
		"' OR 1=1 --",
		"{" + id.String() + "}",                 // braces
		"urn:uuid:" + id.String(),               // URN
		id.String()[:35] + "g",                  // not hex
		id.String()[:8] + id.String()[9:] + "0", // hyphen moved
		"00000000000000000000000000000000",      // no hyphens
		id.String() + " ",                       // trailing space
		"\u0000" + id.String()[1:],              // NUL byte
	}
	for _, b := range bad {
		c := newCustomer()
		c.ID = b
		err := s.InsertCustomer(t.Context(), c)
		wantCode(t, err, coffeeshop.EINVALID, "create with ID "+strconv.Quote(b))
	}
	err := s.InsertCustomer(t.Context(), nil)
	wantCode(t, err, coffeeshop.EINVALID, "create with a nil customer")
}

func testIDLetterCase(t *testing.T, s coffeeshop.CustomerStore) {
	c := newCustomer()
	lower := c.ID
	c.ID = upper(lower)
	insert(t, s, c)
	if c.ID != lower {
		t.Fatalf("InsertCustomer set ID %q, want the lower-case form %q", c.ID, lower)
	}
	for _, id := range []string{lower, upper(lower)} {
		if got := get(t, s, id); got.ID != lower {
			t.Errorf("GetCustomer(%q).ID = %q, want %q", id, got.ID, lower)
		}
	}
}
