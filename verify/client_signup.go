package verify

import (
	"context"
	"errors"
	"fmt"

	"github.com/coffeeshop/coffeeshop"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// requestIDSpace is the UUID namespace customer IDs are derived from
// request IDs in. Changing it would give a retried create a new customer.
var requestIDSpace = uuid.MustParse("0b5e9f37-6a3c-4f0e-9d55-1c2f3a4b5d6e")

// CustomerID returns the ID of the customer a create with the given
// request ID makes: a UUIDv5 of it, so that every retry of the request
// names the same customer and so the same verification workflow.
func CustomerID(requestID string) string {
	return uuid.NewSHA1(requestIDSpace, []byte(requestID)).String()
}

// SignUp creates the customer c (whose names, email and normalized phone
// number are set; its ID and PhoneVerified are ignored) together with its
// verification, and returns the stored customer once the first step of
// the verification has written it. The verification then texts the first
// code.
//
// One Update-With-Start both starts the VerifyPhone workflow, whose first
// activity inserts the row, and waits for that activity: the row never
// exists without its workflow, and the workflow, once started, runs until
// the row exists or the insert is refused for good.
//
// A non-empty requestID makes the call idempotent: the customer ID is
// derived from it, so a repeated call, also a concurrent one, reaches the
// same workflow and answers with the same customer, or with the same
// ECONFLICT when the phone number or email was in use. A repeated
// requestID with different fields fails with ECONFLICT. A phone number or
// email already used by another customer is ECONFLICT naming the field; a
// value the store refuses (Store.InsertCustomer's EINVALID) is EINVALID,
// answered at once: the store step does not retry it.
//
// cust.Locale, when set, is the language of the texts (Params.Locale). It
// is not in the BodyHash: a retry with another locale is the same create,
// and its texts stay in the first call's language.
func (c *Client) SignUp(ctx context.Context, cust *coffeeshop.Customer, requestID string) (*coffeeshop.Customer, error) {
	if msg := checkRequestID(requestID); msg != "" {
		return nil, coffeeshop.Errorf(coffeeshop.EINVALID, "%s", msg)
	}
	if cust.Locale != "" && !ValidLocale(cust.Locale) {
		return nil, coffeeshop.Errorf(coffeeshop.EINVALID, "%s must be a BCP 47 language tag of at most %d characters",
			coffeeshop.FieldLocale, MaxLocaleLen)
	}
	nc := *cust
	nc.PhoneVerified = false
	if requestID != "" {
		nc.ID = CustomerID(requestID)
	} else {
		id, err := uuid.NewRandom()
		if err != nil {
			return nil, err
		}
		nc.ID = id.String()
	}
	chs, err := c.channels(ctx)
	if err != nil {
		return nil, err
	}
	hash := BodyHash(&nc)
	params := c.params(&nc)
	params.Channels = chs
	params.Create = &NewCustomer{FirstName: nc.FirstName, LastName: nc.LastName, Email: nc.Email, BodyHash: hash}

	// A closed run of this ID is a create that has settled (or a later
	// verification of its customer): never start it again.
	start := c.Temporal.NewWithStartWorkflowOperation(startOptions(ctx, nc.ID,
		enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING),
		VerifyPhoneWorkflow, params)
	handle, err := c.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			WorkflowID: WorkflowID(nc.ID),
			// No fixed Update ID: the server would answer a repeat after
			// the run closed with the first answer, a snapshot from
			// before the customer verified; each call asks afresh.
			UpdateName:   CreateUpdate,
			Args:         []any{CreateRequest{BodyHash: hash}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	var out coffeeshop.Customer
	if err == nil {
		err = handle.Get(ctx, &out)
	}
	var appErr *temporal.ApplicationError
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case err == nil:
		return &out, nil
	case errors.As(err, &appErr):
		switch appErr.Type() {
		case errTypeInUse, errTypeRequestReused:
			return nil, coffeeshop.Errorf(coffeeshop.ECONFLICT, "%s", appErr.Message())
		case errTypeInvalid:
			return nil, coffeeshop.Errorf(coffeeshop.EINVALID, "%s", appErr.Message())
		case errTypeNotCreate:
			// A resend runs a later verification of this customer: the
			// create succeeded long ago.
			return c.settled(ctx, &nc, hash)
		}
	case errors.As(err, &started), isClosed(err):
		// The create's workflow has closed (or closed under the Update):
		// the create has settled.
		return c.settled(ctx, &nc, hash)
	}
	return nil, temporalError(err, "create customer")
}

// settled answers a repeated create whose workflow no longer takes
// creates: from the store when the customer exists, and from the failure
// of the create's workflow when it does not.
func (c *Client) settled(ctx context.Context, nc *coffeeshop.Customer, hash string) (*coffeeshop.Customer, error) {
	if c.Store == nil {
		return nil, errors.New("verify: client has no store to answer a repeated create")
	}
	got, err := c.Store.GetCustomer(ctx, nc.ID)
	switch {
	case err == nil && BodyHash(got) == hash:
		return got, nil
	case err == nil:
		return nil, coffeeshop.Errorf(coffeeshop.ECONFLICT, "%s", msgRequestReused)
	case coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND:
		return nil, err
	}
	// No customer: the create was refused (or the row was deleted since).
	// Only the create's workflow can say why.
	werr := c.Temporal.GetWorkflow(ctx, WorkflowID(nc.ID), "").Get(ctx, nil)
	var appErr *temporal.ApplicationError
	if errors.As(werr, &appErr) && (appErr.Type() == errTypeInUse || appErr.Type() == errTypeInvalid) {
		var was string
		_ = appErr.Details(&was)
		if was != hash {
			return nil, coffeeshop.Errorf(coffeeshop.ECONFLICT, "%s", msgRequestReused)
		}
		code := coffeeshop.ECONFLICT
		if appErr.Type() == errTypeInvalid {
			code = coffeeshop.EINVALID
		}
		return nil, coffeeshop.Errorf(code, "%s", appErr.Message())
	}
	return nil, fmt.Errorf("create customer %s: its verification has closed without a customer: %v", nc.ID, werr)
}
