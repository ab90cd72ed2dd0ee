package verify

import (
	"time"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Application error types the workflow and the client agree on.
const (
	errTypeInvalidCode = "InvalidCode"
	errTypeSMSRejected = "SMSRejected"
)

// Params configures one verification.
type Params struct {
	CustomerID  string
	PhoneNumber string
	// CodeTTL is how long a code is valid; DefaultCodeTTL when zero.
	CodeTTL time.Duration
	// MaxAttempts is the number of codes the customer may send;
	// DefaultMaxAttempts when zero.
	MaxAttempts int
}

func (p Params) withDefaults() Params {
	if p.CodeTTL <= 0 {
		p.CodeTTL = DefaultCodeTTL
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	return p
}

// activityOptions: sends and store writes are short; they are retried with
// backoff for as long as it takes, because giving up would strand a customer
// who is waiting for a code.
var activityOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    30 * time.Second,
	},
}

// verification is the state of one VerifyPhone run. It lives only in the
// workflow's memory: Temporal rebuilds it from history after any crash, so
// no table holds it.
type verification struct {
	params    Params
	attempts  int
	code      string
	expiresAt time.Time
	// codeReady is false while a new code is being sent; attempts wait for it
	// so that each is checked against the code the customer was last sent.
	codeReady bool
	// final is the result that ended the verification, or
	// VerificationUnspecified while it runs.
	final coffeeshop.VerificationResult
	// mu serializes attempts: a handler yields while it waits for a code or
	// marks the customer verified, and no other attempt may interleave.
	mu workflow.Mutex
}

// VerifyPhone texts the customer a one-time code and answers VerifyUpdate
// attempts until one succeeds or the attempts run out. Each wrong or expired
// attempt sends a new code. It returns the final result.
func VerifyPhone(ctx workflow.Context, params Params) (coffeeshop.VerificationResult, error) {
	v := &verification{params: params.withDefaults(), mu: workflow.NewMutex(ctx)}

	// The handler is registered before anything else: an Update that reaches
	// the workflow before its handler exists is rejected.
	if err := workflow.SetUpdateHandlerWithOptions(ctx, VerifyUpdate, v.attempt,
		workflow.UpdateHandlerOptions{Validator: validateCode}); err != nil {
		return coffeeshop.VerificationUnspecified, err
	}

	ctx = workflow.WithActivityOptions(ctx, activityOptions)
	var a *Activities
	for v.final == coffeeshop.VerificationUnspecified {
		var sent SendCodeResult
		in := SendCodeInput{CustomerID: v.params.CustomerID, PhoneNumber: v.params.PhoneNumber, CodeTTL: v.params.CodeTTL}
		if err := workflow.ExecuteActivity(ctx, a.SendCode, in).Get(ctx, &sent); err != nil {
			return coffeeshop.VerificationUnspecified, err
		}
		v.code, v.expiresAt, v.codeReady = sent.Code, workflow.Now(ctx).Add(v.params.CodeTTL), true
		if err := workflow.Await(ctx, func() bool {
			return !v.codeReady || v.final != coffeeshop.VerificationUnspecified
		}); err != nil {
			return coffeeshop.VerificationUnspecified, err
		}
	}

	// Let attempts that are still being answered finish, so that every
	// caller gets its answer before the workflow closes.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return coffeeshop.VerificationUnspecified, err
	}
	return v.final, nil
}

// validateCode rejects malformed codes before they reach the workflow's
// history, so they consume no attempt.
func validateCode(ctx workflow.Context, code string) error {
	if code == "" {
		return temporal.NewApplicationError("verification_code is required", errTypeInvalidCode)
	}
	if len(code) > 32 {
		return temporal.NewApplicationError("verification_code must be at most 32 characters", errTypeInvalidCode)
	}
	return nil
}

// attempt is the VerifyUpdate handler: it checks one code and returns the
// result of exactly this attempt.
func (v *verification) attempt(ctx workflow.Context, code string) (coffeeshop.VerificationResult, error) {
	if err := v.mu.Lock(ctx); err != nil {
		return coffeeshop.VerificationUnspecified, err
	}
	defer v.mu.Unlock()

	// A verification that has ended answers with its final result and
	// consumes nothing.
	if v.final != coffeeshop.VerificationUnspecified {
		return v.final, nil
	}
	if err := workflow.Await(ctx, func() bool {
		return v.codeReady || v.final != coffeeshop.VerificationUnspecified
	}); err != nil {
		return coffeeshop.VerificationUnspecified, err
	}
	if v.final != coffeeshop.VerificationUnspecified {
		return v.final, nil
	}

	if !workflow.Now(ctx).Before(v.expiresAt) {
		return v.fail(coffeeshop.VerificationCodeExpired), nil
	}
	if code != v.code {
		return v.fail(coffeeshop.VerificationIncorrectCode), nil
	}

	// SUCCESS is answered only after the store says the customer is
	// verified.
	actx := workflow.WithActivityOptions(ctx, activityOptions)
	var a *Activities
	if err := workflow.ExecuteActivity(actx, a.MarkVerified, v.params.CustomerID).Get(ctx, nil); err != nil {
		return coffeeshop.VerificationUnspecified, err
	}
	v.final = coffeeshop.VerificationSuccess
	return v.final, nil
}

// fail consumes an attempt. It ends the verification when the budget is
// spent, and otherwise asks the main loop for a new code.
func (v *verification) fail(r coffeeshop.VerificationResult) coffeeshop.VerificationResult {
	v.attempts++
	if v.attempts >= v.params.MaxAttempts {
		v.final = coffeeshop.VerificationMaxAttemptsReached
		return v.final
	}
	v.codeReady = false
	return r
}
