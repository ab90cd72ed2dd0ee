package api

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/coffeeshop/coffeeshop"
)

// GuardMetrics is told what the SMS pumping guard and the number rules
// decide, for metrics. Its methods are called concurrently.
type GuardMetrics interface {
	// GuardRefused counts a send refused (mode ModeEnforce) or one that
	// would have been (ModeMonitor), by reason (coffeeshop.Reason…).
	GuardRefused(reason, mode string)
	// GuardBlocked counts a prefix blocked, by the prefix's country.
	GuardBlocked(country string)
	// GuardBudgetLeft sets how many sends the budget allows now.
	GuardBudgetLeft(left int)
	// GuardAdmitted counts a send the guard let through, by country.
	GuardAdmitted(country string)
	// GuardReleased counts a send the guard let through and then took back
	// (its text was not sent), by the country the release named.
	GuardReleased(country string)
}

// noGuardMetrics counts nothing.
type noGuardMetrics struct{}

func (noGuardMetrics) GuardRefused(string, string) {}
func (noGuardMetrics) GuardBlocked(string)         {}
func (noGuardMetrics) GuardBudgetLeft(int)         {}
func (noGuardMetrics) GuardAdmitted(string)        {}
func (noGuardMetrics) GuardReleased(string)        {}

// guardMetrics returns s.GuardMetrics, or one that counts nothing.
func (s *Server) guardMetrics() GuardMetrics {
	if s.GuardMetrics == nil {
		return noGuardMetrics{}
	}
	return s.GuardMetrics
}

// DefaultGuardPolicy is the policy the service starts with: a prefix that
// had 10 texts in an hour of which fewer than 2 led to a verification is
// blocked for 15 minutes, twice as long on each repeat up to a day; no
// budget. Real sign-ups convert far better than 20 %, and 10 sign-ups in
// one range of 1,000 numbers within an hour are already unusual; an
// attacker's range never converts, so it costs at most 9 texts an hour at
// first and fewer with each block.
func DefaultGuardPolicy() coffeeshop.GuardPolicy {
	return coffeeshop.GuardPolicy{
		Window:        time.Hour,
		MinSends:      10,
		MinConversion: 0.2,
		BlockFor:      15 * time.Minute,
		MaxBlock:      24 * time.Hour,
	}
}

// GuardConfig configures a Guard.
type GuardConfig struct {
	// Store keeps the counts and blocks, shared by every api process.
	Store coffeeshop.GuardStore
	// Policy says when a prefix is blocked and the budget.
	Policy coffeeshop.GuardPolicy
	// Off turns the guard off (--no-rate-limit): every send is admitted
	// and nothing is counted.
	Off bool
	// Logger gets blocks and refusals; slog.Default() if nil.
	Logger *slog.Logger
	// Metrics, when set, counts what the guard decides.
	Metrics GuardMetrics
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

// Guard is the SMS pumping guard of the API: before a create or resend has
// a code texted it asks the GuardStore to admit the send, which refuses
// sends to blocked number prefixes and beyond the budget; after a
// successful verification it records the conversion. The worker asks it
// too (AdmitSend), for the codes runs send by themselves. A nil Guard, or
// one that is Off, admits everything.
type Guard struct {
	cfg GuardConfig
}

// NewGuard returns the Guard of cfg.
func NewGuard(cfg GuardConfig) *Guard {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = coffeeshop.LogRequestIDs(cfg.Logger)
	if cfg.Metrics == nil {
		cfg.Metrics = noGuardMetrics{}
	}
	return &Guard{cfg: cfg}
}

// active reports whether g decides anything.
func (g *Guard) active() bool { return g != nil && !g.cfg.Off && g.cfg.Store != nil }

// guardUnavailable is what a client learns when the guard's store fails:
// the guard fails closed, so no text is sent.
const guardUnavailable = "the SMS guard is unavailable; retry later"

// admission is a send that admit counted, which release takes back when
// its text is not sent after all; the zero admission counted nothing (the
// guard is off, or the send repeats a key admitted before, whose text is
// another call's).
type admission struct {
	send coffeeshop.GuardSend
}

// admit asks the store to admit a text to the E.164 number phone of
// country; key identifies the send (createKey, resendKey), so that its
// retries count once and release can take it back. It returns the
// admission when the text may be sent; ETOOMANY with a reason and
// RetryAfter when it is refused; EUNAVAILABLE when the store fails (fail
// closed: without the guard's answer nothing is sent).
func (g *Guard) admit(ctx context.Context, phone, country, key string) (admission, error) {
	if !g.active() {
		return admission{}, nil
	}
	send := coffeeshop.GuardSend{Prefix: coffeeshop.NumberPrefix(phone), Country: country, Key: key}
	d, err := g.cfg.Store.AdmitSend(ctx, send, g.cfg.Policy, g.cfg.Now())
	if err != nil {
		if ctx.Err() != nil {
			return admission{}, ctx.Err() // the caller gave up; not the store's failure
		}
		g.cfg.Logger.LogAttrs(ctx, slog.LevelError, "SMS guard unavailable; the send is refused",
			slog.String("prefix", send.Prefix),
			slog.String("error", err.Error()))
		return admission{}, coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, guardUnavailable)
	}
	if d.BudgetLeft >= 0 {
		g.cfg.Metrics.GuardBudgetLeft(d.BudgetLeft)
	}
	if b := d.NewBlock; b != nil {
		g.cfg.Metrics.GuardBlocked(b.Country)
		// A prefix covers a thousand numbers: it is no one's personal data.
		g.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "SMS guard blocked a number prefix",
			slog.String("prefix", b.Prefix),
			slog.String("country", b.Country),
			slog.Int("strikes", b.Strikes),
			slog.Time("until", b.Until),
			slog.Int("sends", b.Sends),
			slog.Int("verified", b.Verified))
	}
	if d.Allowed {
		// A repeat is the text already admitted, not another one: it is
		// that call's to release.
		if d.Repeated {
			return admission{}, nil
		}
		g.cfg.Metrics.GuardAdmitted(country)
		return admission{send: send}, nil
	}
	g.cfg.Metrics.GuardRefused(d.Reason, ModeEnforce)
	wait := max(d.RetryAfter, time.Second)
	g.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "SMS guard refused a send",
		slog.String("reason", d.Reason),
		slog.String("prefix", send.Prefix),
		slog.String("country", country),
		slog.Int64("retry_after_s", retrySeconds(wait)))
	msg := fmt.Sprintf("verification codes to this phone number's range are paused after many unverified sign-ups; retry after %ds (temporary)", retrySeconds(wait))
	if d.Reason == coffeeshop.ReasonSMSBudgetExhausted {
		msg = fmt.Sprintf("this service has sent as many verification codes as it may for now; retry after %ds (temporary)", retrySeconds(wait))
	}
	return admission{}, &coffeeshop.Error{Code: coffeeshop.ETOOMANY, Message: msg, RetryAfter: wait, Reason: d.Reason}
}

