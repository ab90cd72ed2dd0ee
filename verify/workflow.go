package verify

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Application error types the workflow and the client agree on.
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

// Params configures one verification. Zero values mean the defaults.
type Params struct {
	CustomerID  string
	PhoneNumber string
	// CodeTTL is how long a code is valid.
	CodeTTL time.Duration
	// MaxAttempts is the number of codes the customer may send.
	MaxAttempts int
	// CodeLength is the number of digits of a code.
	CodeLength int
	// Window is how long the verification waits for a right code before it
	// ends as expired.
	Window time.Duration
	// ResendCooldown is how long after a text a resend is refused.
	ResendCooldown time.Duration
	// MaxSends caps the codes sent on request: the first one and each
	// resend. Codes sent after a failed attempt do not count; MaxAttempts
	// bounds those.
	MaxSends int
	// Create, when set, makes the verification create its customer: its
	// first step stores the customer (ID CustomerID, phone PhoneNumber,
	// the rest from Create) and only then is a code sent. When the
	// customer cannot be stored the verification fails without sending
	// one. CreateUpdate answers with the outcome.
	Create *NewCustomer
}

func (p Params) withDefaults() Params {
	if p.CodeTTL <= 0 {
		p.CodeTTL = DefaultCodeTTL
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.CodeLength <= 0 {
		p.CodeLength = DefaultCodeLength
	}
	if p.Window <= 0 {
		p.Window = DefaultWindow
	}
	if p.ResendCooldown <= 0 {
		p.ResendCooldown = DefaultResendCooldown
	}
	if p.MaxSends <= 0 {
		p.MaxSends = DefaultMaxSends
	}
	return p
}

// Guess is the argument of VerifyUpdate: the CodeMAC of the code the
// customer sent, never the code itself.
type Guess struct {
	CodeMAC string
}

// Status is where a verification stands: the answer of StatusQuery,
// ResendUpdate and WaitCodeUpdate, and the result of VerifyPhone.
type Status struct {
	// Result is VerificationInProgress while the verification runs and
	// its final result once it has ended.
	Result       coffeeshop.VerificationResult
	AttemptsLeft int
	SendsLeft    int
	// CodeExpiresAt is when the current code stops working; zero when no
	// code is valid.
	CodeExpiresAt time.Time
	// ExpiresAt is when the verification window closes.
	ExpiresAt time.Time
}

// sendOptions: a text is short to send; it is retried with backoff for as
// long as it takes, because giving up would strand a customer who is
// waiting for a code.
//
// SendCode is a regular activity, unlike the store writes. A local
// activity runs inside a workflow task and is recorded only when that task
// completes; when the task does not (it timed out on a busy machine, or the
// server dropped a speculative task that carried an Update), the worker
// runs the activity again, without a trace in history. For an idempotent
// store write that is harmless; for SendCode it texted the customer a
// second, different code while the workflow kept only one of them — seen
// under CPU contention in TestConcurrentVerifiesOnServer (9 texts for 3
// recorded sends). The server runs a regular activity once per attempt.
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
// own on the server. A regular activity costs a task through matching and
// a further workflow task for its result: one verification went from 4
// workflow tasks and 3 activity tasks to 3 and 1 (docs/benchmarks.md).
var storeOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         retryForever,
}

