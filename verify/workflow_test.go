package verify_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/verify"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// testSecret keys the code MACs in tests.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// recordingSMS stands in for a remote SMS provider and remembers each text.
type recordingSMS struct {
	mu   sync.Mutex
	sent []string
	// tries counts the calls of SendSMS, failed ones included.
	tries int
	// fail, when set, is asked before each send (try counts from 1); an
	// error it returns is the send's, and the text is not recorded.
	fail func(try int) error
}

func (r *recordingSMS) SendSMS(ctx context.Context, to, body string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tries++
	if r.fail != nil {
		if err := r.fail(r.tries); err != nil {
			return err
		}
	}
	r.sent = append(r.sent, to+": "+body)
	return nil
}

// failWith makes later sends fail as fail says (nil: all succeed).
func (r *recordingSMS) failWith(fail func(try int) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = fail
}

func (r *recordingSMS) attempts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tries
}

func (r *recordingSMS) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

func (r *recordingSMS) texts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sent...)
}

// sequentialCodes hands out "1111", "2222", ... so a test can tell a fresh
// code from the one it replaced.
func sequentialCodes() verify.CodeGenerator {
	var mu sync.Mutex
	var n int
	return func(_ string, digits int) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		return strings.Repeat(fmt.Sprint(n%10), digits), nil
	}
}

// answer is what one Update got back.
type answer struct {
	name  string
	value any
	err   error
}

func (a answer) String() string {
	if a.err != nil {
		return a.name + ":error(" + errType(a.err) + ")"
	}
	return fmt.Sprintf("%s:%v", a.name, a.value)
}

// errType returns the application error type of err, or its text.
func errType(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return err.Error()
}

type harness struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	store   *sqlite.Store
	sms     *recordingSMS
	cust    *coffeeshop.Customer
	params  verify.Params
	start   time.Time
	answers []answer
	sent    int // Updates sent, for unique IDs
	metrics *countingMetrics
}

// newHarness returns a workflow test environment with the activities on a
// fresh SQLite store; wrap, if given, wraps the ledger the activities see.
func newHarness(t *testing.T, wrap ...func(coffeeshop.CodeSendLedger) coffeeshop.CodeSendLedger) *harness {
	t.Helper()
	return newHarnessWith(t, nil, wrap...)
}

// newHarnessWith is newHarness with configure, if not nil, changing the
// activities before they are registered.
func newHarnessWith(t *testing.T, configure func(*verify.Activities), wrap ...func(coffeeshop.CodeSendLedger) coffeeshop.CodeSendLedger) *harness {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "customers.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	cust := &coffeeshop.Customer{ID: "6f1c1f5e-4b8e-4d3a-9a57-2f1f0f0b6c11", FirstName: "Ada", LastName: "Lovelace",
		Email: "ada@example.com", PhoneNumber: "+447911123456"}
	if err := store.InsertCustomer(context.Background(), cust); err != nil {
		t.Fatalf("create customer: %v", err)
	}
	var suite testsuite.WorkflowTestSuite
	counts := newCountingMetrics()
	suite.SetMetricsHandler(counts)
	env := suite.NewTestWorkflowEnvironment()
	sms := &recordingSMS{}
	var ledger coffeeshop.CodeSendLedger = store
	for _, w := range wrap {
		ledger = w(ledger)
	}
	acts := &verify.Activities{Store: store, Ledger: ledger, SMS: sms, NewCode: sequentialCodes(),
		Secret: testSecret, Now: env.Now}
	if configure != nil {
		configure(acts)
	}
	verify.Register(env, acts)
	return &harness{t: t, env: env, store: store, sms: sms, cust: cust, metrics: counts,
		params: verify.Params{CustomerID: cust.ID, PhoneNumber: cust.PhoneNumber, Version: verify.CurrentVersion}}
}

// activities returns activities like the registered ones, on the same
// store, for a mocked activity to call.
func (h *harness) activities() *verify.Activities {
	return &verify.Activities{Store: h.store, Ledger: h.store, SMS: h.sms, NewCode: sequentialCodes(), Secret: testSecret,
		Now: h.env.Now}
}

// update sends an Update after delay (workflow time) and records the
// answer under name.
func (h *harness) update(delay time.Duration, name, updateName, id string, args ...any) {
	h.env.RegisterDelayedCallback(func() {
		h.sent++
		if id == "" {
			id = fmt.Sprintf("%s-%d", name, h.sent)
		}
		h.env.UpdateWorkflow(updateName, id, &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { h.answers = append(h.answers, answer{name: name, err: err}) },
			OnAccept:   func() {},
			OnComplete: func(v any, err error) { h.answers = append(h.answers, answer{name: name, value: v, err: err}) },
		}, args...)
	}, delay)
}

