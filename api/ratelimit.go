package api

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
	"github.com/nyaruka/phonenumbers"
)

// The full gRPC names of the methods that have limits by default. Over HTTP
// the gateway calls the same methods, so one table covers both.
const (
	CreateMethod = customerv1.CustomerService_CreateCustomer_FullMethodName
	VerifyMethod = customerv1.CustomerService_VerifyCustomer_FullMethodName
	ResendMethod = customerv1.CustomerService_ResendCode_FullMethodName
)

// Rate is a token bucket: up to Count calls at once, after which one more is
// allowed every Per/Count, so that Count calls fit in every Per. The zero
// Rate is no limit.
type Rate struct {
	Count int
	Per   time.Duration
}

// Off reports whether r is no limit.
func (r Rate) Off() bool { return r.Count <= 0 || r.Per <= 0 }

// String returns r as ParseRate reads it: "30/10m", or "off".
func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	return strconv.Itoa(r.Count) + "/" + shortDuration(r.Per)
}

// shortDuration prints whole hours and minutes without the trailing zero
// units time.Duration.String adds ("10m", not "10m0s").
func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

// Bounds of a Rate ParseRate accepts.
const (
	maxRateCount = 1_000_000
	minRatePer   = time.Second
	maxRatePer   = 7 * 24 * time.Hour
)

// ParseRate reads a Rate written as "N/duration" ("30/10m", "5/1h"; a bare
// unit means one of it: "60/m") or "off". N is 1 to 1,000,000 and the
// duration 1s to 168h.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return Rate{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	if per != "" && (per[0] < '0' || per[0] > '9') {
		per = "1" + per
	}
	count, errN := strconv.Atoi(n)
	d, errD := time.ParseDuration(per)
	if !ok || errN != nil || errD != nil {
		return Rate{}, fmt.Errorf("%q must be N/duration such as 30/10m, or off", s)
	}
	if count < 1 || count > maxRateCount {
		return Rate{}, fmt.Errorf("%q: the count must be 1 to %d", s, maxRateCount)
	}
	if d < minRatePer || d > maxRatePer {
		return Rate{}, fmt.Errorf("%q: the duration must be %s to %s", s, minRatePer, maxRatePer)
	}
	return Rate{Count: count, Per: d}, nil
}

// Rule is the limits of one method: calls per client address and calls per
// phone number. Either may be off.
type Rule struct {
	PerIP    Rate
	PerPhone Rate
}

// Limits maps full gRPC method names to their Rule; methods not in it have
// no limits. To limit a new RPC, add its name.
type Limits map[string]Rule

// DefaultLimits returns the limits the service starts with. They are sized
// so that real people never meet them and scripts meet them fast:
//
//   - Every create texts a code, so creates are what SMS pumping and SMS
//     bombing abuse. Per address: 30 at once, then one every 20 s (90/h) —
//     an office, a campus or a mobile carrier's NAT puts many people behind
//     one address, and each person creates once. Per phone: 5 at once, then
//     one every 12 min — one person signs up once and may retry a few times.
//   - A verify is one typed code; a person sends a handful, and a wrong code
//     makes the workflow text a new one. Per address: 60 at once, then one a
//     second, enough for a NAT'd crowd, while a guessing script across many
//     customers gets one guess a second. Per phone: 10 at once, then one a
//     minute — the workflow's attempt budget (3) plus retries of the same
//     request; more is a script.
//   - A resend texts a code. The workflow has its own cooldown (30 s) and
//     caps, which give the exact answer; these edge limits are looser and
//     only stop floods before they reach Temporal. Per address: 20 at once,
//     then one every 30 s; per phone: 6 at once, then one every 100 s.
//
// Read requests (get, batch get) have no limits: they send nothing and an
// unguessable UUID names each customer.
func DefaultLimits() Limits {
	return Limits{
		CreateMethod: {PerIP: Rate{30, 10 * time.Minute}, PerPhone: Rate{5, time.Hour}},
		VerifyMethod: {PerIP: Rate{60, time.Minute}, PerPhone: Rate{10, 10 * time.Minute}},
		ResendMethod: {PerIP: Rate{20, 10 * time.Minute}, PerPhone: Rate{6, 10 * time.Minute}},
	}
}

// DefaultMaxKeys is how many clients or phone numbers each limit tracks at
// most (docs/benchmarks.md has the memory this takes).
const DefaultMaxKeys = 100_000

// LimiterConfig configures a Limiter (Server.NewLimiter).
type LimiterConfig struct {
	// Limits is the table of methods and their rules; nil means no limits.
	Limits Limits
	// NoPerIPLimits turns every per-address limit off (--no-rate-limit, for
	// local load tests). Per-phone limits stay: they protect the SMS budget.
	NoPerIPLimits bool
	// ClientIPs tells the client address of a call; nil counts each call by
	// the address of its connection.
	ClientIPs *ClientIPs
	// MaxKeys bounds the keys each limit tracks; DefaultMaxKeys if 0.
	MaxKeys int
	// Now is the clock; time.Now if nil. Tests set it.
	Now func() time.Time
	// Logger is where rejections are logged; slog.Default() if nil.
	Logger *slog.Logger
}

