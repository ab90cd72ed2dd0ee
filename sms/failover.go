package sms

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// The defaults of a Failover.
const (
	DefaultFailoverAfter    = 3
	DefaultFailoverCooldown = time.Minute
)

// Provider is one sender of a Failover, with the name logs give it.
type Provider struct {
	Name   string
	Sender coffeeshop.MessageSender
}

// Failover sends each message of one channel (SMS, WhatsApp or email)
// through the first healthy provider of an ordered list. A provider whose
// sends fail with a retryable error After times in a row is unhealthy: it
// is skipped for Cooldown, then tried again, and one more retryable
// failure then skips it for another Cooldown. A success makes it healthy.
// Each channel has a Failover of its own, so a provider's health on one
// channel does not decide another's.
//
// A send tries one provider, so that a provider that took a message and
// only failed to say so (a timeout) does not make the person get two —
// unless that failure is the one that makes the provider unhealthy: then
// the send goes on to the next healthy provider at once. The error of a
// failed try is returned, and the caller (the SendCode activity) retries
// as it would with a single provider. A permanent refusal (EUNDELIVERABLE
// or EINVALID) is returned at once and counts against no provider: the
// number or address is the problem, not the provider. When every provider
// is unhealthy, a send fails with EUNAVAILABLE without trying any.
type Failover struct {
	Providers []Provider
	// After is the count of retryable failures in a row that makes a
	// provider unhealthy; 0 means DefaultFailoverAfter.
	After int
	// Cooldown is how long an unhealthy provider is skipped; 0 means
	// DefaultFailoverCooldown.
	Cooldown time.Duration
	// Now is the clock of the cooldowns; nil means time.Now.
	Now func() time.Time
	// Logger gets a record when a provider becomes unhealthy or healthy
	// again; nil means slog.Default().
	Logger *slog.Logger

	mu    sync.Mutex
	state map[int]*providerState
}

type providerState struct {
	failures int       // retryable failures in a row
	until    time.Time // skipped before then
	tripped  bool      // unhealthy since the last success
}

var (
	_ coffeeshop.SMSSender     = (*Failover)(nil)
	_ coffeeshop.MessageSender = (*Failover)(nil)
	_ coffeeshop.EmailSender   = (*Failover)(nil)
)

// SendSMS sends an SMS through the first healthy provider.
func (f *Failover) SendSMS(ctx context.Context, to, body string) error {
	return sendSMS(ctx, f, to, body)
}

// SendEmail sends an email through the first healthy provider.
func (f *Failover) SendEmail(ctx context.Context, to, subject, body string) error {
	return sendEmail(ctx, f, to, subject, body)
}

// SendMessage sends m through the first healthy provider and returns the
// message ID that provider gave ("" from one without receipts).
func (f *Failover) SendMessage(ctx context.Context, m coffeeshop.Message) (string, error) {
	ch := channelOr(m.Channel)
	var lastErr error
	for i, p := range f.Providers {
		if !f.healthy(i) {
			continue
		}
		id, err := p.Sender.SendMessage(ctx, m)
		switch code := coffeeshop.ErrorCode(err); {
		case err == nil:
			f.succeeded(ctx, ch, i)
			return id, nil
		case code == coffeeshop.EUNDELIVERABLE || code == coffeeshop.EINVALID:
			return "", err
		case ctx.Err() != nil:
			// The caller gave up (the activity's timeout, a shutdown): not
			// the provider's fault.
			return "", err
		}
		if !f.failed(ctx, ch, i) {
			return "", err
		}
		lastErr = err
	}
	if lastErr != nil {
		return "", lastErr
	}
	return "", coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "every %s provider (%s) failed repeatedly and is cooling down", ch, f.names())
}

func (f *Failover) healthy(i int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stateOf(i)
	return !f.now().Before(s.until)
}

// succeeded makes provider i healthy.
func (f *Failover) succeeded(ctx context.Context, ch coffeeshop.Channel, i int) {
	f.mu.Lock()
	s := f.stateOf(i)
	was := s.tripped
	*s = providerState{}
	f.mu.Unlock()
	if was {
		f.logger().InfoContext(ctx, string(ch)+" provider healthy again", "provider", f.Providers[i].Name, "channel", string(ch))
	}
}

// failed counts a retryable failure of provider i and reports whether it
// made the provider unhealthy.
func (f *Failover) failed(ctx context.Context, ch coffeeshop.Channel, i int) bool {
	after, cooldown := f.After, f.Cooldown
	if after <= 0 {
		after = DefaultFailoverAfter
	}
	if cooldown <= 0 {
		cooldown = DefaultFailoverCooldown
	}
	f.mu.Lock()
	s := f.stateOf(i)
	s.failures++
	trip := s.failures >= after || s.tripped // after a cooldown, one failure is enough
	n := s.failures
	if trip {
		s.failures, s.tripped, s.until = 0, true, f.now().Add(cooldown)
	}
	f.mu.Unlock()
	if trip {
		f.logger().WarnContext(ctx, string(ch)+" provider failing: skipped for a while", "provider", f.Providers[i].Name,
			"channel", string(ch), "cooldown", cooldown.String(), "failures_in_a_row", n)
	}
	return trip
}

func (f *Failover) stateOf(i int) *providerState {
	if f.state == nil {
		f.state = map[int]*providerState{}
	}
	s, ok := f.state[i]
	if !ok {
		s = &providerState{}
		f.state[i] = s
	}
	return s
}

func (f *Failover) names() string {
	n := make([]string, len(f.Providers))
	for i, p := range f.Providers {
		n[i] = p.Name
	}
	return strings.Join(n, ", ")
}

func (f *Failover) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Failover) logger() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.Default()
}

// String names the providers in order, for banners.
func (f *Failover) String() string { return fmt.Sprintf("failover(%s)", f.names()) }
