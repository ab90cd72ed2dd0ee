// Package signup is the page a person signs up on: a server-rendered form
// for their name, email and phone, the code step, and the end that says the
// phone is verified. It talks to coffeeshop only through Backend, so the
// API's validation, rate limits and SMS pumping guard apply unchanged.
package signup

import (
	"context"
	"errors"
	"net/http"

	"github.com/coffeeshop/coffeeshop"
)

// Backend is what the page asks of coffeeshop: the API's own handlers, with the API's validation,
// rate limits and guard, for the person whose request r is (its client address as the API reads it).
// Errors are coffeeshop coded errors (coffeeshop.ErrorCode, ErrorMessage, ErrorReason,
// ErrorRetryAfter) as the API would answer them; Field, when set, names the request field an
// EINVALID or ECONFLICT error concerns (coffeeshop.FieldFirstName, …, FieldPhoneNumber, FieldVerificationCode).
type Backend interface {
	SignUp(ctx context.Context, r *http.Request, c NewCustomer) (customerID, token string, err error)
	Verify(ctx context.Context, r *http.Request, token, customerID, code string) (coffeeshop.VerificationResult, error)
	Resend(ctx context.Context, r *http.Request, token, customerID string) (*coffeeshop.Verification, error)
	Status(ctx context.Context, r *http.Request, token, customerID string) (*coffeeshop.Verification, error)
}

// NewCustomer is the form's fields as the person typed them.
type NewCustomer struct{ FirstName, LastName, Email, PhoneNumber, RequestID string }

// FieldError is how a Backend says which field an EINVALID or ECONFLICT error concerns.
type FieldError struct {
	Field string
	Err   error
}

// Error is the wrapped error's message.
func (e *FieldError) Error() string { return e.Err.Error() }

// Unwrap gives the wrapped error, so coffeeshop.ErrorCode and friends see it.
func (e *FieldError) Unwrap() error { return e.Err }

// FieldOf is the field a *FieldError in err's chain names, "" when there is none.
func FieldOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}