// attempt sends code as a VerifyUpdate after delay.
func (h *harness) attempt(delay time.Duration, code string) {
	h.attemptWithID(delay, code, "")
}

func (h *harness) attemptWithID(delay time.Duration, code, id string) {
	h.update(delay, "verify", verify.VerifyUpdate, id, verify.Guess{CodeMAC: verify.CodeMAC(testSecret, h.cust.ID, code)})
}

// resend asks for a new code after delay.
func (h *harness) resend(delay time.Duration) {
	h.update(delay, "resend", verify.ResendUpdate, "")
}

// query reads the status after delay and passes it to check.
func (h *harness) query(delay time.Duration, check func(now time.Time, st verify.Status)) {
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(verify.StatusQuery)
		if err != nil {
			h.t.Errorf("query at %s: %v", delay, err)
			return
		}
		var st verify.Status
		if err := v.Get(&st); err != nil {
			h.t.Errorf("query at %s: %v", delay, err)
			return
		}
		check(h.env.Now(), st)
	}, delay)
}

// run executes the workflow to its end and returns its final status.
func (h *harness) run() verify.Status {
	h.t.Helper()
	h.start = h.env.Now()
	h.env.ExecuteWorkflow(verify.VerifyPhone, h.params)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow failed: %v", err)
	}
	var final verify.Status
	if err := h.env.GetWorkflowResult(&final); err != nil {
		h.t.Fatalf("workflow result: %v", err)
	}
	return final
}

// results returns the verify answers only.
func (h *harness) results() []coffeeshop.VerificationResult {
	var rs []coffeeshop.VerificationResult
	for _, a := range h.answers {
		if a.name == "verify" && a.err == nil {
			rs = append(rs, a.value.(coffeeshop.VerificationResult))
		}
	}
	return rs
}

func (h *harness) wantAnswers(want ...string) {
	h.t.Helper()
	var got []string
	for _, a := range h.answers {
		got = append(got, a.String())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		h.t.Errorf("answers:\n got %v\nwant %v", got, want)
	}
}

func (h *harness) wantVerified(want bool) {
	h.t.Helper()
	c, err := h.store.GetCustomer(context.Background(), h.cust.ID)
	if err != nil {
		h.t.Fatalf("get customer: %v", err)
	}
	if c.PhoneVerified != want {
		h.t.Errorf("PhoneVerified = %v, want %v", c.PhoneVerified, want)
	}
}

func (h *harness) wantTexts(n int) {
	h.t.Helper()
	if got := h.sms.count(); got != n {
		h.t.Errorf("sent %d texts, want %d", got, n)
	}
}

func TestCorrectCodeVerifies(t *testing.T) {
	h := newHarness(t)
	h.attempt(10*time.Second, "1111")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final.Result)
	}
	h.wantAnswers("verify:SUCCESS")
	h.wantVerified(true)
	h.wantTexts(1)
}

func TestWrongCodeSendsNewCode(t *testing.T) {
	h := newHarness(t)
	h.attempt(10*time.Second, "0000") // wrong; "2222" is sent next
	h.attempt(20*time.Second, "1111") // the replaced code no longer works; "3333" is sent next
	h.attempt(30*time.Second, "3333")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final.Result)
	}
	h.wantAnswers("verify:INCORRECT_CODE", "verify:INCORRECT_CODE", "verify:SUCCESS")
	h.wantVerified(true)
	h.wantTexts(3) // the first code and one after each wrong attempt
}

func TestMaxAttemptsEndsVerification(t *testing.T) {
	h := newHarness(t)
	h.attempt(10*time.Second, "0000")
	h.attempt(20*time.Second, "0001")
	h.attempt(30*time.Second, "0002")
	final := h.run()
	if final.Result != coffeeshop.VerificationMaxAttemptsReached || final.AttemptsLeft != 0 || !final.CodeExpiresAt.IsZero() {
		t.Errorf("final = %+v, want MAX_ATTEMPTS_REACHED, no attempts and no code left", final)
	}
	h.wantAnswers("verify:INCORRECT_CODE", "verify:INCORRECT_CODE", "verify:MAX_ATTEMPTS_REACHED")
	h.wantVerified(false)
	h.wantTexts(3) // no code after the last attempt
}

