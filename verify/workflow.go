package verify

import (
	"errors"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// phase is where a verification stands. It goes from creating (or sending,
// without a create step) to sending, then waiting; back to sending for each
// new code and through marking for a right code; and to ended from any
// phase.
type phase int

const (
	// phaseCreating: the first step stores the customer (Params.Create).
	phaseCreating phase = iota
	// phaseSending: a code is wanted or on its way. Attempts and resends
	// wait for it, so that each is checked against the code the customer
	// was last sent.
	phaseSending
	// phaseWaiting: the latest send is done, or the per-phone cap refused
	// it (refused); attempts and resends are answered.
	phaseWaiting
	// phaseMarking: a right code's MarkVerified runs; the window may not
	// close under it.
	phaseMarking
	// phaseEnded: the verification has its result (final), or its
	// customer could not be stored (created.failed).
	phaseEnded
)

// verification is the state of one VerifyPhone run. It lives only in the
// workflow's memory: Temporal rebuilds it from history after any crash, so
// no table holds it. It holds the MAC of the current code, never the code.
type verification struct {
	params    Params
	expiresAt time.Time
	attempts  int
	sends     int

	phase phase
	// final is the result that ended the verification (phaseEnded), or
	// VerificationUnspecified.
	final coffeeshop.VerificationResult

	codeMAC       string
	codeExpiresAt time.Time
	lastSentAt    time.Time
	// refused is the per-phone cap's refusal of the latest send, nil once
	// a code is sent (see sendRefused).
	refused error

	// created is the outcome of the create step (Params.Create).
	created creation
	// mu serializes attempts and resends: a handler yields while it waits
	// for a code or marks the customer verified, and no other may
	// interleave.
	mu workflow.Mutex
	// codeFor is the request ID of the latest attempt or resend, which
	// the next code is sent for (requestid.go); "" sends it with the
	// start's.
	codeFor string

	// version is the run's behaviour: receipts, channels and fallback from
	// receiptsVersion on (workflow_delivery.go), the first send in the
	// first workflow task from inlineSendVersion on (workflow_send.go).
	version workflow.Version
	// channelAt indexes the channel codes go out on (params.Channels).
	channelAt int
	// sendNo counts the SendCode activities run, fallbacks included.
	sendNo int
	// delivery is the current code's message.
	delivery delivery
	// reason is why the code wanted (phaseSending) is sent when no request
	// asked for it, which the API's guard has not admitted: after a wrong
	// or expired attempt, or a fallback to the next channel; "" otherwise.
	reason SendReason
}

// VerifyPhone texts the customer a one-time code and answers VerifyUpdate
// attempts until one succeeds, the attempts run out or the window closes.
// Each wrong or expired attempt sends a new code; ResendUpdate sends one on
// request. It returns the final Status.
//
// Changing this function's logic changes the commands it issues and breaks
// the replay of runs started by the old code.
func VerifyPhone(ctx workflow.Context, params Params) (Status, error) {
	// The first code counts as a send.
	v := &verification{params: params.withDefaults(), mu: workflow.NewMutex(ctx), phase: phaseSending, sends: 1}
	if v.params.Create != nil {
		v.phase = phaseCreating
	}
	v.expiresAt = workflow.Now(ctx).Add(v.params.Window)
	v.version = v.params.behaviour(ctx)
	v.logStarted(ctx)

	// Handlers are registered before anything else: an Update or Query
	// that reaches the workflow before its handler exists is rejected.
	if err := v.register(ctx); err != nil {
		return Status{}, err
	}
	workflow.Go(ctx, v.closeWindow)
	if v.receiptsOn() {
		workflow.Go(ctx, v.listenReceipts)
	}

	// The customer's row is written by its own verification, so neither
	// can exist without the other whatever crashes where: once this
	// workflow has started, it runs this step to its end.
	if v.params.Create != nil {
		v.create(ctx)
		if v.created.failed != nil {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return Status{}, err
			}
			v.logEnded(ctx)
			return Status{}, v.created.failed
		}
	}

	countStarted(ctx)
	actx := workflow.WithActivityOptions(ctx, sendOptions)
	for {
		if err := v.awaitWork(ctx); err != nil {
			return Status{}, err
		}
		if v.ended() {
			break
		}
		if v.phase != phaseSending {
			v.fallBack(ctx)
		}
		in := SendCodeInput{CustomerID: v.params.CustomerID, PhoneNumber: v.params.PhoneNumber,
			CodeTTL: v.params.CodeTTL, CodeLength: v.params.CodeLength, Locale: v.params.Locale}
		in.Reason, v.reason = v.reason, ""
		var prev delivery
		if v.receiptsOn() {
			prev = v.startSend()
			in.Channel, in.Send = v.channelNow(), v.sendNo
			if v.params.Create != nil {
				in.Email = v.params.Create.Email
			}
		}
		var sent SendCodeResult
		sctx := actx
		if v.codeFor != "" {
			sctx = withWorkflowRequestID(actx, v.codeFor)
		}
		err := v.sendCode(ctx, sctx, in, &sent)
		if v.sendRefused(err) {
			if v.receiptsOn() {
				v.delivery = prev
			}
			continue
		} else if v.rejectedFallBack(ctx, err) {
			continue
		} else if v.undeliverable(err) {
			break
		} else if err != nil {
			return Status{}, err
		}
		v.codeMAC, v.codeExpiresAt, v.lastSentAt = sent.CodeMAC, sent.ExpiresAt, workflow.Now(ctx)
		v.refused = nil
		if v.receiptsOn() {
			v.sent(ctx, sent)
		}
		v.sendDone()
		v.logSent(sctx, sent)
	}

	// Let attempts that are still being answered finish, so that every
	// caller gets its answer before the workflow closes.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return Status{}, err
	}
	countEnd(ctx, v.final)
	v.logEnded(ctx)
	return v.status(), nil
}

