package coffeeshop

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// VerificationResult is the answer to one verification attempt. Its values
// match the customer.v1.VerificationResult enum of the API.
type VerificationResult int

// The verification results. The numbers are part of the wire format.
const (
	VerificationUnspecified VerificationResult = iota
	// VerificationInProgress: a code was sent and no attempt ended the
	// verification yet.
	VerificationInProgress
	// VerificationCodeExpired: the attempt came after the code expired. The
	// attempt counts and a new code is sent.
	VerificationCodeExpired
	// VerificationIncorrectCode: the code did not match. The attempt counts
	// and a new code is sent.
	VerificationIncorrectCode
	// VerificationMaxAttemptsReached: the attempt budget is spent; the
	// verification has ended unsuccessfully.
	VerificationMaxAttemptsReached
	// VerificationSuccess: the code matched and the customer is marked
	// verified in the store.
	VerificationSuccess
	// VerificationExpired: the verification window closed before a right
	// code arrived; the verification has ended unsuccessfully.
	VerificationExpired
	// VerificationUndeliverable: the SMS provider refused a code for good
	// (an invalid or landline number, an unsubscribed recipient, a
	// provider account problem); the verification has ended
	// unsuccessfully.
	VerificationUndeliverable
)

// String returns the result's name without the enum prefix.
func (r VerificationResult) String() string {
	switch r {
	case VerificationInProgress:
		return "IN_PROGRESS"
	case VerificationCodeExpired:
		return "CODE_EXPIRED"
	case VerificationIncorrectCode:
		return "INCORRECT_CODE"
	case VerificationMaxAttemptsReached:
		return "MAX_ATTEMPTS_REACHED"
	case VerificationSuccess:
		return "SUCCESS"
	case VerificationExpired:
		return "EXPIRED"
	case VerificationUndeliverable:
		return "UNDELIVERABLE"
	default:
		return "UNSPECIFIED"
	}
}

// MarshalText writes the result's name (SUCCESS, as String), so that the
// workflow payloads that carry results read as words in the Web UI.
func (r VerificationResult) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a result's name, or its number: payloads written
// before results were named carry numbers.
func (r *VerificationResult) UnmarshalText(b []byte) error {
	s := string(b)
	for v := VerificationUnspecified; v <= VerificationUndeliverable; v++ {
		if s == v.String() {
			*r = v
			return nil
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n >= int(VerificationUnspecified) && n <= int(VerificationUndeliverable) {
		*r = VerificationResult(n)
		return nil
	}
	return fmt.Errorf("unknown verification result %q", s)
}

// UnmarshalJSON reads a JSON string (a name) or a JSON number (as payloads
// written before results were named hold them); null leaves r as it is.
func (r *VerificationResult) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	return r.UnmarshalText(b)
}

// Terminal reports whether r ends a verification.
func (r VerificationResult) Terminal() bool {
	return r == VerificationSuccess || r == VerificationMaxAttemptsReached || r == VerificationExpired ||
		r == VerificationUndeliverable
}

// VerificationStatus is where a verification stands. Its values match the
// customer.v1.VerificationStatus enum of the API.
type VerificationStatus int

// The verification statuses. The numbers are part of the wire format.
const (
	VerificationStatusUnspecified VerificationStatus = iota
	// VerificationStatusInProgress: the verification waits for a code.
	VerificationStatusInProgress
	// VerificationStatusVerified: the customer sent the right code.
	VerificationStatusVerified
	// VerificationStatusMaxAttemptsReached: the attempts ran out.
	VerificationStatusMaxAttemptsReached
	// VerificationStatusExpired: the verification window closed first.
	VerificationStatusExpired
	// VerificationStatusUndeliverable: the SMS provider refused the code
	// for good.
	VerificationStatusUndeliverable
)

// String returns the status's name without the enum prefix.
func (s VerificationStatus) String() string {
	switch s {
	case VerificationStatusInProgress:
		return "IN_PROGRESS"
	case VerificationStatusVerified:
		return "VERIFIED"
	case VerificationStatusMaxAttemptsReached:
		return "MAX_ATTEMPTS_REACHED"
	case VerificationStatusExpired:
		return "EXPIRED"
	case VerificationStatusUndeliverable:
		return "UNDELIVERABLE"
	default:
		return "UNSPECIFIED"
	}
}

// Verification is the state of a customer's latest verification.
type Verification struct {
	CustomerID string
	Status     VerificationStatus
	// AttemptsLeft is the number of codes the customer may still send.
	AttemptsLeft int
	// SendsLeft is the number of codes the customer may still ask for:
	// the first code and each resend count, codes sent after a failed
	// attempt do not.
	SendsLeft int
	// CodeExpiresAt is when the current code stops working; zero when no
	// code is valid (none sent yet, or the verification has ended).
	CodeExpiresAt time.Time
	// ExpiresAt is when the verification window closes.
	ExpiresAt time.Time
	// Delivery is what is known of the current code's message; nil
	// before the first code is handed to a provider, and for
	// verifications started by builds without receipts.
	Delivery *Delivery
}

// Verifier runs phone verifications: it sends a customer a one-time code and
// checks the codes the customer sends back.
type Verifier interface {
	// SignUp stores the new customer c (its names, email and normalized
	// phone number; the ID and PhoneVerified are chosen here) together with
	// the verification of its phone number, so that neither exists without
	// the other, and returns the stored customer. A non-empty requestID
	// makes it idempotent: the same requestID with the same fields answers
	// with the same customer, with other fields ECONFLICT. A phone number
	// or email another customer has is the error of InUseError.
	SignUp(ctx context.Context, c *Customer, requestID string) (*Customer, error)

	// Verify checks code against the customer's current code and returns the
	// result of this very attempt. On a verification that has ended it
	// returns the final result again and consumes nothing. It fails with
	// ENOTFOUND when the customer has no verification and EINVALID when the
	// code is malformed; a malformed code consumes no attempt. A
	// verification that ended because its code could not be delivered
	// answers VerificationUndeliverable.
	//
	// A non-empty requestID makes the call idempotent: a repeated call with
	// the same customer and requestID returns the answer of the first one
	// and consumes nothing, also after the verification has ended.
	Verify(ctx context.Context, customerID, code, requestID string) (VerificationResult, error)

	// ResendCode texts c a fresh code; the previous code stops working. A
	// verification that ended unsuccessfully is replaced by a new one with a
	// fresh attempt budget. It fails with ECONFLICT when c is verified
	// already, and with ETOOMANY (RetryAfter set) during the cooldown after a
	// send or when the verification may send no more codes, and with
	// EUNDELIVERABLE when the SMS provider refused the fresh code for good.
	ResendCode(ctx context.Context, c *Customer) (*Verification, error)

	// GetVerification returns the state of the customer's latest
	// verification (VerificationStatusUndeliverable when it ended because
	// its code could not be delivered), or ENOTFOUND when the customer has
	// none.
	GetVerification(ctx context.Context, customerID string) (*Verification, error)
}

// SMSSender sends text messages.
type SMSSender interface {
	// SendSMS sends body to the phone number to. An error wrapping a
	// coffeeshop Error with code EUNDELIVERABLE (or EINVALID) means the
	// message can never be sent as it is (for example an invalid or
	// unsubscribed number) and must not be retried; any other error may
	// go away on retrying. The error's text is logged and kept in workflow
	// history: it must not hold the body or the full phone number.
	SendSMS(ctx context.Context, to, body string) error
}
