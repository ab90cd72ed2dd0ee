package metrics_test

import (
	"context"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/metrics"
)

// answering is a provider that answers each message with err.
type answering struct{ err error }

func (a answering) SendMessage(context.Context, coffeeshop.Message) (string, error) { return "", a.err }

// Each provider of each channel is counted under its channel and name;
// SMS and WhatsApp tries also in coffeeshop_sms_*, email's not.
func TestInstrumentMessagesCountsEachChannelsProviders(t *testing.T) {
	r := metrics.New(nil)
	defer r.Close()
	ctx := context.Background()
	smtp := r.InstrumentMessages(answering{}, coffeeshop.ChannelEmail, "smtp")
	hook := r.InstrumentMessages(answering{coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "down")}, coffeeshop.ChannelWhatsApp, "webhook")
	tw := r.InstrumentMessages(answering{coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "refused")}, coffeeshop.ChannelSMS, "twilio")
	smtp.SendMessage(ctx, coffeeshop.Message{Channel: coffeeshop.ChannelEmail})
	smtp.SendMessage(ctx, coffeeshop.Message{Channel: coffeeshop.ChannelEmail})
	hook.SendMessage(ctx, coffeeshop.Message{Channel: coffeeshop.ChannelWhatsApp})
	tw.SendMessage(ctx, coffeeshop.Message{})
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"coffeeshop_messages_sent_total", map[string]string{"channel": "email", "provider": "smtp"}, 2},
		{"coffeeshop_messages_failed_total", map[string]string{"channel": "whatsapp", "provider": "webhook", "reason": "error"}, 1},
		{"coffeeshop_messages_failed_total", map[string]string{"channel": "sms", "provider": "twilio", "reason": "rejected"}, 1},
		{"coffeeshop_sms_failed_total", map[string]string{"provider": "webhook", "reason": "error"}, 1},
		{"coffeeshop_sms_failed_total", map[string]string{"provider": "twilio", "reason": "rejected"}, 1},
		{"coffeeshop_sms_failed_total", map[string]string{"provider": "twilio", "reason": "error"}, 0},
	} {
		if got, ok := value(t, r, c.name, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if _, ok := value(t, r, "coffeeshop_sms_sent_total", map[string]string{"provider": "smtp"}); ok {
		t.Error("email's provider is counted among the SMS ones")
	}
}
