package verify

import (
	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/workflow"
)

// Names of the counters VerifyPhone emits through the SDK's metrics handler
// (client.Options.MetricsHandler). A Prometheus handler adds "_total".
//
// They are counted in the workflow because the workflow is the one place
// that knows each outcome once: an expiry has no request, and a retried
// verify with an idempotency key answers a SUCCESS again without a second
// success. workflow.GetMetricsHandler drops what is emitted while a
// workflow replays its history, so a run rebuilt after a crash or a cache
// eviction does not count again. (A workflow task that fails after it
// counted, and is then run again for the first time, counts twice: rare.)
const (
	// MetricStarted: a verification began sending codes (its customer
	// exists: a create refused as a conflict is not counted).
	MetricStarted = "coffeeshop_verifications_started"
	// MetricSucceeded: a verification ended with the right code.
	MetricSucceeded = "coffeeshop_verifications_succeeded"
	// MetricFailed: a verification ended without success, label reason:
	// "max_attempts_reached", or "undeliverable" when the SMS provider
	// refused its code for good.
	MetricFailed = "coffeeshop_verifications_failed"
	// MetricExpired: a verification's window closed first.
	MetricExpired = "coffeeshop_verifications_expired"
	// MetricAttempts: codes checked, label result (success,
	// incorrect_code, code_expired, max_attempts_reached). Attempts on a
	// verification that had ended already consume nothing and are not
	// counted.
	MetricAttempts = "coffeeshop_verification_attempts"
)

// countStarted counts a verification that begins sending codes.
func countStarted(ctx workflow.Context) {
	workflow.GetMetricsHandler(ctx).Counter(MetricStarted).Inc(1)
}

// countEnd counts how a verification ended.
func countEnd(ctx workflow.Context, final coffeeshop.VerificationResult) {
	h := workflow.GetMetricsHandler(ctx)
	switch final {
	case coffeeshop.VerificationSuccess:
		h.Counter(MetricSucceeded).Inc(1)
	case coffeeshop.VerificationMaxAttemptsReached:
		h.WithTags(map[string]string{"reason": "max_attempts_reached"}).Counter(MetricFailed).Inc(1)
	case coffeeshop.VerificationUndeliverable:
		h.WithTags(map[string]string{"reason": "undeliverable"}).Counter(MetricFailed).Inc(1)
	case coffeeshop.VerificationExpired:
		h.Counter(MetricExpired).Inc(1)
	}
}

// countAttempt counts one code checked and its result.
func countAttempt(ctx workflow.Context, r coffeeshop.VerificationResult) {
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"result": resultLabel(r)}).Counter(MetricAttempts).Inc(1)
}

func resultLabel(r coffeeshop.VerificationResult) string {
	switch r {
	case coffeeshop.VerificationSuccess:
		return "success"
	case coffeeshop.VerificationIncorrectCode:
		return "incorrect_code"
	case coffeeshop.VerificationCodeExpired:
		return "code_expired"
	case coffeeshop.VerificationMaxAttemptsReached:
		return "max_attempts_reached"
	}
	return "other"
}