// Limiter enforces Limits on unary gRPC calls. It keeps its token buckets in
// memory, so each API process limits on its own. A Limiter is safe for
// concurrent use.
type Limiter struct {
	cfg    LimiterConfig
	server *Server
	rules  map[string]*methodBuckets
}

type methodBuckets struct {
	perIP, perPhone *buckets // nil when off
}

// NewLimiter returns a Limiter for cfg in front of s. It reads phone numbers
// as s does (PhoneRegion), so that "07700 900123" and "+447700900123" count
// as one phone, and finds the number of a customer that a verify or resend
// names in s.Store.
func (s *Server) NewLimiter(cfg LimiterConfig) *Limiter {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	l := &Limiter{cfg: cfg, server: s, rules: map[string]*methodBuckets{}}
	for method, r := range cfg.Limits {
		m := &methodBuckets{}
		if !r.PerIP.Off() && !cfg.NoPerIPLimits {
			m.perIP = newBuckets(r.PerIP, cfg.MaxKeys)
		}
		if !r.PerPhone.Off() {
			m.perPhone = newBuckets(r.PerPhone, cfg.MaxKeys)
		}
		if m.perIP != nil || m.perPhone != nil {
			l.rules[method] = m
		}
	}
	return l
}

// UnaryInterceptor returns the interceptor that admits or rejects each call
// before its handler runs. A rejected call gets codes.ResourceExhausted
// (HTTP 429) with a message that says which limit was hit and that it is
// temporary, a "retry-after" response header in whole seconds (at least 1;
// the gateway passes it on as Retry-After) and the details
// google.rpc.RetryInfo and google.rpc.ErrorInfo (reason RATE_LIMITED).
// A rejected call consumes nothing from any limit. A call its handler
// answers InvalidArgument (a malformed field: nothing was done, no code
// checked or sent) gives its phone number's token back, so that a person
// who mistypes a form does not spend the number's creates or verifies; it
// keeps its address's, which bounds a flood of bad calls.
func (l *Limiter) UnaryInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		m, ok := l.rules[info.FullMethod]
		if !ok {
			return handler(ctx, req)
		}
		phoneRes, err := l.admit(ctx, info.FullMethod, m, req)
		if err != nil {
			return nil, err
		}
		resp, err := handler(ctx, req)
		if phoneRes != nil && status.Code(err) == codes.InvalidArgument {
			m.perPhone.cancel(phoneRes, l.cfg.Now())
		}
		return resp, err
	}
}

// Limit scopes, as named in messages, logs and ErrorInfo.
const (
	scopeClient = "client"
	scopePhone  = "phone number"
)

// admit takes one token from each limit that covers the call, or none when
// any of them is empty. The address limit is checked first so that a flood
// from one address is turned away before the phone lookup reads the store.
//
// A call about a test number (Server.TestNumbers) is admitted and counted
// by no limit. To tell, the number is looked up first when test numbers
// are configured, at the cost of a store read per verify or resend.
//
// It returns the phone number's reservation, nil when none was taken.
func (l *Limiter) admit(ctx context.Context, method string, m *methodBuckets, req any) (*rate.Reservation, error) {
	now := l.cfg.Now()
	var phone string
	looked := false
	phoneKey := func() string {
		if !looked {
			phone, looked = l.phoneKey(ctx, req), true
		}
		return phone
	}
	if tn := l.server.TestNumbers; !tn.Empty() && tn.Contains(phoneKey()) {
		return nil, nil
	}
	var ipRes *rate.Reservation
	if m.perIP != nil {
		ipRes = m.perIP.reserve(ipKey(l.cfg.ClientIPs.ClientIP(ctx)), now)
		if d := ipRes.DelayFrom(now); d > 0 {
			m.perIP.cancel(ipRes, now)
			return nil, l.reject(ctx, method, scopeClient, d)
		}
	}
	if m.perPhone != nil {
		if key := phoneKey(); key != "" {
			res := m.perPhone.reserve(key, now)
			if d := res.DelayFrom(now); d > 0 {
				m.perPhone.cancel(res, now)
				if ipRes != nil {
					m.perIP.cancel(ipRes, now)
				}
				return nil, l.reject(ctx, method, scopePhone, d)
			}
			return res, nil
		}
	}
	return nil, nil
}

