package metrics

import (
	"context"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// InstrumentSMS returns next with its sends counted under
// provider (console, twilio, …): each call to SendSMS is one try, counted
// as sent or as failed with reason "rejected" (an EINVALID or
// EUNDELIVERABLE error: the message can never be sent) or "error" (anything else; the activity
// retries it). The errors themselves pass through unchanged.
func (r *Registry) InstrumentSMS(next coffeeshop.SMSSender, provider string) coffeeshop.SMSSender {
	r.smsLabels(provider)
	return &countingSender{next: next, provider: provider, r: r}
}

// smsLabels makes provider's label values exist from the start, so a
// dashboard shows 0 rather than nothing before the first failure.
func (r *Registry) smsLabels(provider string) {
	r.smsSent.WithLabelValues(provider)
	r.smsFailed.WithLabelValues(provider, "rejected")
	r.smsFailed.WithLabelValues(provider, "error")
}

type countingSender struct {
	next     coffeeshop.SMSSender
	provider string
	r        *Registry
}

func (s *countingSender) SendSMS(ctx context.Context, to, body string) error {
	start := time.Now()
	err := s.next.SendSMS(ctx, to, body)
	s.r.smsLatency.WithLabelValues(s.provider).Observe(time.Since(start).Seconds())
	switch {
	case err == nil:
		s.r.smsSent.WithLabelValues(s.provider).Inc()
	case coffeeshop.ErrorCode(err) == coffeeshop.EINVALID, coffeeshop.ErrorCode(err) == coffeeshop.EUNDELIVERABLE:
		s.r.smsFailed.WithLabelValues(s.provider, "rejected").Inc()
	default:
		s.r.smsFailed.WithLabelValues(s.provider, "error").Inc()
	}
	return err
}

// InstrumentMessages is InstrumentSMS for a sender of messages with
// receipts (Twilio's SMS and WhatsApp), counted under the same names.
func (r *Registry) InstrumentMessages(next coffeeshop.MessageSender, provider string) coffeeshop.MessageSender {
	r.smsLabels(provider)
	return &countingMessages{next: next, provider: provider, r: r}
}

type countingMessages struct {
	next     coffeeshop.MessageSender
	provider string
	r        *Registry
}

func (s *countingMessages) SendMessage(ctx context.Context, m coffeeshop.Message) (string, error) {
	start := time.Now()
	id, err := s.next.SendMessage(ctx, m)
	s.r.smsLatency.WithLabelValues(s.provider).Observe(time.Since(start).Seconds())
	switch {
	case err == nil:
		s.r.smsSent.WithLabelValues(s.provider).Inc()
	case coffeeshop.ErrorCode(err) == coffeeshop.EINVALID:
		s.r.smsFailed.WithLabelValues(s.provider, "rejected").Inc()
	default:
		s.r.smsFailed.WithLabelValues(s.provider, "error").Inc()
	}
	return id, err
}