func (v *verification) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (Status, error) { return v.status(), nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, VerifyUpdate, v.attempt,
		workflow.UpdateHandlerOptions{Validator: validateGuess}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, CreateUpdate, v.createdCustomer,
		workflow.UpdateHandlerOptions{Validator: v.validateCreate}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, ResendUpdate, v.resend,
		workflow.UpdateHandlerOptions{Validator: v.validateResend}); err != nil {
		return err
	}
	return workflow.SetUpdateHandler(ctx, WaitCodeUpdate, v.waitCode)
}

func (v *verification) ended() bool {
	return v.phase == phaseEnded
}

// end ends the verification with result r.
func (v *verification) end(r coffeeshop.VerificationResult) {
	v.final, v.phase = r, phaseEnded
}

// codeSettled reports whether no code is on its way, so that the code the
// customer was last sent is the one to check. Attempts and resends wait for
// it.
func (v *verification) codeSettled() bool {
	return v.phase != phaseCreating && v.phase != phaseSending
}

// sendDone ends a send, unless the window closed while it ran.
func (v *verification) sendDone() {
	if v.phase == phaseSending {
		v.phase = phaseWaiting
	}
}

// closeWindow ends the verification as expired when its window closes
// first. It runs as a timer, so a customer who never comes back needs no
// request to end it.
func (v *verification) closeWindow(ctx workflow.Context) {
	ok, err := workflow.AwaitWithTimeout(ctx, v.params.Window, v.ended)
	if err != nil || ok {
		return // canceled, or ended otherwise
	}
	// A right code that is being recorded was checked in time: it wins.
	if err := workflow.Await(ctx, func() bool { return v.phase != phaseMarking }); err != nil {
		return
	}
	if !v.ended() {
		v.end(coffeeshop.VerificationExpired)
	}
}

// expireIfDue ends the verification when its window has closed but the
// timer has not fired yet (both can be due in one workflow task).
func (v *verification) expireIfDue(now time.Time) {
	if !v.ended() && !now.Before(v.expiresAt) {
		v.end(coffeeshop.VerificationExpired)
	}
}

// sendRefused handles a SendCode failure that is the per-phone cap's
// refusal, and reports whether err was one. No code was sent, so the
// current code (if any) stays the one to check attempts against: an
// attempt against an expired or missing code answers CODE_EXPIRED and
// counts, so a customer who keeps trying ends at MAX_ATTEMPTS_REACHED and
// the workflow never fails. The refusal is kept for the request waiting for
// the code, which answers it (a 429 with Retry-After).
func (v *verification) sendRefused(err error) bool {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != errTypeSendLimit {
		return false
	}
	var wait time.Duration
	_ = appErr.Details(&wait)
	v.refused = sendLimit(appErr.Message(), wait)
	v.sendDone()
	return true
}

// undeliverable ends the verification as VerificationUndeliverable when
// err is SendCode's permanent failure (the SMS provider refused the code
// for good), and reports whether it was. Attempts and resends waiting for
// the code answer that final result, and the workflow completes with it,
// so that clients learn what happened instead of finding a failed run.
func (v *verification) undeliverable(err error) bool {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != errTypeSMSRejected {
		return false
	}
	v.end(coffeeshop.VerificationUndeliverable)
	return true
}

// status returns where the verification stands.
func (v *verification) status() Status {
	s := Status{
		Result:       coffeeshop.VerificationInProgress,
		AttemptsLeft: max(v.params.MaxAttempts-v.attempts, 0),
		SendsLeft:    max(v.params.MaxSends-v.sends, 0),
		ExpiresAt:    v.expiresAt,
	}
	switch v.phase {
	case phaseEnded:
		s.Result = v.final
	case phaseWaiting, phaseMarking:
		s.CodeExpiresAt = v.codeExpiresAt
	}
	s.Delivery = v.deliveryStatus()
	return s
}
