package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coffeeshop/coffeeshop"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Client starts verifications and sends codes to them through a Temporal
// client. It implements coffeeshop.Verifier.
type Client struct {
	Temporal client.Client
	// CodeTTL and MaxAttempts configure new verifications; zero means the
	// defaults.
	CodeTTL     time.Duration
	MaxAttempts int
}

var _ coffeeshop.Verifier = (*Client)(nil)

// StartVerification starts the VerifyPhone workflow of c. The workflow ID is
// derived from the customer ID, so a second start for the same customer
// fails with ECONFLICT instead of texting a second code.
func (c *Client) StartVerification(ctx context.Context, cust *coffeeshop.Customer) error {
	opts := client.StartWorkflowOptions{
		ID:                       WorkflowID(cust.ID),
		TaskQueue:                TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
	}
	params := Params{CustomerID: cust.ID, PhoneNumber: cust.PhoneNumber, CodeTTL: c.CodeTTL, MaxAttempts: c.MaxAttempts}
	_, err := c.Temporal.ExecuteWorkflow(ctx, opts, VerifyPhone, params)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return coffeeshop.Errorf(coffeeshop.ECONFLICT, "customer %s has a verification already", cust.ID)
	}
	return temporalError(err, "start verification")
}

// Verify sends code to the customer's verification as a Workflow Update and
// waits for the result of this attempt. A verification that has ended
// answers with its final result.
func (c *Client) Verify(ctx context.Context, customerID, code string) (coffeeshop.VerificationResult, error) {
	handle, err := c.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   WorkflowID(customerID),
		UpdateName:   VerifyUpdate,
		Args:         []any{code},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var result coffeeshop.VerificationResult
	if err == nil {
		err = handle.Get(ctx, &result)
	}
	var notFound *serviceerror.NotFound
	var appErr *temporal.ApplicationError
	switch {
	case err == nil:
		return result, nil
	case errors.As(err, &appErr) && appErr.Type() == errTypeInvalidCode:
		return coffeeshop.VerificationUnspecified, coffeeshop.Errorf(coffeeshop.EINVALID, "%s", appErr.Message())
	case errors.As(err, &notFound):
		// The server answers NotFound both for an unknown workflow and for
		// one that has completed; the closed run's result tells them apart.
		return c.finalResult(ctx, customerID)
	}
	return coffeeshop.VerificationUnspecified, temporalError(err, "verify")
}

// finalResult returns the result a closed verification ended with.
func (c *Client) finalResult(ctx context.Context, customerID string) (coffeeshop.VerificationResult, error) {
	var result coffeeshop.VerificationResult
	err := c.Temporal.GetWorkflow(ctx, WorkflowID(customerID), "").Get(ctx, &result)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return result, coffeeshop.Errorf(coffeeshop.ENOTFOUND, "customer %s has no verification", customerID)
	}
	return result, temporalError(err, "get verification result")
}

// temporalError turns a Temporal client error into a coded error: the
// frontend being unreachable or overloaded is EUNAVAILABLE, anything else is
// internal. The original error stays in the chain for the log.
func temporalError(err error, op string) error {
	if err == nil {
		return nil
	}
	var unavailable *serviceerror.Unavailable
	var exhausted *serviceerror.ResourceExhausted
	var deadline *serviceerror.DeadlineExceeded
	if errors.As(err, &unavailable) || errors.As(err, &exhausted) || errors.As(err, &deadline) ||
		errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w: %w", op, coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "verification service unavailable, retry later"), err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
