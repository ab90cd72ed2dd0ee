package verify

import "github.com/coffeeshop/coffeeshop"

// The verification's task queue, workflow type, Updates and Query, and the
// shape of its workflow IDs.
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

	// CreatedByMemo is the memo field that names who started a
	// verification: coffeeshop.Caller's String ("key <id>", "token" or
	// "open").
	CreatedByMemo = "created_by"

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

// Application error types the workflow, the activities and the client
// agree on. Failures carry them through history to the client.
const (
	errTypeInvalidCode = "InvalidCode"
	// errTypeSMSRejected: the SMS provider refused a code for good; the
	// verification ends as VerificationUndeliverable.
	errTypeSMSRejected     = "SMSRejected"
	errTypeAlreadyVerified = "AlreadyVerified"
	// errTypeEnded: the verification ended unsuccessfully; its detail is
	// the final result.
	errTypeEnded = "VerificationEnded"
	// errTypeSendLimit: no code may be sent now; its detail is how long
	// until one may (a time.Duration).
	errTypeSendLimit = "SendLimit"
)

// Application error types of the create step.
const (
	// errTypeInUse: the customer could not be stored because another one
	// has its phone number or email; the message names the field and the
	// detail is the body hash of the create.
	errTypeInUse = "CustomerInUse"
	// errTypeInvalid: the store refused a value of the customer (EINVALID,
	// such as a NUL PostgreSQL does not take); the message names the field
	// and the detail is the body hash of the create. Retrying cannot help.
	errTypeInvalid = "CustomerInvalid"
	// errTypeRequestReused: a create reached a workflow whose create was
	// made with another body, that is, a request_id was reused.
	errTypeRequestReused = "RequestIDReused"
	// errTypeNotCreate: the running verification did not create its
	// customer (a resend started it); the customer exists already.
	errTypeNotCreate = "NotACreate"
	// errTypeNoCustomer: the verification belongs to a create that failed,
	// so there is no customer to verify.
	errTypeNoCustomer = "NoCustomer"
)

// msgRequestReused is the message of a reused request_id, from the
// workflow's CreateUpdate validator or from the client's answer to a
// repeated sign-up.
const msgRequestReused = coffeeshop.FieldRequestID + " was already used for a different customer"

// WorkflowID returns the ID of the verification workflow of a customer. It is
// the only place that derives one from the other.
func WorkflowID(customerID string) string {
	return workflowIDPrefix + customerID
}