// releaseTimeout bounds a release, which runs on after the client has
// gone: it takes back a count the client's call made.
const releaseTimeout = 5 * time.Second

// release takes back a's send, whose text was not sent after all, so that
// it does not count against its prefix, its country and the budget. A
// failure of the store is logged at warn and otherwise ignored: the answer
// to the client is the same, and the send stays counted, as it was before
// releases existed.
func (g *Guard) release(ctx context.Context, a admission) {
	if !g.active() || a.send.Key == "" {
		return
	}
	// The client may have given up; the count is the service's to fix.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err := g.cfg.Store.ReleaseSend(ctx, a.send); err != nil {
		g.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "SMS guard cannot release a send that was not made; it stays counted",
			slog.String("prefix", a.send.Prefix),
			slog.String("error", err.Error()))
		return
	}
	g.cfg.Metrics.GuardReleased(a.send.Country)
}

// AdmitSend admits a text to the E.164 number phone that a worker sends
// without the API (verify.SendGuard: the code after a wrong or expired
// code); key names the send for all its tries, so that it counts once. Its
// answers are admit's.
func (g *Guard) AdmitSend(ctx context.Context, phone, key string) error {
	if !g.active() {
		return nil // before parsing the number: an off guard costs nothing
	}
	country, _ := regionOf(phone)
	_, err := g.admit(ctx, phone, country, key)
	return err
}

// ReleaseSend takes back the text to the E.164 number phone that AdmitSend
// admitted under key, when the worker did not send it after all (the
// per-phone cap or the SMS provider refused it): as release, a failure is
// logged and otherwise ignored; a key not admitted, or released already,
// changes nothing. Whichever try of the send admitted it, the key is the
// same.
func (g *Guard) ReleaseSend(ctx context.Context, phone, key string) {
	if !g.active() {
		return
	}
	country, _ := regionOf(phone)
	g.release(ctx, admission{send: coffeeshop.GuardSend{Prefix: coffeeshop.NumberPrefix(phone), Country: country, Key: key}})
}

// createKey is the guard's key of a create with request_id id: a retried
// create (the same id) is the same send. A create without an id gets a
// key of its own, which no request_id can spell ("create:" prefixes
// those), so that release can take it back.
func createKey(id string) string {
	if id == "" {
		return "create-once:" + uuid.NewString()
	}
	return "create:" + id
}

// resendKey is the guard's key of a resend: each call is a send of its
// own, named so that release can take it back.
func resendKey() string { return "resend:" + uuid.NewString() }

// recordVerified counts the successful verification of customer id, whose
// number is phone, for its prefix. A failure is logged and otherwise
// ignored: the verification has happened whatever the guard's counts say.
func (g *Guard) recordVerified(ctx context.Context, id, phone, country string) {
	if !g.active() {
		return
	}
	prefix := coffeeshop.NumberPrefix(phone)
	if err := g.cfg.Store.RecordVerified(ctx, id, coffeeshop.GuardSend{Prefix: prefix, Country: country}, g.cfg.Now()); err != nil {
		g.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "SMS guard cannot record a verification",
			slog.String("customer_id", id),
			slog.String("prefix", prefix),
			slog.String("error", err.Error()))
	}
}

// recordVerified tells the guard that customer id verified its number. The
// number is read from the store; test numbers are not counted.
func (s *Server) recordVerified(ctx context.Context, id string) {
	if !s.Guard.active() {
		return
	}
	c, err := s.Store.GetCustomer(ctx, id)
	if err != nil {
		s.logger().LogAttrs(ctx, slog.LevelWarn, "SMS guard cannot read a verified customer's number",
			slog.String("customer_id", id),
			slog.String("error", err.Error()))
		return
	}
	if s.TestNumbers.Contains(c.PhoneNumber) {
		return
	}
	region, _ := regionOf(c.PhoneNumber)
	s.Guard.recordVerified(ctx, id, c.PhoneNumber, region)
}
