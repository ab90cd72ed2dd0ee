// Package verify holds the VerifyPhone workflow, its activities, the worker
// registration and the client side that starts verifications and sends codes
// to them. Every Temporal name the service uses is defined here, next to the
// workflow, so no other package repeats a string name.
package verify

import (
	"time"
)

const (
	// TaskQueue is the task queue the verification worker polls.
	TaskQueue = "coffeeshop-verify"

	// VerifyUpdate is the name of the Workflow Update that checks a code and
	// answers with the result of that attempt.
	VerifyUpdate = "verify"

	// workflowIDPrefix keeps verification workflows recognisable in the UI
	// and leaves room for other workflows about the same customer.
	workflowIDPrefix = "verify-phone-"
)

// The demo's defaults: a 4-digit code, valid for 2 minutes, 3 attempts.
const (
	DefaultCodeLength  = 4
	DefaultCodeTTL     = 2 * time.Minute
	DefaultMaxAttempts = 3
)

// WorkflowID returns the ID of the verification workflow of a customer. It is
// the only place that derives one from the other.
func WorkflowID(customerID string) string {
	return workflowIDPrefix + customerID
}
