package verify

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// sendOptions: a text is short to send; it is retried with backoff for as
// long as it takes, because giving up would strand a customer who is
// waiting for a code.
//
// SendCode is a regular activity, unlike the store writes, but for a run's
// first code (inlineSendOptions). A local activity runs inside a workflow
// task and is recorded only when that task completes; when the task does
// not (it timed out on a busy machine, or the server dropped a speculative
// task that carried an Update), the worker runs the activity again, without
// a trace in history. The first send may be rerun so: it texts the same
// code again (DerivedCodes, SendCodeInput.Key), which only happens when a
// task is lost. Later sends, which an Update waits for in a speculative
// task, stay regular activities, which the server runs once per attempt.
var sendOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         retryForever,
}

// retryForever: back off up to 30 s between tries, and never give up.
var retryForever = &temporal.RetryPolicy{
	InitialInterval:    time.Second,
	BackoffCoefficient: 2,
	MaximumInterval:    30 * time.Second,
}

// storeOptions: the store writes (StoreCustomer, MarkVerified) run as
// local activities: in the worker that runs the workflow task, inside that
// task, their results recorded as markers. They are idempotent, so a rerun
// (see sendOptions) is harmless, and they need no retry lifecycle of their
// own on the server, where a regular activity costs a task through matching
// and a further workflow task for its result (docs/benchmarks.md, "What one
// verification costs the engine").
var storeOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         retryForever,
}

// createOptions: as storeOptions, but an insert takes milliseconds, so a
// try whose worker died is given up on sooner: the client signing the
// customer up waits for it.
var createOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 5 * time.Second,
	RetryPolicy:         retryForever,
}
