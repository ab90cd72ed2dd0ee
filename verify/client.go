package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	// Secret keys the MACs of codes; the worker's Activities must use the
	// same one. Required, at least MinSecretBytes bytes.
	Secret []byte
	// The settings of new verifications (see Params); zero means the
	// defaults. CodeLength is also the length Verify accepts.
	CodeLength     int
	CodeTTL        time.Duration
	MaxAttempts    int
	Window         time.Duration
	ResendCooldown time.Duration
	MaxSends       int
	// Channels are the enabled channels in fallback order (empty: SMS);
	// DeliveryTimeout is Params.DeliveryTimeout.
	Channels        []coffeeshop.Channel
	DeliveryTimeout time.Duration
	// Store answers a repeated sign-up whose verification has closed
	// already (see SignUp); the worker's Activities must use the same one.
	Store coffeeshop.CustomerStore
}

var _ coffeeshop.Verifier = (*Client)(nil)

// MaxRequestIDLen bounds an idempotency key; it follows the rule of request
// IDs (coffeeshop.ValidRequestID).
const MaxRequestIDLen = coffeeshop.MaxRequestIDLen

// queryTimeout bounds a status query; a worker answers one in
// milliseconds.
const queryTimeout = 10 * time.Second

// retries bounds how often a call starts over because a concurrent resend
// replaced the verification it was working on.
const retries = 3

func (c *Client) params(cust *coffeeshop.Customer) Params {
	return Params{
		CustomerID: cust.ID, PhoneNumber: cust.PhoneNumber,
		CodeTTL: c.CodeTTL, MaxAttempts: c.MaxAttempts, CodeLength: c.CodeLength,
		Window: c.Window, ResendCooldown: c.ResendCooldown, MaxSends: c.MaxSends,
		Locale:   cust.Locale,
		Channels: slices.Clone(c.Channels), DeliveryTimeout: c.DeliveryTimeout,
		Version: CurrentVersion,
	}.withDefaults()
}

// channels returns the channels of a new verification: the enabled ones,
// the one ctx asks for (coffeeshop.WithChannel) moved first. A channel
// that is not enabled is EINVALID.
func (c *Client) channels(ctx context.Context) ([]coffeeshop.Channel, error) {
	enabled := c.Channels
	if len(enabled) == 0 {
		enabled = []coffeeshop.Channel{coffeeshop.ChannelSMS}
	}
	want := coffeeshop.ChannelFrom(ctx)
	if want == "" {
		return slices.Clone(enabled), nil
	}
	i := slices.Index(enabled, want)
	if i < 0 {
		names := make([]string, len(enabled))
		for j, ch := range enabled {
			names[j] = string(ch)
		}
		return nil, coffeeshop.Errorf(coffeeshop.EINVALID, "%s %q is not enabled: one of %s",
			coffeeshop.FieldChannel, want, strings.Join(names, ", "))
	}
	return append([]coffeeshop.Channel{want}, slices.Delete(slices.Clone(enabled), i, i+1)...), nil
}

// Receipt brings a provider's delivery receipt to the customer's running
// verification (DeliverySignal). A customer without a running
// verification is no error: the receipt is of no use any more, and the
// provider must not retry it.
func (c *Client) Receipt(ctx context.Context, customerID string, r coffeeshop.Receipt) error {
	err := c.Temporal.SignalWorkflow(ctx, WorkflowID(customerID), "", DeliverySignal, r)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil
	}
	return temporalError(err, "delivery receipt")
}

func (c *Client) codeLength() int {
	if c.CodeLength <= 0 {
		return DefaultCodeLength
	}
	return c.CodeLength
}

// startOptions start the verification of a customer on the worker's task
// queue, under the ID derived from the customer's, with the given policies
// for an earlier run (reuse) and a running one (conflict) of that ID.
func startOptions(ctx context.Context, customerID string, reuse enumspb.WorkflowIdReusePolicy, conflict enumspb.WorkflowIdConflictPolicy) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{ID: WorkflowID(customerID), TaskQueue: TaskQueue,
		WorkflowIDReusePolicy: reuse, WorkflowIDConflictPolicy: conflict, Memo: startMemo(ctx)}
}

// startMemo records who started a verification (the API call's caller,
// coffeeshop.CallerFrom: "key <id>", "token", "page" or "open") under
// CreatedByMemo, so that the Web UI shows it. Never a secret.
func startMemo(ctx context.Context) map[string]any {
	c, ok := coffeeshop.CallerFrom(ctx)
	if !ok {
		return nil
	}
	return map[string]any{CreatedByMemo: c.String()}
}