func TestExpiredCodeCountsAndIsReplaced(t *testing.T) {
	h := newHarness(t)
	h.attempt(verify.DefaultCodeTTL+time.Second, "1111")   // right code, too late
	h.attempt(verify.DefaultCodeTTL+2*time.Second, "2222") // the fresh code works
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final.Result)
	}
	h.wantAnswers("verify:CODE_EXPIRED", "verify:SUCCESS")
	h.wantVerified(true)
}

func TestCodeJustBeforeExpiryIsAccepted(t *testing.T) {
	h := newHarness(t)
	h.attempt(verify.DefaultCodeTTL-time.Second, "1111")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final.Result)
	}
	h.wantAnswers("verify:SUCCESS")
}

// A malformed argument is rejected by the validator: no attempt consumed.
func TestMalformedGuessIsRejectedWithoutConsumingAnAttempt(t *testing.T) {
	h := newHarness(t)
	for i, mac := range []string{"", "1234", strings.Repeat("g", 64), strings.ToUpper(verify.CodeMAC(testSecret, h.cust.ID, "1111"))} {
		h.update(time.Duration(i+1)*time.Second, "verify", verify.VerifyUpdate, "", verify.Guess{CodeMAC: mac})
	}
	h.query(10*time.Second, func(_ time.Time, st verify.Status) {
		if st.AttemptsLeft != verify.DefaultMaxAttempts {
			t.Errorf("attempts left after malformed guesses = %d, want %d", st.AttemptsLeft, verify.DefaultMaxAttempts)
		}
	})
	h.attempt(20*time.Second, "1111")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final.Result)
	}
	h.wantAnswers("verify:error(InvalidCode)", "verify:error(InvalidCode)", "verify:error(InvalidCode)",
		"verify:error(InvalidCode)", "verify:SUCCESS")
}

// The window closes by a timer, with no request at all.
func TestVerificationExpiresWithoutTraffic(t *testing.T) {
	h := newHarness(t)
	final := h.run()
	if final.Result != coffeeshop.VerificationExpired {
		t.Fatalf("final = %v, want EXPIRED", final.Result)
	}
	if got := h.env.Now().Sub(h.start); got != verify.DefaultWindow {
		t.Errorf("ended after %s, want %s", got, verify.DefaultWindow)
	}
	if !final.ExpiresAt.Equal(h.start.Add(verify.DefaultWindow)) || !final.CodeExpiresAt.IsZero() {
		t.Errorf("final = %+v", final)
	}
	h.wantVerified(false)
	h.wantTexts(1)
}

func TestVerificationWindowIsConfigurable(t *testing.T) {
	h := newHarness(t)
	h.params.Window = 10 * time.Minute
	h.attempt(time.Minute, "0000") // wrong, "2222" follows
	if final := h.run(); final.Result != coffeeshop.VerificationExpired || final.AttemptsLeft != 2 {
		t.Fatalf("final = %+v, want EXPIRED with 2 attempts left", final)
	}
	if got := h.env.Now().Sub(h.start); got != 10*time.Minute {
		t.Errorf("ended after %s, want 10m", got)
	}
	h.wantAnswers("verify:INCORRECT_CODE")
}

// An attempt that comes as the window closes gets EXPIRED, not a check.
func TestAttemptAtWindowEndAnswersExpired(t *testing.T) {
	h := newHarness(t)
	h.params.Window = 10 * time.Minute
	h.params.CodeTTL = time.Hour
	h.attempt(10*time.Minute, "1111") // the right code, as the window closes
	if final := h.run(); final.Result != coffeeshop.VerificationExpired {
		t.Fatalf("final = %v, want EXPIRED", final.Result)
	}
	for _, r := range h.results() {
		if r != coffeeshop.VerificationExpired {
			t.Errorf("answer %v, want EXPIRED", r)
		}
	}
	h.wantVerified(false)
}

func TestResendReplacesTheCode(t *testing.T) {
	h := newHarness(t)
	h.resend(verify.DefaultResendCooldown) // "2222"; "1111" stops working
	h.attempt(40*time.Second, "1111")      // wrong now; "3333" is sent
	h.attempt(50*time.Second, "3333")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final.Result)
	}
	if len(h.answers) != 3 || h.answers[0].err != nil {
		t.Fatalf("answers %v", h.answers)
	}
	st := h.answers[0].value.(verify.Status)
	if st.Result != coffeeshop.VerificationInProgress || st.SendsLeft != verify.DefaultMaxSends-2 ||
		st.AttemptsLeft != verify.DefaultMaxAttempts || !st.CodeExpiresAt.Equal(h.start.Add(verify.DefaultResendCooldown+verify.DefaultCodeTTL)) {
		t.Errorf("resend answered %+v", st)
	}
	h.wantAnswers(h.answers[0].String(), "verify:INCORRECT_CODE", "verify:SUCCESS")
	h.wantTexts(3)
	if texts := h.sms.texts(); !strings.Contains(texts[1], " 2222.") {
		t.Errorf("second text %q, want code 2222", texts[1])
	}
}

