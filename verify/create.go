package verify

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Application error types of the create step.
const (
	// errTypeInUse: the customer could not be stored because another one
	// has its phone number or email; the message names the field and the
	// detail is the body hash of the create.
	errTypeInUse = "CustomerInUse"
	// errTypeRequestReused: a create reached a workflow whose create was
	// made with another body, that is, a request_id was reused.
	errTypeRequestReused = "RequestIDReused"
	// errTypeNotCreate: the running verification did not create its
	// customer (a resend started it); the customer exists already.
	errTypeNotCreate = "NotACreate"
	// errTypeNoCustomer: the verification belongs to a create that failed,
	// so there is no customer to verify.
	errTypeNoCustomer = "NoCustomer"
)

// NewCustomer is what a verification that creates its customer (see
// Params.Create) writes to the store in its first step.
type NewCustomer struct {
	FirstName string
	LastName  string
	Email     string
	// BodyHash is BodyHash of the customer; a CreateUpdate with another
	// hash is refused as a reused request_id.
	BodyHash string
}

// CreateRequest is the argument of CreateUpdate.
type CreateRequest struct {
	BodyHash string
}

// BodyHash returns a digest of the fields a client chooses when it creates
// c: the names, the email and the phone number (normalized before). Two
// creates are the same request exactly when their hashes are equal.
func BodyHash(c *coffeeshop.Customer) string {
	h := sha256.New()
	for _, f := range []string{c.FirstName, c.LastName, c.Email, c.PhoneNumber} {
		// Length-prefixed, so that no two field lists share an encoding.
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// StoreCustomer is the activity that stores the customer of a
// verification that creates it. It is idempotent: when the customer exists
// already with the same fields (a retry after a lost completion, or after a
// worker crash), that is success. A phone number or email in use by another
// customer fails it for good, with the store's message naming the field.
func (a *Activities) StoreCustomer(ctx context.Context, c coffeeshop.Customer) (coffeeshop.Customer, error) {
	c.PhoneVerified = false
	err := a.Store.InsertCustomer(ctx, &c)
	if err == nil {
		return c, nil
	}
	if coffeeshop.ErrorCode(err) != coffeeshop.ECONFLICT {
		return coffeeshop.Customer{}, err
	}
	// Either this very customer exists (an earlier try wrote it), or the
	// phone number or email belongs to someone else.
	got, gerr := a.Store.GetCustomer(ctx, c.ID)
	switch {
	case gerr == nil && BodyHash(got) == BodyHash(&c):
		return *got, nil
	case gerr == nil:
		// Only a UUID collision gets here: retrying will not help.
		return coffeeshop.Customer{}, temporal.NewNonRetryableApplicationError(
			"a different customer has this ID", errTypeRequestReused, nil)
	case coffeeshop.ErrorCode(gerr) != coffeeshop.ENOTFOUND:
		return coffeeshop.Customer{}, gerr
	}
	return coffeeshop.Customer{}, temporal.NewNonRetryableApplicationError(
		coffeeshop.ErrorMessage(err), errTypeInUse, nil, BodyHash(&c))
}

// createOptions: as storeOptions, but an insert takes milliseconds, so
// a try whose worker died is given up on sooner: the client creating the
// customer waits for it.
var createOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 5 * time.Second,
	RetryPolicy:         retryForever,
}

// creation is the create step of a verification: whether it has run, and
// its outcome.
type creation struct {
	done     bool
	customer coffeeshop.Customer
	// failed is the step's error when the customer could not be stored.
	failed error
}

// create runs the create step and records its outcome. A failure ends the
// verification before any code is sent.
func (v *verification) create(ctx workflow.Context) {
	actx := workflow.WithLocalActivityOptions(ctx, createOptions)
	nc := v.params.Create
	in := coffeeshop.Customer{ID: v.params.CustomerID, FirstName: nc.FirstName, LastName: nc.LastName,
		Email: nc.Email, PhoneNumber: v.params.PhoneNumber}
	err := workflow.ExecuteLocalActivity(actx, StoreCustomerActivity, in).Get(ctx, &v.created.customer)
	if err != nil {
		// Only a permanent failure gets here (the activity is retried
		// otherwise): keep what the client must learn, drop the wrapping.
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			var hash string
			_ = appErr.Details(&hash)
			err = temporal.NewNonRetryableApplicationError(appErr.Message(), appErr.Type(), nil, hash)
		}
		v.created.failed = err
	}
	v.created.done = true
}

// validateCreate refuses a CreateUpdate that does not belong to this
// verification before it reaches history.
func (v *verification) validateCreate(ctx workflow.Context, r CreateRequest) error {
	switch {
	case v.params.Create == nil:
		return temporal.NewNonRetryableApplicationError("this verification did not create its customer", errTypeNotCreate, nil)
	case r.BodyHash != v.params.Create.BodyHash:
		return requestReused()
	}
	return nil
}

const msgRequestReused = "request_id was already used for a different customer"

func requestReused() error {
	return temporal.NewNonRetryableApplicationError(msgRequestReused, errTypeRequestReused, nil)
}

// createdCustomer is the CreateUpdate handler: it answers with the stored
// customer once the create step has run, or with the step's failure.
func (v *verification) createdCustomer(ctx workflow.Context, r CreateRequest) (coffeeshop.Customer, error) {
	if err := workflow.Await(ctx, func() bool { return v.created.done }); err != nil {
		return coffeeshop.Customer{}, err
	}
	if v.created.failed != nil {
		return coffeeshop.Customer{}, v.created.failed
	}
	return v.created.customer, nil
}

// noCustomer is the answer to attempts and resends on a verification whose
// create failed.
func noCustomer() error {
	return temporal.NewNonRetryableApplicationError("the customer does not exist", errTypeNoCustomer, nil)
}