// reject builds the answer to a call over a limit, with the retry-after
// header and RetryInfo detail that every 429 of the service carries
// (retryafter.go), and an ErrorInfo that tells the limit from others.
func (l *Limiter) reject(ctx context.Context, method, scope string, wait time.Duration) error {
	secs := retrySeconds(wait)
	setRetryAfter(ctx, wait)
	l.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "rate limited",
		slog.String("method", method),
		slog.String("limit", scope),
		slog.Int64("retry_after_s", secs))
	st := withRetryInfo(status.New(codes.ResourceExhausted,
		fmt.Sprintf("rate limit exceeded for this %s; retry after %ds (temporary)", scope, secs)), wait)
	withInfo, err := st.WithDetails(&errdetails.ErrorInfo{Reason: "RATE_LIMITED", Domain: ErrorDomain,
		Metadata: map[string]string{
			"limit":     strings.ReplaceAll(scope, " ", "_"),
			"temporary": "true",
		}})
	if err == nil {
		st = withInfo
	}
	return st.Err()
}

// phoneKey returns the phone number a call is about, in one spelling per
// phone, or "" when it names none (then only the address limit applies).
//
// A create carries the number. A verify or resend names a customer: its
// number is read from the store, rather than keying by customer ID, because
// what the limit protects — the SMS budget and the person who owns the
// phone — belongs to the number, and several customers may have held the
// same number over time. An unknown customer has no number and is answered
// 404 by the handler; a store that fails lets the call through, since the
// handler then fails the same way.
func (l *Limiter) phoneKey(ctx context.Context, req any) string {
	switch r := req.(type) {
	case interface{ GetCustomer() *customerv1.Customer }:
		return l.phoneKeyOf(r.GetCustomer().GetPhoneNumber())
	case idRequest:
		id, ok := coffeeshop.CanonicalID(r.GetCustomerId())
		if !ok || l.server.Store == nil {
			return ""
		}
		c, err := l.server.Store.GetCustomer(ctx, id)
		if err != nil {
			if coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
				l.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "rate limiter cannot read the customer's phone number; the per-phone limit is skipped",
					slog.String("customer_id", id),
					slog.String("error", err.Error()))
			}
			return ""
		}
		return l.phoneKeyOf(c.PhoneNumber)
	}
	return ""
}

// phoneKeyOf is the key of a phone number: its E.164 form when it parses,
// so that one phone has one key however it is written, and otherwise its
// first maxPhoneLen digits (the handler rejects such a number, but it still
// counts).
func (l *Limiter) phoneKeyOf(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	if n := parseNumber(raw, l.server.phoneRegion()); n != nil {
		return phonenumbers.Format(n, phonenumbers.E164) // valid or not: the handler decides
	}
	var b strings.Builder
	for i, r := range raw {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
		if b.Len() >= maxPhoneLen {
			break
		}
	}
	return "raw:" + b.String()
}

// buckets is one token bucket per key (client address or phone number) for
// one Rate.
//
// Memory is bounded two ways. A bucket that has refilled completely behaves
// exactly like a new one, so such buckets are dropped — losslessly — by a
// sweep that runs at most once per sweepEvery, and only when a new key
// arrives. If maxKeys buckets are still in use after a sweep, an arbitrary
// one (Go randomizes map order) is dropped to make room: a flood from that
// many addresses can then give some key a fresh bucket, but it can neither
// grow memory nor lock out clients it has never seen.
type buckets struct {
	rate      Rate
	limit     rate.Limit
	maxKeys   int
	mu        sync.Mutex
	m         map[string]*rate.Limiter
	nextSweep time.Time
}

// sweepEvery is how often idle buckets are looked for at most.
const sweepEvery = time.Minute

func newBuckets(r Rate, maxKeys int) *buckets {
	return &buckets{
		rate:    r,
		limit:   rate.Every(r.Per / time.Duration(r.Count)),
		maxKeys: maxKeys,
		m:       map[string]*rate.Limiter{},
	}
}

// reserve takes a token from key's bucket at now. The reservation's delay is
// how long the caller would have to wait; the caller cancels it when it does
// not go ahead. The lock is held across the reservation so that a sweep
// cannot drop a bucket between lookup and use.
func (b *buckets) reserve(key string, now time.Time) *rate.Reservation {
	b.mu.Lock()
	defer b.mu.Unlock()
	lim, ok := b.m[key]
	if !ok {
		if len(b.m) >= b.maxKeys || !now.Before(b.nextSweep) {
			b.sweep(now)
		}
		if len(b.m) >= b.maxKeys {
			for k := range b.m {
				delete(b.m, k)
				break
			}
		}
		lim = rate.NewLimiter(b.limit, b.rate.Count)
		b.m[key] = lim
	}
	return lim.ReserveN(now, 1)
}

// cancel gives back a reservation's token.
func (b *buckets) cancel(r *rate.Reservation, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r.CancelAt(now)
}

// sweep drops full buckets. b.mu is held.
func (b *buckets) sweep(now time.Time) {
	b.nextSweep = now.Add(sweepEvery)
	full := float64(b.rate.Count)
	for k, lim := range b.m {
		if lim.TokensAt(now) >= full {
			delete(b.m, k)
		}
	}
}

// len returns the number of buckets kept.
func (b *buckets) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}
