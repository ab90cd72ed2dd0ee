package coffeeshop_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop"
)

func TestDeliveryStatusOnlyMovesForward(t *testing.T) {
	const (
		none        = coffeeshop.DeliveryStatus("")
		queued      = coffeeshop.DeliveryQueued
		sent        = coffeeshop.DeliverySent
		delivered   = coffeeshop.DeliveryDelivered
		undelivered = coffeeshop.DeliveryUndelivered
		failed      = coffeeshop.DeliveryFailed
	)
	for _, c := range []struct {
		from, to coffeeshop.DeliveryStatus
		want     bool
	}{
		{none, queued, true}, {none, delivered, true}, {queued, sent, true}, {sent, delivered, true},
		{queued, undelivered, true}, {sent, failed, true},
		{queued, queued, false}, {sent, queued, false}, {delivered, sent, false},
		{delivered, undelivered, false}, {undelivered, delivered, false}, {failed, undelivered, false},
		{queued, "read", false}, {sent, none, false},
	} {
		if got := c.from.Advances(c.to); got != c.want {
			t.Errorf("%q.Advances(%q) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
	if !undelivered.Failed() || !failed.Failed() || delivered.Failed() || !delivered.Final() || sent.Final() {
		t.Error("Failed/Final disagree with the statuses")
	}
}

// A Message in a log record shows neither its text nor its code, and only
// the masked number.
func TestMessageLogValueHidesTheCode(t *testing.T) {
	var logs bytes.Buffer
	m := coffeeshop.Message{Channel: coffeeshop.ChannelWhatsApp, To: "+447400123456", Body: "Your code is 482915",
		Subject: "Your code", Code: "482915", Locale: "de", StatusCallback: "https://verify.example/cb"}
	slog.New(slog.NewTextHandler(&logs, nil)).Info("sending", "message", m)
	for _, secret := range []string{"482915", "+447400123456", "Your code"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log %q shows %q", logs.String(), secret)
		}
	}
	if !strings.Contains(logs.String(), "message.channel=whatsapp") || !strings.Contains(logs.String(), "message.locale=de") {
		t.Errorf("log %q lacks the channel or the locale", logs.String())
	}
}
