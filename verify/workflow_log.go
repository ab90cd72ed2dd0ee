package verify

import (
	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/workflow"
)

// The workflow's log lines. They go through workflow.GetLogger, which is
// silent while a workflow is replayed (so each line is written once) and
// carries the request ID of the context (RequestIDInterceptor). They hold
// customer IDs, results and masked phone numbers; never a code or its MAC.

func (v *verification) logStarted(ctx workflow.Context) {
	workflow.GetLogger(ctx).Info("verification started",
		"customer_id", v.params.CustomerID, "phone", coffeeshop.MaskPhone(v.params.PhoneNumber),
		"create", v.params.Create != nil)
}

func (v *verification) logSent(ctx workflow.Context, sent SendCodeResult) {
	workflow.GetLogger(ctx).Info("code sent",
		"customer_id", v.params.CustomerID, "code_expires_at", sent.ExpiresAt)
}

func (v *verification) logInlineSendFailed(ctx workflow.Context, err error) {
	workflow.GetLogger(ctx).Warn("the first code could not be sent at once; an activity retries it",
		"customer_id", v.params.CustomerID, "error", err)
}

func (v *verification) logResend(ctx workflow.Context) {
	workflow.GetLogger(ctx).Info("code resend requested", "customer_id", v.params.CustomerID)
}

func (v *verification) logAttempt(ctx workflow.Context, r coffeeshop.VerificationResult, err error) {
	if err != nil {
		workflow.GetLogger(ctx).Info("verify attempt not answered",
			"customer_id", v.params.CustomerID, "error", err)
		return
	}
	workflow.GetLogger(ctx).Info("verify attempt",
		"customer_id", v.params.CustomerID, "result", r.String(),
		"attempts_left", max(v.params.MaxAttempts-v.attempts, 0))
}

func (v *verification) logEnded(ctx workflow.Context) {
	result := v.final.String()
	if v.created.failed != nil {
		result = "create refused"
	}
	workflow.GetLogger(ctx).Info("verification ended", "customer_id", v.params.CustomerID, "result", result)
}
