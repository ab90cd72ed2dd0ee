package coffeeshop

import "context"

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
	default:
		return "UNSPECIFIED"
	}
}

// Terminal reports whether r ends a verification.
func (r VerificationResult) Terminal() bool {
	return r == VerificationSuccess || r == VerificationMaxAttemptsReached
}

// Verifier runs phone verifications: it sends a customer a one-time code and
// checks the codes the customer sends back.
type Verifier interface {
	// StartVerification starts the verification of c's phone number. It
	// fails with ECONFLICT when a verification for c exists already.
	StartVerification(ctx context.Context, c *Customer) error

	// Verify checks code against the customer's current code and returns the
	// result of this very attempt. On a verification that has ended it
	// returns the final result again and consumes nothing. It fails with
	// ENOTFOUND when the customer has no verification and EINVALID when the
	// code is malformed.
	Verify(ctx context.Context, customerID, code string) (VerificationResult, error)
}

// SMSSender sends text messages.
type SMSSender interface {
	// SendSMS sends body to the phone number to. An error wrapping a
	// coffeeshop Error with code EINVALID means the message can never be
	// sent (for example an invalid number) and must not be retried.
	SendSMS(ctx context.Context, to, body string) error
}
