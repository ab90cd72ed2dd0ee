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
	// answers with the result of that attempt. Its argument is a Guess.
	VerifyUpdate = "verify"

	// ResendUpdate is the name of the Workflow Update that sends a fresh
	// code and answers with the Status once it is sent.
	ResendUpdate = "resend"

	// WaitCodeUpdate is the name of the Workflow Update that changes nothing
	// and answers with the Status once the current code is sent. The client
	// uses it right after starting a verification for a resend.
	WaitCodeUpdate = "wait-code"

	// CreateUpdate is the name of the Workflow Update that answers with the
	// customer once a verification that creates it (Params.Create) has
	// stored it, or with why it could not. Its argument is a
	// CreateRequest.
	CreateUpdate = "create"

	// StatusQuery is the name of the Query that returns the Status.
	StatusQuery = "status"

	// VerifyPhoneWorkflow is the workflow type of VerifyPhone.
	VerifyPhoneWorkflow = "VerifyPhone"

	// workflowIDPrefix keeps verification workflows recognisable in the UI
	// and leaves room for other workflows about the same customer.
	workflowIDPrefix = "verify-phone-"

	// verifyUpdateIDPrefix scopes client idempotency keys to VerifyUpdate,
	// so that a key can never match an Update of another kind.
	verifyUpdateIDPrefix = "verify:"
)

// The activity types, as Register registers them and the workflow schedules
// them. They are plain strings because the SDK takes a string as an
// activity's name and any other value as its function. Histories record
// them, so changing one breaks the replay of open runs.
const (
	// StoreCustomerActivity is Activities.StoreCustomer. Its name is not
	// the method's: histories record the step as "CreateCustomer".
	StoreCustomerActivity string = "CreateCustomer"
	// SendCodeActivity is Activities.SendCode.
	SendCodeActivity string = "SendCode"
	// MarkVerifiedActivity is Activities.MarkVerified.
	MarkVerifiedActivity string = "MarkVerified"
)

// The defaults. A code, its lifetime and the attempts are the demo's;
// the rest bound how long a verification may last and how many texts one
// customer can trigger.
const (
	DefaultCodeLength  = 4
	DefaultCodeTTL     = 2 * time.Minute
	DefaultMaxAttempts = 3
	// DefaultWindow: a customer who has not verified within a day has most
	// likely abandoned the sign-up; the verification then ends as EXPIRED
	// instead of waiting forever.
	DefaultWindow = 24 * time.Hour
	// DefaultResendCooldown is long enough for an SMS to arrive, so that an
	// impatient tap on "resend" does not text a second code that replaces
	// the first one while it is still on its way.
	DefaultResendCooldown = 30 * time.Second
	// DefaultMaxSends counts the first code and the resends.
	DefaultMaxSends = 5
)

// WorkflowID returns the ID of the verification workflow of a customer. It is
// the only place that derives one from the other.
func WorkflowID(customerID string) string {
	return workflowIDPrefix + customerID
}
