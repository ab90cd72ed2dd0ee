package verify

import (
	"crypto/sha256"
	"crypto/subtle"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// validateGuess rejects a malformed argument before it reaches the
// workflow's history, so it consumes no attempt. The client checks the code
// itself before it computes the MAC; this guards against any other caller.
func validateGuess(ctx workflow.Context, g Guess) error {
	if !isMAC(g.CodeMAC) {
		return temporal.NewApplicationError(coffeeshop.FieldVerificationCode+" is malformed", errTypeInvalidCode)
	}
	return nil
}

// isMAC reports whether s has the form CodeMAC returns.
func isMAC(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// attempt is the VerifyUpdate handler: it checks one code and returns the
// result of exactly this attempt. A verification that has ended answers
// with its final result and consumes nothing.
func (v *verification) attempt(ctx workflow.Context, g Guess) (result coffeeshop.VerificationResult, failure error) {
	if err := v.mu.Lock(ctx); err != nil {
		return coffeeshop.VerificationUnspecified, err
	}
	defer v.mu.Unlock()
	if err := workflow.Await(ctx, v.codeSettled); err != nil {
		return coffeeshop.VerificationUnspecified, err
	}
	v.codeFor = workflowRequestID(ctx)
	defer func() { v.logAttempt(ctx, result, failure) }()
	if v.created.failed != nil {
		return coffeeshop.VerificationUnspecified, noCustomer()
	}
	now := workflow.Now(ctx)
	v.expireIfDue(now)
	if v.ended() {
		return v.final, nil
	}

	if !now.Before(v.codeExpiresAt) {
		return v.fail(ctx, coffeeshop.VerificationCodeExpired), nil
	}
	// Constant time, so that how long an answer takes says nothing about
	// how much of the MAC matched.
	if subtle.ConstantTimeCompare([]byte(g.CodeMAC), []byte(v.codeMAC)) != 1 {
		return v.fail(ctx, coffeeshop.VerificationIncorrectCode), nil
	}

	// SUCCESS is answered only after the store says the customer is
	// verified.
	v.phase = phaseMarking
	actx := workflow.WithLocalActivityOptions(ctx, storeOptions)
	err := workflow.ExecuteLocalActivity(actx, MarkVerifiedActivity, v.params.CustomerID).Get(ctx, nil)
	if err != nil {
		v.phase = phaseWaiting
		return coffeeshop.VerificationUnspecified, err
	}
	v.end(coffeeshop.VerificationSuccess)
	countAttempt(ctx, v.final)
	return v.final, nil
}

// fail consumes an attempt. It ends the verification when the budget is
// spent, and otherwise asks the main loop for a new code.
func (v *verification) fail(ctx workflow.Context, r coffeeshop.VerificationResult) coffeeshop.VerificationResult {
	v.attempts++
	if v.attempts >= v.params.MaxAttempts {
		v.end(coffeeshop.VerificationMaxAttemptsReached)
		countAttempt(ctx, v.final)
		return v.final
	}
	v.phase, v.reason = phaseSending, SendAfterAttempt
	countAttempt(ctx, r)
	return r
}
