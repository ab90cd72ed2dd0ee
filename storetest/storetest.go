// Package storetest holds the contract test suites of
// coffeeshop.CustomerStore (Run), coffeeshop.CodeSendLedger (RunLedger),
// coffeeshop.APIKeyStore (RunAPIKeys) and coffeeshop.GuardStore
// (RunGuard, whose own rules are on it).
// Every implementation runs them from its own tests, so that all stores
// behave alike down to the error codes.
//
// Beyond the interfaces' documentation the suites pin down these rules:
//   - IDs are UUIDs in the 36-character hyphenated form, matched without
//     regard to letter case; InsertCustomer stores and writes back the
//     lower-case form and refuses anything else with EINVALID.
//   - An ID that is not a UUID names no customer: GetCustomer and
//     MarkPhoneVerified answer ENOTFOUND, GetCustomers skips it and
//     DeleteCustomer succeeds.
//   - InsertCustomer stores every field as given, PhoneVerified included,
//     except CreatedAt, which it sets; GetCustomer returns an equal
//     CreatedAt (time.Time.Equal), so stores keep at least the precision
//     they hand out.
//   - No two customers share a phone number, or an email address compared
//     without regard to letter case: InsertCustomer answers the error of
//     coffeeshop.InUseError naming the field (the phone number when both
//     are in use) and stores nothing.
//   - GetCustomers never returns nil.
//   - RecordCodeSent counts sends after at-window (a send exactly window
//     old has left it), takes at as given rather than reading a clock,
//     records a keyed send once however often it is called with its key,
//     and answers EINVALID to a limit or window that is not positive.
//   - InsertAPIKey answers EINVALID to a key that APIKey.Validate refuses,
//     RevokeAPIKey and TouchAPIKey to a zero time; GetAPIKey and
//     RevokeAPIKey answer ENOTFOUND to any ID no key has, the empty one
//     included. API key times come back in UTC, equal (time.Time.Equal) to
//     the microsecond-aligned times given, and a key's scopes in their
//     order.
//   - A call whose context is canceled fails with an error that wraps
//     context.Canceled and has code EINTERNAL, never ENOTFOUND.
package storetest

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/google/uuid"
)

// Run runs the customer-store contract tests against stores made by open.
// Each subtest calls open once for a store of its own and may run in
// parallel with the others, so open must be safe to call concurrently; it
// should close the store with t.Cleanup and fail t when it cannot make one.
// The stores need not be empty: the tests make up fresh IDs.
func Run(t *testing.T, open func(t *testing.T) coffeeshop.CustomerStore) {
	runAll(t, open, []contractTest[coffeeshop.CustomerStore]{
		{"CreateGetRoundTrip", testCreateGetRoundTrip},
		{"CreateSetsCreatedAt", testCreateSetsCreatedAt},
		{"CreateDuplicateID", testCreateDuplicateID},
		{"CreateInvalidID", testCreateInvalidID},
		{"CreatePhoneOrEmailInUse", testCreatePhoneOrEmailInUse},
		{"IDLetterCase", testIDLetterCase},
		{"GetNotFound", testGetNotFound},
		{"GetReturnsCopy", testGetReturnsCopy},
		{"GetCustomers", testGetCustomers},
		{"GetCustomersMany", testGetCustomersMany},
		{"MarkPhoneVerified", testMarkPhoneVerified},
		{"MarkPhoneVerifiedNotFound", testMarkPhoneVerifiedNotFound},
		{"DeleteCustomer", testDeleteCustomer},
		{"Ping", testPing},
		{"CanceledContext", testCanceledContext},
		{"ConcurrentCreates", testConcurrentCreates},
		{"ConcurrentDuplicateCreates", testConcurrentDuplicateCreates},
		{"ConcurrentMarks", testConcurrentMarks},
	})
}

// RunLedger runs the contract tests of the code-send ledger against ledgers
// made by open, on the terms of Run.
func RunLedger(t *testing.T, open func(t *testing.T) coffeeshop.CodeSendLedger) {
	runAll(t, open, []contractTest[coffeeshop.CodeSendLedger]{
		{"CodeSendLimit", testCodeSendLimit},
		{"CodeSendWindowSlides", testCodeSendWindowSlides},
		{"CodeSendInvalid", testCodeSendInvalid},
		{"ConcurrentCodeSends", testConcurrentCodeSends},
		{"CodeSendKeyedOnce", testCodeSendKeyedOnce},
	})
}

// contractTest is one named test of a suite, run on a fresh S.
type contractTest[S any] struct {
	name string
	fn   func(t *testing.T, s S)
}

// runAll runs each test as a parallel subtest on an S of its own.
func runAll[S any](t *testing.T, open func(t *testing.T) S, tests []contractTest[S]) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// newCustomer returns a customer with a new ID and a phone number and email
// address no other customer of the test run has.
func newCustomer() *coffeeshop.Customer {
	n := serial.Add(1)
	return &coffeeshop.Customer{
		ID:          uuid.NewString(),
		FirstName:   "Ada",
		LastName:    "Lovelace",
		Email:       fmt.Sprintf("ada+%d@example.com", n),
		PhoneNumber: fmt.Sprintf("+1415%07d", n),
	}
}

// serial numbers the customers newCustomer makes.
var serial atomic.Int64

func insert(t *testing.T, s coffeeshop.CustomerStore, c *coffeeshop.Customer) {
	t.Helper()
	if err := s.InsertCustomer(t.Context(), c); err != nil {
		t.Fatalf("InsertCustomer(%s): %v", c.ID, err)
	}
}

func get(t *testing.T, s coffeeshop.CustomerStore, id string) *coffeeshop.Customer {
	t.Helper()
	c, err := s.GetCustomer(t.Context(), id)
	if err != nil {
		t.Fatalf("GetCustomer(%q): %v", id, err)
	}
	return c
}

// wantCode fails t unless err carries the given code. Coded errors must
// also have a message written for clients: not empty and not the generic
// text that stands for an internal failure.
func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := coffeeshop.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v has code %q, want %q", what, err, got, code)
	}
	if msg := coffeeshop.ErrorMessage(err); msg == "" || msg == "internal error" {
		t.Errorf("%s: error %v has client message %q, want a specific one", what, err, msg)
	}
}

// sameCustomer fails t unless got equals want field by field, comparing
// CreatedAt as an instant.
func sameCustomer(t *testing.T, got, want *coffeeshop.Customer) {
	t.Helper()
	if got == nil {
		t.Fatalf("got no customer, want %+v", want)
	}
	g, w := *got, *want
	if !g.CreatedAt.Equal(w.CreatedAt) {
		t.Errorf("customer %s: CreatedAt = %v, want %v", w.ID, g.CreatedAt, w.CreatedAt)
	}
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	if g != w {
		t.Errorf("customer %s:\n got %+v\nwant %+v", w.ID, g, w)
	}
}

func ids(cs []*coffeeshop.Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// parallel runs fn(i) for i in [0, n) on n goroutines released at the same
// moment, and returns their errors by index.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func upper(id string) string { return strings.ToUpper(id) }
