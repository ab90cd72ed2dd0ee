package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
)

// toVerification returns the domain form of a workflow status.
func toVerification(customerID string, st Status) *coffeeshop.Verification {
	v := &coffeeshop.Verification{
		CustomerID:    customerID,
		AttemptsLeft:  st.AttemptsLeft,
		SendsLeft:     st.SendsLeft,
		CodeExpiresAt: st.CodeExpiresAt,
		ExpiresAt:     st.ExpiresAt,
		Delivery:      st.Delivery,
	}
	switch st.Result {
	case coffeeshop.VerificationInProgress:
		v.Status = coffeeshop.VerificationStatusInProgress
	case coffeeshop.VerificationSuccess:
		v.Status = coffeeshop.VerificationStatusVerified
	case coffeeshop.VerificationMaxAttemptsReached:
		v.Status = coffeeshop.VerificationStatusMaxAttemptsReached
	case coffeeshop.VerificationExpired:
		v.Status = coffeeshop.VerificationStatusExpired
	case coffeeshop.VerificationUndeliverable:
		v.Status = coffeeshop.VerificationStatusUndeliverable
	}
	return v
}

// sendLimitError is the client's form of a SendLimit refusal: ETOOMANY
// with the wait rounded up to whole seconds.
func sendLimitError(appErr *temporal.ApplicationError) error {
	var wait time.Duration
	_ = appErr.Details(&wait)
	wait = coffeeshop.CeilSecond(wait)
	return &coffeeshop.Error{Code: coffeeshop.ETOOMANY, RetryAfter: wait,
		Message: fmt.Sprintf("%s; retry after %s", appErr.Message(), wait)}
}

// undeliverable is the answer of a resend whose fresh code the SMS provider
// refused for good. Why it refused stays in the worker's log and the
// workflow history; the client learns what to do.
func undeliverable() error {
	return coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE,
		"the verification code could not be delivered to this phone number; check that it is a mobile number that can receive text messages, then ask for a new code")
}

func noVerification(customerID string) error {
	return coffeeshop.Errorf(coffeeshop.ENOTFOUND, "customer %s has no verification", customerID)
}

func alreadyVerified(customerID string) error {
	return coffeeshop.Errorf(coffeeshop.ECONFLICT, "customer %s is already verified", customerID)
}

// busy is the answer when concurrent resends kept replacing the
// verification under a call; a retry will find it settled.
func busy(op string) error {
	return fmt.Errorf("%s: %w", op, coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "the verification is changing, retry"))
}

// temporalError turns a Temporal client error into a coded error: the
// frontend being unreachable or overloaded is EUNAVAILABLE, anything else is
// internal. The original error stays in the chain for the log.
func temporalError(err error, op string) error {
	if err == nil {
		return nil
	}
	var unavailable *serviceerror.Unavailable
	var exhausted *serviceerror.ResourceExhausted
	var deadline *serviceerror.DeadlineExceeded
	if errors.As(err, &unavailable) || errors.As(err, &exhausted) || errors.As(err, &deadline) ||
		errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w: %w", op, coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "verification service unavailable, retry later"), err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