func TestResendCooldown(t *testing.T) {
	h := newHarness(t)
	h.resend(10 * time.Second) // 20 s of the cooldown left
	h.resend(verify.DefaultResendCooldown)
	h.resend(verify.DefaultResendCooldown + time.Second) // 29 s left
	h.attempt(time.Minute, "2222")
	h.run()
	if len(h.answers) != 4 {
		t.Fatalf("answers %v", h.answers)
	}
	wantLimit(t, h.answers[0], 20*time.Second)
	if h.answers[1].err != nil {
		t.Errorf("resend after the cooldown: %v", h.answers[1].err)
	}
	wantLimit(t, h.answers[2], 29*time.Second)
	h.wantTexts(2)
}

// A code sent after a wrong attempt restarts the cooldown too.
func TestCooldownCountsCodesSentAfterWrongAttempts(t *testing.T) {
	h := newHarness(t)
	h.attempt(time.Minute, "0000")
	h.resend(time.Minute + 5*time.Second)
	h.attempt(2*time.Minute, "2222")
	h.run()
	wantLimit(t, h.answers[1], 25*time.Second)
}

func TestSendCap(t *testing.T) {
	h := newHarness(t)
	h.params.CodeTTL = time.Hour
	// Four resends bring the sends to the cap of 5; the fifth is refused
	// until the window closes.
	for i := 1; i <= verify.DefaultMaxSends; i++ {
		h.resend(time.Duration(i) * time.Minute)
	}
	h.query(6*time.Minute, func(_ time.Time, st verify.Status) {
		if st.SendsLeft != 0 {
			t.Errorf("sends left %d, want 0", st.SendsLeft)
		}
	})
	h.attempt(7*time.Minute, "5555")
	h.run()
	for i := 0; i < verify.DefaultMaxSends-1; i++ {
		if h.answers[i].err != nil {
			t.Errorf("resend %d: %v", i+1, h.answers[i].err)
		}
	}
	wantLimit(t, h.answers[verify.DefaultMaxSends-1], verify.DefaultWindow-5*time.Minute)
	h.wantTexts(verify.DefaultMaxSends)
	h.wantVerified(true)
}

// Codes sent after wrong attempts do not count against the send cap.
func TestAutomaticCodesDoNotCountAsSends(t *testing.T) {
	h := newHarness(t)
	h.attempt(time.Second, "0000")
	h.attempt(2*time.Second, "0000")
	h.query(3*time.Second, func(_ time.Time, st verify.Status) {
		if st.SendsLeft != verify.DefaultMaxSends-1 || st.AttemptsLeft != 1 {
			t.Errorf("status %+v, want %d sends and 1 attempt left", st, verify.DefaultMaxSends-1)
		}
	})
	h.attempt(4*time.Second, "3333")
	h.run()
	h.wantTexts(3)
}

func wantLimit(t *testing.T, a answer, retryAfter time.Duration) {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(a.err, &appErr) || appErr.Type() != "SendLimit" {
		t.Errorf("%v: want a SendLimit refusal", a)
		return
	}
	var got time.Duration
	if err := appErr.Details(&got); err != nil || got != retryAfter {
		t.Errorf("%v: retry after %s (%v), want %s", a, got, err, retryAfter)
	}
}

// Attempts that arrive together are answered one by one: exactly the
// attempt budget is consumed and later ones get the final result.
func TestConcurrentAttemptsAfterTheEnd(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 5; i++ {
		h.attempt(time.Minute, fmt.Sprintf("000%d", i))
	}
	if final := h.run(); final.Result != coffeeshop.VerificationMaxAttemptsReached {
		t.Errorf("final = %v", final.Result)
	}
	h.wantAnswers("verify:INCORRECT_CODE", "verify:INCORRECT_CODE", "verify:MAX_ATTEMPTS_REACHED",
		"verify:MAX_ATTEMPTS_REACHED", "verify:MAX_ATTEMPTS_REACHED")
	h.wantTexts(3)
}