// verification is the state of one VerifyPhone run. It lives only in the
// workflow's memory: Temporal rebuilds it from history after any crash, so
// no table holds it. It holds the MAC of the current code, never the code.
type verification struct {
	params    Params
	expiresAt time.Time
	attempts  int
	sends     int

	codeMAC       string
	codeExpiresAt time.Time
	lastSentAt    time.Time
	// codeWanted asks the main loop to send a new code. codeReady is false
	// from then until it is sent; attempts and resends wait for it so that
	// each is checked against the code the customer was last sent.
	codeWanted bool
	codeReady  bool
	// marking is true while a right code's MarkVerified runs; the window
	// may not close under it.
	marking bool
	// refused is the per-phone cap's refusal of the latest send, nil once
	// a code is sent (see sendRefused).
	refused error

	// final is the result that ended the verification, or
	// VerificationUnspecified while it runs.
	final coffeeshop.VerificationResult
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
	v := &verification{params: params.withDefaults(), mu: workflow.NewMutex(ctx), codeWanted: true, sends: 1}
	v.expiresAt = workflow.Now(ctx).Add(v.params.Window)
	v.logStarted(ctx)

	// Handlers are registered before anything else: an Update or Query
	// that reaches the workflow before its handler exists is rejected.
	if err := v.register(ctx); err != nil {
		return Status{}, err
	}
	workflow.Go(ctx, v.closeWindow)

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
		if err := workflow.Await(ctx, func() bool { return v.codeWanted || v.ended() }); err != nil {
			return Status{}, err
		}
		if v.ended() {
			break
		}
		v.codeWanted = false
		in := SendCodeInput{CustomerID: v.params.CustomerID, PhoneNumber: v.params.PhoneNumber,
			CodeTTL: v.params.CodeTTL, CodeLength: v.params.CodeLength}
		var sent SendCodeResult
		sctx := actx
		if v.codeFor != "" {
			sctx = withWorkflowRequestID(actx, v.codeFor)
		}
		err := workflow.ExecuteActivity(sctx, SendCodeActivity, in).Get(ctx, &sent)
		if v.sendRefused(err) {
			continue
		} else if v.undeliverable(err) {
			break
		} else if err != nil {
			return Status{}, err
		}
		v.codeMAC, v.codeExpiresAt, v.lastSentAt = sent.CodeMAC, sent.ExpiresAt, workflow.Now(ctx)
		v.codeReady, v.refused = true, nil
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
	return v.final != coffeeshop.VerificationUnspecified || v.created.failed != nil
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
	if err := workflow.Await(ctx, func() bool { return !v.marking }); err != nil {
		return
	}
	if !v.ended() {
		v.final = coffeeshop.VerificationExpired
	}
}

// expireIfDue ends the verification when its window has closed but the
// timer has not fired yet (both can be due in one workflow task).
func (v *verification) expireIfDue(now time.Time) {
	if !v.ended() && !now.Before(v.expiresAt) {
		v.final = coffeeshop.VerificationExpired
	}
}

// validateGuess rejects a malformed argument before it reaches the
// workflow's history, so it consumes no attempt. The client checks the code
// itself before it computes the MAC; this guards against any other caller.
func validateGuess(ctx workflow.Context, g Guess) error {
	if !isMAC(g.CodeMAC) {
		return temporal.NewApplicationError("verification_code is malformed", errTypeInvalidCode)
	}
	return nil
}

// attempt is the VerifyUpdate handler: it checks one code and returns the
// result of exactly this attempt. A verification that has ended answers
// with its final result and consumes nothing.
func (v *verification) attempt(ctx workflow.Context, g Guess) (result coffeeshop.VerificationResult, failure error) {
	if err := v.mu.Lock(ctx); err != nil {
		return coffeeshop.VerificationUnspecified, err
	}
	defer v.mu.Unlock()
	if err := workflow.Await(ctx, func() bool { return v.codeReady || v.ended() }); err != nil {
		return coffeeshop.VerificationUnspecified, err
	}
	v.codeFor = workflowRequestID(ctx)
	defer func() { v.logAttempt(ctx, result, failure) }()
	if v.created.failed != nil {
		return coffeeshop.VerificationUnspecified, noCustomer()
	}
	now := workflow.Now(ctx)
	v.expireIfDue(now)
	if v.ended() {
		return v.final, nil
	}

	if !now.Before(v.codeExpiresAt) {
		return v.fail(ctx, coffeeshop.VerificationCodeExpired), nil
	}
	// Constant time, so that how long an answer takes says nothing about
	// how much of the MAC matched.
	if subtle.ConstantTimeCompare([]byte(g.CodeMAC), []byte(v.codeMAC)) != 1 {
		return v.fail(ctx, coffeeshop.VerificationIncorrectCode), nil
	}

	// SUCCESS is answered only after the store says the customer is
	// verified.
	v.marking = true
	actx := workflow.WithLocalActivityOptions(ctx, storeOptions)
	err := workflow.ExecuteLocalActivity(actx, MarkVerifiedActivity, v.params.CustomerID).Get(ctx, nil)
	v.marking = false
	if err != nil {
		return coffeeshop.VerificationUnspecified, err
	}
	v.final = coffeeshop.VerificationSuccess
	countAttempt(ctx, v.final)
	return v.final, nil
}

