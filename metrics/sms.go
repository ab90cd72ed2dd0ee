package metrics

import (
	"context"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// InstrumentMessages returns next, one provider (console, twilio,
// webhook, smtp) of channel ch, with its sends counted: each call to
// SendMessage is one try, counted as sent or as failed with reason
// "rejected" (an EINVALID or EUNDELIVERABLE error: the message can never be
// sent) or "error" (anything else; the activity retries it). Every
// channel's tries are counted in coffeeshop_messages_* by channel and
// provider; SMS and WhatsApp tries also in coffeeshop_sms_* by provider,
// as before there were other providers than SMS ones. The errors pass
// through unchanged.
func (r *Registry) InstrumentMessages(next coffeeshop.MessageSender, ch coffeeshop.Channel, provider string) coffeeshop.MessageSender {
	s := &countingMessages{next: next, channel: string(ch), provider: provider, sms: ch != coffeeshop.ChannelEmail, r: r}
	// The label values exist from the start, so a dashboard shows 0
	// rather than nothing before the first failure.
	r.messagesSent.WithLabelValues(s.channel, provider)
	r.messagesFailed.WithLabelValues(s.channel, provider, "rejected")
	r.messagesFailed.WithLabelValues(s.channel, provider, "error")
	if s.sms {
		r.smsSent.WithLabelValues(provider)
		r.smsFailed.WithLabelValues(provider, "rejected")
		r.smsFailed.WithLabelValues(provider, "error")
	}
	return s
}

type countingMessages struct {
	next              coffeeshop.MessageSender
	channel, provider string
	sms               bool // also counted in coffeeshop_sms_*
	r                 *Registry
}

func (s *countingMessages) SendMessage(ctx context.Context, m coffeeshop.Message) (string, error) {
	start := time.Now()
	id, err := s.next.SendMessage(ctx, m)
	took := time.Since(start).Seconds()
	s.r.messagesLatency.WithLabelValues(s.channel, s.provider).Observe(took)
	if s.sms {
		s.r.smsLatency.WithLabelValues(s.provider).Observe(took)
	}
	reason := ""
	switch code := coffeeshop.ErrorCode(err); {
	case err == nil:
		s.r.messagesSent.WithLabelValues(s.channel, s.provider).Inc()
		if s.sms {
			s.r.smsSent.WithLabelValues(s.provider).Inc()
		}
		return id, nil
	case code == coffeeshop.EINVALID, code == coffeeshop.EUNDELIVERABLE:
		reason = "rejected"
	default:
		reason = "error"
	}
	s.r.messagesFailed.WithLabelValues(s.channel, s.provider, reason).Inc()
	if s.sms {
		s.r.smsFailed.WithLabelValues(s.provider, reason).Inc()
	}
	return id, err
}