func TestTerminalSuccessAnswersAgain(t *testing.T) {
	h := newHarness(t)
	h.attempt(time.Minute, "1111")
	h.attempt(time.Minute, "0000") // after the success: its answer, not a check
	h.resend(time.Minute)
	h.run()
	// The resend may be handled before or after the second attempt.
	var got []string
	for _, a := range h.answers {
		got = append(got, a.String())
	}
	slices.Sort(got)
	if want := "resend:error(AlreadyVerified) verify:SUCCESS verify:SUCCESS"; strings.Join(got, " ") != want {
		t.Errorf("answers %v, want %s", got, want)
	}
}

// A repeated Update ID gets the first answer and consumes nothing.
func TestRepeatedUpdateIDConsumesOneAttempt(t *testing.T) {
	h := newHarness(t)
	h.attemptWithID(10*time.Second, "0000", "verify:k1")
	h.attemptWithID(20*time.Second, "0000", "verify:k1")
	h.attemptWithID(30*time.Second, "2222", "verify:k1") // even with another code
	h.query(40*time.Second, func(_ time.Time, st verify.Status) {
		if st.AttemptsLeft != verify.DefaultMaxAttempts-1 {
			t.Errorf("attempts left %d, want %d", st.AttemptsLeft, verify.DefaultMaxAttempts-1)
		}
	})
	h.attempt(50*time.Second, "2222")
	h.run()
	h.wantAnswers("verify:INCORRECT_CODE", "verify:INCORRECT_CODE", "verify:INCORRECT_CODE", "verify:SUCCESS")
}

func TestStatusQuery(t *testing.T) {
	h := newHarness(t)
	h.query(time.Second, func(now time.Time, st verify.Status) {
		want := verify.Status{Result: coffeeshop.VerificationInProgress, AttemptsLeft: 3, SendsLeft: 4,
			CodeExpiresAt: h.start.Add(verify.DefaultCodeTTL), ExpiresAt: h.start.Add(verify.DefaultWindow)}
		if !sameStatus(st, want) {
			t.Errorf("status %+v, want %+v", st, want)
		}
	})
	h.attempt(10*time.Second, "0000")
	h.query(11*time.Second, func(now time.Time, st verify.Status) {
		want := verify.Status{Result: coffeeshop.VerificationInProgress, AttemptsLeft: 2, SendsLeft: 4,
			CodeExpiresAt: h.start.Add(10*time.Second + verify.DefaultCodeTTL), ExpiresAt: h.start.Add(verify.DefaultWindow)}
		if !sameStatus(st, want) {
			t.Errorf("status %+v, want %+v", st, want)
		}
	})
	h.attempt(20*time.Second, "2222")
	final := h.run()
	want := verify.Status{Result: coffeeshop.VerificationSuccess, AttemptsLeft: 2, SendsLeft: 4, ExpiresAt: h.start.Add(verify.DefaultWindow)}
	if !sameStatus(final, want) {
		t.Errorf("final %+v, want %+v", final, want)
	}
}

func sameStatus(a, b verify.Status) bool {
	return a.Result == b.Result && a.AttemptsLeft == b.AttemptsLeft && a.SendsLeft == b.SendsLeft &&
		a.CodeExpiresAt.Equal(b.CodeExpiresAt) && a.ExpiresAt.Equal(b.ExpiresAt)
}

// A right code whose customer is being marked verified as the window
// closes was checked in time: SUCCESS wins over EXPIRED.
func TestWindowClosingDuringMarkVerifiedKeepsSuccess(t *testing.T) {
	h := newHarness(t)
	h.params.Window = 10 * time.Minute
	h.params.CodeTTL = time.Hour
	var a *verify.Activities
	h.env.OnActivity(a.MarkVerified, mock.Anything, h.cust.ID).After(time.Minute).Return(func(ctx context.Context, id string) error {
		return h.store.MarkPhoneVerified(ctx, id)
	})
	h.attempt(10*time.Minute-time.Second, "1111")
	// While the store is written, after the window's end, nobody is told
	// the verification expired.
	h.query(10*time.Minute+30*time.Second, func(_ time.Time, st verify.Status) {
		if st.Result != coffeeshop.VerificationInProgress {
			t.Errorf("status while marking verified = %v, want IN_PROGRESS", st.Result)
		}
	})
	final := h.run()
	if final.Result != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final.Result)
	}
	if got := h.env.Now().Sub(h.start); got < 10*time.Minute {
		t.Errorf("MarkVerified ended at %s, before the window closed: the test proves nothing", got)
	}
	h.wantAnswers("verify:SUCCESS")
	h.wantVerified(true)
}