// fail consumes an attempt. It ends the verification when the budget is
// spent, and otherwise asks the main loop for a new code.
func (v *verification) fail(ctx workflow.Context, r coffeeshop.VerificationResult) coffeeshop.VerificationResult {
	v.attempts++
	if v.attempts >= v.params.MaxAttempts {
		v.final = coffeeshop.VerificationMaxAttemptsReached
		countAttempt(ctx, v.final)
		return v.final
	}
	v.codeReady, v.codeWanted = false, true
	countAttempt(ctx, r)
	return r
}

// validateResend refuses a resend that the handler would refuse, so that
// refused resends leave nothing in history. It must not change state.
func (v *verification) validateResend(ctx workflow.Context) error {
	return v.resendRefusal(workflow.Now(ctx))
}

// resendRefusal returns why no code may be sent at now, or nil.
func (v *verification) resendRefusal(now time.Time) error {
	switch {
	case v.created.failed != nil:
		return noCustomer()
	case v.final == coffeeshop.VerificationSuccess:
		return temporal.NewNonRetryableApplicationError("the phone number is already verified", errTypeAlreadyVerified, nil)
	case v.ended():
		return temporal.NewNonRetryableApplicationError("the verification has ended", errTypeEnded, nil, v.final)
	case !now.Before(v.expiresAt):
		return temporal.NewNonRetryableApplicationError("the verification has ended", errTypeEnded, nil, coffeeshop.VerificationExpired)
	case v.sends >= v.params.MaxSends:
		// A new verification, with new sends, can start once this one has
		// expired.
		return sendLimit(fmt.Sprintf("no more codes can be sent for this verification (at most %d)", v.params.MaxSends),
			v.expiresAt.Sub(now))
	case !v.codeReady:
		// A code is on its way; the cooldown starts when it is sent.
		return sendLimit("a code is being sent", v.params.ResendCooldown)
	case now.Before(v.lastSentAt.Add(v.params.ResendCooldown)):
		return sendLimit(fmt.Sprintf("a code was sent less than %s ago", v.params.ResendCooldown),
			v.lastSentAt.Add(v.params.ResendCooldown).Sub(now))
	}
	return nil
}

func sendLimit(msg string, retryAfter time.Duration) error {
	return temporal.NewNonRetryableApplicationError(msg, errTypeSendLimit, nil, retryAfter)
}

// resend is the ResendUpdate handler: it sends a fresh code, which replaces
// the current one at once, and answers once it is sent.
func (v *verification) resend(ctx workflow.Context) (Status, error) {
	if err := v.mu.Lock(ctx); err != nil {
		return Status{}, err
	}
	defer v.mu.Unlock()
	if err := workflow.Await(ctx, func() bool { return v.codeReady || v.ended() }); err != nil {
		return Status{}, err
	}
	now := workflow.Now(ctx)
	v.expireIfDue(now)
	if err := v.resendRefusal(now); err != nil {
		return Status{}, err
	}
	v.codeFor = workflowRequestID(ctx)
	workflow.GetLogger(ctx).Info("code resend requested", "customer_id", v.params.CustomerID)
	v.sends++
	v.codeReady, v.codeWanted = false, true
	return v.waitCode(ctx)
}

// waitCode is the WaitCodeUpdate handler, and the end of resend: it answers
// with the status once the current code is sent (or the verification has
// ended).
func (v *verification) waitCode(ctx workflow.Context) (Status, error) {
	if err := workflow.Await(ctx, func() bool { return v.codeReady || v.ended() }); err != nil {
		return Status{}, err
	}
	if v.refused != nil && !v.ended() {
		return Status{}, v.refused
	}
	return v.status(), nil
}

// undeliverable ends the verification as VerificationUndeliverable when
// err is SendCode's permanent failure (the SMS provider refused the code
// for good), and reports whether it was. Attempts and resends waiting for
// the code answer that final result, and the workflow completes with it,
// so that clients learn what happened instead of finding a failed run.
//
// Runs of earlier builds failed the workflow on this error instead; their
// histories end there, so no open run replays differently.
func (v *verification) undeliverable(err error) bool {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != errTypeSMSRejected {
		return false
	}
	v.final = coffeeshop.VerificationUndeliverable
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
	switch {
	case v.ended():
		s.Result = v.final
	case v.codeReady:
		s.CodeExpiresAt = v.codeExpiresAt
	}
	return s
}
