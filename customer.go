// Package coffeeshop holds the domain of the coffeeshop phone-verification
// service: customers, the verification results a customer can get, the
// interfaces of the parts that store customers, run verifications and send
// text messages, and the coded errors every part speaks.
//
// The package imports only the standard library. Each dependency lives in a
// package of its own (sqlite, postgres, verify, sms, api, devserver) and only
// cmd/coffeeshop wires them together.
package coffeeshop

import (
	"context"
	"time"
)

// Customer is a person who signed up and whose phone number is verified by a
// one-time code.
type Customer struct {
	// ID is a UUID chosen by the service when the customer is created.
	ID        string
	FirstName string
	LastName  string
	Email     string
	// PhoneNumber is the number the verification code is sent to.
	PhoneNumber string
	// PhoneVerified is true once the customer sent back the right code.
	PhoneVerified bool
	// CreatedAt is set by the store when the customer is created.
	CreatedAt time.Time
	// Locale is the BCP 47 language tag a create asked the texts in; empty
	// means the phone number's country decides. Not stored: it only
	// travels from a create to the verification it starts, and it is not
	// part of the create's identity (a retry with another locale is the
	// same create, texted in the first one's language). Left out of JSON
	// when empty, so that customers in workflow payloads read as before.
	Locale string `json:",omitempty"`
}

// CustomerStore keeps customers. Implementations must be safe for concurrent
// use.
type CustomerStore interface {
	// InsertCustomer inserts c, whose ID must be set. It fails with ECONFLICT
	// when a customer with that ID exists already, and with the error of
	// InUseError when another customer has c's phone number or (ignoring
	// letter case) email address. CreatedAt is set on c.
	InsertCustomer(ctx context.Context, c *Customer) error

	// GetCustomer returns the customer with the given ID, or an ENOTFOUND
	// error.
	GetCustomer(ctx context.Context, id string) (*Customer, error)

	// GetCustomers returns the customers with the given IDs, in the order of
	// ids. IDs with no customer are left out; a repeated ID is returned once.
	GetCustomers(ctx context.Context, ids []string) ([]*Customer, error)

	// MarkPhoneVerified sets PhoneVerified on the customer with the given ID.
	// It is idempotent: marking a verified customer again succeeds. It fails
	// with ENOTFOUND when there is no such customer.
	MarkPhoneVerified(ctx context.Context, id string) error

	// DeleteCustomer removes the customer with the given ID. Deleting a
	// customer that does not exist succeeds.
	DeleteCustomer(ctx context.Context, id string) error

	// Ping reports whether the store is reachable.
	Ping(ctx context.Context) error
}

// CodeSendLedger records the codes sent to each phone number, across
// customers and verifications, so that a cap on them holds. Implementations
// must be safe for concurrent use; the SQLite and PostgreSQL customer stores
// are also ledgers.
type CodeSendLedger interface {
	// RecordCodeSent counts the codes sent to phone in the window that ends
	// at at, and records a send at at only when fewer than limit were sent.
	// It reports whether the send is allowed and, when not, how long until
	// the oldest counted send leaves the window. Counting and recording are
	// one atomic step, so concurrent callers, in this process or others
	// sharing the ledger, never get more than limit sends allowed. Records
	// survive restarts; ones older than the window may be pruned.
	//
	// A non-empty key names the send: a call with the key of a send recorded
	// in the window is allowed and records nothing more, so the retries of
	// one send count once, also when an earlier try's outcome was lost.
	RecordCodeSent(ctx context.Context, phone, key string, at time.Time, window time.Duration, limit int) (allowed bool, retryAfter time.Duration, err error)
}

// InUseError is the ECONFLICT error for a field whose value another
// customer has already.
func InUseError(field string) error {
	return Errorf(ECONFLICT, "%s is already used by another customer", field)
}
