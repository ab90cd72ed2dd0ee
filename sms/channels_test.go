package sms_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sms"
)

// TestFailoverOverWebhooksOnEveryChannel fails WhatsApp and email over
// from a stand-in receiver that answers 503 to one that takes the message:
// both real webhook senders, every request's signature checked by the
// receivers with VerifyWebhookSignature.
func TestFailoverOverWebhooksOnEveryChannel(t *testing.T) {
	for _, tc := range []struct {
		m    coffeeshop.Message
		want map[string]string
	}{
		{coffeeshop.Message{Channel: coffeeshop.ChannelWhatsApp, To: "+447400123456", Body: "Your code is 482913"},
			map[string]string{"channel": "whatsapp", "to": "+447400123456", "body": "Your code is 482913"}},
		{coffeeshop.Message{Channel: coffeeshop.ChannelEmail, To: "alice@example.com", Subject: "Your code", Body: "Your code is 482913"},
			map[string]string{"channel": "email", "to": "alice@example.com", "subject": "Your code", "body": "Your code is 482913"}},
	} {
		t.Run(string(tc.m.Channel), func(t *testing.T) {
			clock := newClock()
			down := newReceiver(t, clock.Now, http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable)
			up := newReceiver(t, clock.Now)
			f := webhookFailover(clock, 2, down, up)
			ctx := context.Background()
			// The first 503 is returned for the caller to retry; the second
			// trips the first receiver, and the same send goes on at once.
			if _, err := f.SendMessage(ctx, tc.m); coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE {
				t.Fatalf("first send: %v, want EUNAVAILABLE", err)
			}
			id, err := f.SendMessage(ctx, tc.m)
			if err != nil || id != "" {
				t.Fatalf("second send: id %q, error %v; want no ID and no error", id, err)
			}
			// The first is cooling down: the next message goes to the second
			// without trying it.
			if _, err := f.SendMessage(ctx, tc.m); err != nil {
				t.Fatal(err)
			}
			if n := len(down.messages()); n != 2 {
				t.Errorf("the failing receiver got %d requests, want 2", n)
			}
			got := up.messages()
			if len(got) != 2 {
				t.Fatalf("the second receiver got %d messages, want 2", len(got))
			}
			for k, v := range tc.want {
				if got[0][k] != v {
					t.Errorf("%s = %q, want %q (message %v)", k, got[0][k], v, got[0])
				}
			}
			if _, ok := got[0]["subject"]; ok != (tc.m.Channel == coffeeshop.ChannelEmail) {
				t.Errorf("subject present %v on %s", ok, tc.m.Channel)
			}
			if got[0]["id"] == "" || got[0]["id"] != got[1]["id"] || got[0]["sent_at"] == "" {
				t.Errorf("id %q and %q, sent_at %q: want one id for one message", got[0]["id"], got[1]["id"], got[0]["sent_at"])
			}
			if down.badSigs+up.badSigs != 0 {
				t.Errorf("%d bad signatures", down.badSigs+up.badSigs)
			}
		})
	}
}

// TestFailoverDoesNotMoveAPermanentRefusal: a 4xx of the first receiver
// refuses the address, not the provider; the second is never asked.
func TestFailoverDoesNotMoveAPermanentRefusal(t *testing.T) {
	clock := newClock()
	refusing := newReceiver(t, clock.Now, http.StatusUnprocessableEntity, http.StatusUnprocessableEntity, http.StatusUnprocessableEntity)
	up := newReceiver(t, clock.Now)
	f := webhookFailover(clock, 1, refusing, up)
	m := coffeeshop.Message{Channel: coffeeshop.ChannelEmail, To: "nobody@example.com", Subject: "Code", Body: "Your code is 482913"}
	for range 3 {
		if _, err := f.SendMessage(context.Background(), m); coffeeshop.ErrorCode(err) != coffeeshop.EUNDELIVERABLE {
			t.Fatalf("error %v, want EUNDELIVERABLE", err)
		}
	}
	if len(refusing.messages()) != 3 || len(up.messages()) != 0 {
		t.Fatalf("first got %d, second %d; want 3, 0", len(refusing.messages()), len(up.messages()))
	}
}

// TestFailoverKeepsTheSendersMessageID: WhatsApp through a failover of
// Twilio (a fake of its API) and a webhook returns Twilio's SID when
// Twilio sent it, and none when the webhook did.
func TestFailoverKeepsTheSendersMessageID(t *testing.T) {
	clock := newClock()
	fake, srv := newFake(t, http.StatusCreated, created)
	tw := twilioSender(srv.URL, io.Discard)
	tw.WhatsAppFrom = "+15005550006"
	up := newReceiver(t, clock.Now)
	f := &sms.Failover{Providers: []sms.Provider{{Name: "twilio", Sender: tw},
		{Name: "webhook", Sender: &sms.Webhook{URL: up.srv.URL, Secret: webhookSecret, Now: clock.Now}}}, After: 1, Now: clock.Now}
	m := coffeeshop.Message{Channel: coffeeshop.ChannelWhatsApp, To: phone, Body: body, StatusCallback: "https://verify.example.com/status"}
	id, err := f.SendMessage(context.Background(), m)
	if err != nil || id == "" || len(fake.requests()) != 1 {
		t.Fatalf("through Twilio: id %q, error %v", id, err)
	}
	srv.Close() // Twilio unreachable: one failure trips it (After 1)
	id, err = f.SendMessage(context.Background(), m)
	if err != nil || id != "" || len(up.messages()) != 1 || up.messages()[0]["channel"] != "whatsapp" {
		t.Fatalf("through the webhook: id %q, error %v, webhook got %v", id, err, up.messages())
	}
}

// TestChannelsRoutesByChannel: the SMS and WhatsApp lists of a Config each
// get their channel's messages; a channel without a list is refused.
func TestChannelsRoutesByChannel(t *testing.T) {
	clock := newClock()
	r := newReceiver(t, clock.Now)
	msgs := sms.Config{Provider: sms.ProviderWebhook, Webhook: sms.Webhook{URL: r.srv.URL, Secret: webhookSecret, Now: clock.Now}}.Messages(nil)
	if _, err := msgs.SendMessage(context.Background(), coffeeshop.Message{To: phone, Body: "a"}); err != nil {
		t.Fatal(err)
	}
	_, err := msgs.SendMessage(context.Background(), coffeeshop.Message{Channel: coffeeshop.ChannelWhatsApp, To: phone, Body: "b"})
	if coffeeshop.ErrorCode(err) != coffeeshop.EUNDELIVERABLE {
		t.Errorf("WhatsApp without a list: %v, want EUNDELIVERABLE", err)
	}
	if got := r.messages(); len(got) != 1 || got[0]["channel"] != "sms" {
		t.Errorf("receiver got %v", got)
	}
}

// webhookFailover is a Failover over real webhook senders to the
// receivers, in order.
func webhookFailover(clock *fakeClock, after int, receivers ...*receiver) *sms.Failover {
	f := &sms.Failover{After: after, Now: clock.Now}
	for i, r := range receivers {
		f.Providers = append(f.Providers, sms.Provider{Name: "webhook-" + strconv.Itoa(i+1),
			Sender: &sms.Webhook{URL: r.srv.URL, Secret: webhookSecret, Now: clock.Now}})
	}
	return f
}