// StartVerification starts the VerifyPhone workflow of a customer whose row
// exists already, without the create step; SignUp is the way in for new
// customers. The workflow ID is derived from the customer ID, so a second
// start for the same customer fails with ECONFLICT instead of texting a
// second code.
func (c *Client) StartVerification(ctx context.Context, cust *coffeeshop.Customer) error {
	opts := startOptions(ctx, cust.ID, enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
	_, err := c.Temporal.ExecuteWorkflow(ctx, opts, VerifyPhoneWorkflow, c.params(cust))
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return coffeeshop.Errorf(coffeeshop.ECONFLICT, "customer %s has a verification already", cust.ID)
	}
	return temporalError(err, "start verification")
}

// Verify checks the code's format, then sends its MAC (never the code) to
// the customer's verification as a Workflow Update and waits for the result
// of this attempt. A non-empty requestID becomes the Update ID, so that the
// server answers a repeated request with the first answer, even after the
// workflow has closed. A verification that has ended answers with its
// final result.
func (c *Client) Verify(ctx context.Context, customerID, code, requestID string) (coffeeshop.VerificationResult, error) {
	if msg := checkCode(code, c.codeLength()); msg != "" {
		return coffeeshop.VerificationUnspecified, coffeeshop.Errorf(coffeeshop.EINVALID, "%s", msg)
	}
	if msg := checkRequestID(requestID); msg != "" {
		return coffeeshop.VerificationUnspecified, coffeeshop.Errorf(coffeeshop.EINVALID, "%s", msg)
	}
	if len(c.Secret) < MinSecretBytes {
		return coffeeshop.VerificationUnspecified, errors.New("verify: client has no code secret")
	}
	opts := client.UpdateWorkflowOptions{
		WorkflowID:   WorkflowID(customerID),
		UpdateName:   VerifyUpdate,
		Args:         []any{Guess{CodeMAC: CodeMAC(c.Secret, customerID, code)}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	if requestID != "" {
		opts.UpdateID = verifyUpdateIDPrefix + requestID
	}
	for range retries {
		var result coffeeshop.VerificationResult
		err := c.update(ctx, opts, &result)
		var appErr *temporal.ApplicationError
		switch {
		case err == nil:
			return result, nil
		case errors.As(err, &appErr) && appErr.Type() == errTypeInvalidCode:
			return coffeeshop.VerificationUnspecified, coffeeshop.Errorf(coffeeshop.EINVALID, "%s", appErr.Message())
		case errors.As(err, &appErr) && appErr.Type() == errTypeNoCustomer:
			return coffeeshop.VerificationUnspecified, noVerification(customerID)
		case !isClosed(err):
			return coffeeshop.VerificationUnspecified, temporalError(err, "verify")
		}
		// The latest run has closed (or there is none): answer its final
		// result, unless a resend has just started a new run.
		st, _, _, err := c.latest(ctx, customerID)
		if err != nil {
			return coffeeshop.VerificationUnspecified, err
		}
		if st.Result.Terminal() {
			return st.Result, nil
		}
	}
	return coffeeshop.VerificationUnspecified, busy("verify")
}

// checkRequestID returns a client message when id cannot be an
// idempotency key, and "" when it can (the empty id means none).
func checkRequestID(id string) string {
	if len(id) > MaxRequestIDLen {
		return fmt.Sprintf("%s must be at most %d characters", coffeeshop.FieldRequestID, MaxRequestIDLen)
	}
	if id != "" && !coffeeshop.ValidRequestID(id) {
		return coffeeshop.FieldRequestID + " must be printable ASCII without spaces"
	}
	return ""
}

// ResendCode sends a fresh code to the customer's running verification, or,
// when the latest one ended unsuccessfully, starts a new one (a new run
// under the same workflow ID, with fresh attempts and sends), and answers
// once the code is sent.
func (c *Client) ResendCode(ctx context.Context, cust *coffeeshop.Customer) (*coffeeshop.Verification, error) {
	opts := client.UpdateWorkflowOptions{
		WorkflowID:   WorkflowID(cust.ID),
		UpdateName:   ResendUpdate,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	for range retries {
		var st Status
		err := c.update(ctx, opts, &st)
		var appErr *temporal.ApplicationError
		switch {
		case err == nil && st.Result == coffeeshop.VerificationUndeliverable:
			return nil, undeliverable()
		case err == nil:
			return toVerification(cust.ID, st), nil
		case errors.As(err, &appErr) && appErr.Type() == errTypeAlreadyVerified:
			return nil, alreadyVerified(cust.ID)
		case errors.As(err, &appErr) && appErr.Type() == errTypeSendLimit:
			return nil, sendLimitError(appErr)
		case errors.As(err, &appErr) && appErr.Type() == errTypeEnded, isClosed(err):
			v, err := c.restart(ctx, cust)
			if v != nil || err != nil {
				return v, err
			}
			// A concurrent request started a new run first: resend to it.
		default:
			return nil, temporalError(err, "resend code")
		}
	}
	return nil, busy("resend code")
}

// restart starts a new verification for a customer whose latest one has
// ended unsuccessfully, or has none, and returns it once its code is sent.
// It returns nil and no error when the latest verification is running, so
// the caller should send its request to it.
func (c *Client) restart(ctx context.Context, cust *coffeeshop.Customer) (*coffeeshop.Verification, error) {
	st, runID, running, err := c.latest(ctx, cust.ID)
	switch {
	case coffeeshop.ErrorCode(err) == coffeeshop.ENOTFOUND:
		// Nothing to replace (its history may have outlived retention).
	case err != nil:
		return nil, err
	case st.Result == coffeeshop.VerificationSuccess:
		return nil, alreadyVerified(cust.ID)
	case !st.Result.Terminal():
		return nil, nil
	case running:
		// It has ended and is closing: wait for that, which is quick, so
		// that the new run does not collide with it.
		if err := c.Temporal.GetWorkflow(ctx, WorkflowID(cust.ID), runID).Get(ctx, &st); err != nil {
			return nil, temporalError(err, "wait for verification to close")
		}
	}

	opts := startOptions(ctx, cust.ID, enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE, enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
	run, err := c.Temporal.ExecuteWorkflow(ctx, opts, VerifyPhoneWorkflow, c.params(cust))
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil, nil
	}
	if err != nil {
		return nil, temporalError(err, "restart verification")
	}
	var fresh Status
	err = c.update(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   WorkflowID(cust.ID),
		RunID:        run.GetRunID(),
		UpdateName:   WaitCodeUpdate,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}, &fresh)
	if isClosed(err) {
		// The run ended in its first workflow task, before the Update
		// reached it (its first code was refused for good): its result is
		// the answer.
		err = run.Get(ctx, &fresh)
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == errTypeSendLimit {
		return nil, sendLimitError(appErr) // the per-phone cap
	} else if err != nil {
		return nil, temporalError(err, "wait for first code")
	} else if fresh.Result == coffeeshop.VerificationUndeliverable {
		return nil, undeliverable()
	}
	return toVerification(cust.ID, fresh), nil
}

// GetVerification returns the state of the customer's latest verification:
// a Query of a running one, the result of a closed one.
func (c *Client) GetVerification(ctx context.Context, customerID string) (*coffeeshop.Verification, error) {
	st, _, _, err := c.latest(ctx, customerID)
	if err != nil {
		return nil, err
	}
	return toVerification(customerID, st), nil
}

// latest returns the status of the customer's latest verification run, its
// run ID and whether it is running.
func (c *Client) latest(ctx context.Context, customerID string) (st Status, runID string, running bool, err error) {
	id := WorkflowID(customerID)
	desc, err := c.Temporal.DescribeWorkflowExecution(ctx, id, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return st, "", false, noVerification(customerID)
	} else if err != nil {
		return st, "", false, temporalError(err, "describe verification")
	}
	info := desc.GetWorkflowExecutionInfo()
	runID = info.GetExecution().GetRunId()
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		// A query needs a worker; without one it would wait as long as the
		// caller does.
		qctx, cancel := context.WithTimeout(ctx, queryTimeout)
		defer cancel()
		resp, err := c.Temporal.QueryWorkflow(qctx, id, runID, StatusQuery)
		if err == nil {
			err = resp.Get(&st)
		}
		return st, runID, true, temporalError(err, "query verification")
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		// A create that was refused has a workflow but no customer.
		var appErr *temporal.ApplicationError
		if err := c.Temporal.GetWorkflow(ctx, id, runID).Get(ctx, nil); errors.As(err, &appErr) && appErr.Type() == errTypeInUse {
			return st, runID, false, noVerification(customerID)
		}
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		err := c.Temporal.GetWorkflow(ctx, id, runID).Get(ctx, &st)
		return st, runID, false, temporalError(err, "get verification result")
	}
	// Failed otherwise, terminated or timed out by an operator: no status
	// a client could act on.
	return st, runID, false, fmt.Errorf("verification %s run %s closed as %s", id, runID, info.GetStatus())
}

// update sends an Update and decodes its result into out.
func (c *Client) update(ctx context.Context, opts client.UpdateWorkflowOptions, out any) error {
	handle, err := c.Temporal.UpdateWorkflow(ctx, opts)
	if err != nil {
		return err
	}
	return handle.Get(ctx, out)
}

// isClosed reports whether err says the workflow an Update was sent to has
// closed or does not exist: the server answers NotFound for both.
func isClosed(err error) bool {
	var notFound *serviceerror.NotFound
	return errors.As(err, &notFound)
}
