package verify

import (
	"errors"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// inlineSendVersion is the behaviour (Params.Version) from which a run
// sends its first code in its first workflow task, as a local activity
// right after the create step, instead of as an activity of its own: the
// create is answered when that task completes, and the run needs no second
// task, no activity task and no activity result in history before it
// waits for the customer (docs/benchmarks.md, "Fast creates"). Its sends
// name themselves (SendCodeInput.Key), so that a rerun of the local
// activity, or the activity that takes over from it, texts the same code.
const inlineSendVersion = workflow.Version(2)

// inlineSendOptions: one try, kept short, because the client signing the
// customer up waits for it. A try that fails for any reason but a
// permanent one hands the send to the activity (sendOptions), which
// retries it for as long as it takes.
var inlineSendOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 3 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
}

// sendCode runs the SendCode of in (the run's send number v.sendNo) and
// stores its result in sent. actx carries the activity options.
func (v *verification) sendCode(ctx, actx workflow.Context, in SendCodeInput, sent *SendCodeResult) error {
	if v.version >= inlineSendVersion {
		in.Key = workflow.GetInfo(ctx).WorkflowExecution.RunID + "/" + strconv.Itoa(v.sendNo)
		if v.sendNo == 1 && v.codeFor == "" {
			lctx := workflow.WithLocalActivityOptions(ctx, inlineSendOptions)
			err := workflow.ExecuteLocalActivity(lctx, SendCodeActivity, in).Get(ctx, sent)
			var appErr *temporal.ApplicationError
			if err == nil || errors.As(err, &appErr) && appErr.NonRetryable() {
				return err
			}
			v.logInlineSendFailed(ctx, err)
		}
	}
	return workflow.ExecuteActivity(actx, SendCodeActivity, in).Get(ctx, sent)
}
