package coffeeshop

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps to one HTTP and one gRPC status, in the api package
// only.
const (
	ECONFLICT    = "conflict"    // the request conflicts with existing state
	EINTERNAL    = "internal"    // a failure of the service itself
	EINVALID     = "invalid"     // the request is malformed
	ENOTFOUND    = "not_found"   // the thing asked for does not exist
	EUNAVAILABLE = "unavailable" // a dependency is down; retrying may help
	ETOOMANY     = "too_many"    // a limit was reached; retry after Error.RetryAfter
	// EUNDELIVERABLE: a text message cannot be delivered to the phone
	// number (invalid, not a mobile, unsubscribed, or the SMS provider
	// refuses the account); retrying the same send will not help.
	EUNDELIVERABLE = "undeliverable"
	// EUNAUTHENTICATED: the call carries no valid credential (missing,
	// malformed, unknown, revoked or expired).
	EUNAUTHENTICATED = "unauthenticated"
	// EFORBIDDEN: the credential is valid but does not allow this call.
	EFORBIDDEN = "forbidden"
)

// Error is an error a client may see: its Message is written for the client
// and never holds internal details.
type Error struct {
	Code    string
	Message string
	// RetryAfter, when positive, is how long the client should wait before
	// trying again (the HTTP Retry-After header). It goes with ETOOMANY.
	RetryAfter time.Duration
	// Reason, when set, is a machine-readable reason for the client (one
	// of the Reason constants, e.g. ReasonPrefixBlocked), sent in the
	// error details next to the status.
	Reason string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("coffeeshop error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any
// other error, and "" for a nil error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the *Error in err's chain, and a
// generic message for any other error, so that internal details never reach
// a client. It returns "" for a nil error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorRetryAfter returns the RetryAfter of the *Error in err's chain, and 0
// when there is none.
func ErrorRetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// ErrorReason returns the Reason of the *Error in err's chain, and "" when
// there is none.
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
