package verify

import (
	"fmt"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// validateResend refuses a resend that the handler would refuse, so that
// refused resends leave nothing in history. It must not change state.
func (v *verification) validateResend(ctx workflow.Context) error {
	return v.resendRefusal(workflow.Now(ctx))
}

// resendRefusal returns why no code may be sent at now, or nil.
func (v *verification) resendRefusal(now time.Time) error {
	switch {
	case v.created.failed != nil:
		return noCustomer()
	case v.final == coffeeshop.VerificationSuccess:
		return temporal.NewNonRetryableApplicationError("the phone number is already verified", errTypeAlreadyVerified, nil)
	case v.ended():
		return temporal.NewNonRetryableApplicationError("the verification has ended", errTypeEnded, nil, v.final)
	case !now.Before(v.expiresAt):
		return temporal.NewNonRetryableApplicationError("the verification has ended", errTypeEnded, nil, coffeeshop.VerificationExpired)
	case v.sends >= v.params.MaxSends:
		// A new verification, with new sends, can start once this one has
		// expired.
		return sendLimit(fmt.Sprintf("no more codes can be sent for this verification (at most %d)", v.params.MaxSends),
			v.expiresAt.Sub(now))
	case !v.codeSettled():
		// A code is on its way; the cooldown starts when it is sent.
		return sendLimit("a code is being sent", v.params.ResendCooldown)
	case now.Before(v.lastSentAt.Add(v.params.ResendCooldown)):
		return sendLimit(fmt.Sprintf("a code was sent less than %s ago", v.params.ResendCooldown),
			v.lastSentAt.Add(v.params.ResendCooldown).Sub(now))
	}
	return nil
}

func sendLimit(msg string, retryAfter time.Duration) error {
	return temporal.NewNonRetryableApplicationError(msg, errTypeSendLimit, nil, retryAfter)
}

// resend is the ResendUpdate handler: it sends a fresh code, which replaces
// the current one at once, and answers once it is sent.
func (v *verification) resend(ctx workflow.Context) (Status, error) {
	if err := v.mu.Lock(ctx); err != nil {
		return Status{}, err
	}
	defer v.mu.Unlock()
	if err := workflow.Await(ctx, v.codeSettled); err != nil {
		return Status{}, err
	}
	now := workflow.Now(ctx)
	v.expireIfDue(now)
	if err := v.resendRefusal(now); err != nil {
		return Status{}, err
	}
	v.codeFor = workflowRequestID(ctx)
	v.logResend(ctx)
	v.sends++
	v.phase = phaseSending
	return v.waitCode(ctx)
}

// waitCode is the WaitCodeUpdate handler, and the end of resend: it answers
// with the status once the current code is sent (or the verification has
// ended).
func (v *verification) waitCode(ctx workflow.Context) (Status, error) {
	if err := workflow.Await(ctx, v.codeSettled); err != nil {
		return Status{}, err
	}
	if v.refused != nil && !v.ended() {
		return Status{}, v.refused
	}
	return v.status(), nil
}
