package coffeeshop

import (
	"context"
	"log/slog"
	"time"
)

// Message is one code's message to a person, on any channel.
type Message struct {
	Channel Channel
	// To is the E.164 number (the sender adds any channel prefix), or the
	// email address on the email channel.
	To   string
	Body string
	// Subject is an email's subject; the other channels have none.
	Subject string
	// StatusCallback, when set, is the URL the provider reports the
	// message's delivery states to (Twilio's SMS and WhatsApp).
	StatusCallback string
	// Code is the one-time code that Body shows, for a sender that sends a
	// provider's template filled with it instead of Body (Twilio's
	// WhatsApp templates). Like Body, it is never logged.
	Code string
	// Locale is the BCP 47 locale Body was rendered in (a locale of the
	// worker's texts), for choosing such a template; "" when unknown.
	Locale string
}

// LogValue keeps a Message in a log record to what may be logged: the
// channel, the masked number (an address is left out), the locale and
// whether a callback is set; never the body, subject or code.
func (m Message) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("channel", string(m.Channel))}
	if m.Channel != ChannelEmail {
		attrs = append(attrs, slog.String("to", MaskPhone(m.To)))
	}
	if m.Locale != "" {
		attrs = append(attrs, slog.String("locale", m.Locale))
	}
	return slog.GroupValue(append(attrs, slog.Bool("status_callback", m.StatusCallback != ""))...)
}

// RefuseChannel is the error of a sender (provider, as errors name it)
// asked for a channel it does not serve: a configuration that no retry
// repairs.
func RefuseChannel(provider string, ch Channel) error {
	return Errorf(EUNDELIVERABLE, "%s cannot send on channel %q", provider, ch)
}

// MessageSender sends Messages and returns the provider's ID of each, which
// its delivery receipts name; "" when the provider reports no receipts.
// Errors follow SMSSender's contract.
type MessageSender interface {
	SendMessage(ctx context.Context, m Message) (id string, err error)
}

// DeliveryStatus is where a message stands, as its provider reports it.
type DeliveryStatus string

// The delivery statuses, in the order a message goes through them.
// Undelivered and failed are final, as delivered is.
const (
	DeliveryQueued      DeliveryStatus = "queued"
	DeliverySent        DeliveryStatus = "sent"
	DeliveryDelivered   DeliveryStatus = "delivered"
	DeliveryUndelivered DeliveryStatus = "undelivered"
	DeliveryFailed      DeliveryStatus = "failed"
)

// deliveryRank orders the statuses: a message's status only moves to a
// higher rank. The final ones share the top rank, so the first of them
// to arrive stays.
func (s DeliveryStatus) rank() int {
	switch s {
	case DeliveryQueued:
		return 1
	case DeliverySent:
		return 2
	case DeliveryDelivered, DeliveryUndelivered, DeliveryFailed:
		return 3
	}
	return 0
}

// Known reports whether s is one of the delivery statuses.
func (s DeliveryStatus) Known() bool { return s.rank() > 0 }

// Final reports whether s ends the message's way: delivered, undelivered
// or failed.
func (s DeliveryStatus) Final() bool { return s.rank() == 3 }

// Failed reports whether the message did not arrive: undelivered or failed.
func (s DeliveryStatus) Failed() bool { return s == DeliveryUndelivered || s == DeliveryFailed }

// Advances reports whether a message at status from may move to status to:
// only forward, and never away from a final status.
func (from DeliveryStatus) Advances(to DeliveryStatus) bool { return to.rank() > from.rank() }

// Delivery is what is known of the current code's message.
type Delivery struct {
	Channel Channel
	// Status is empty while the message is being handed to the provider.
	Status DeliveryStatus
	// ErrorCode is the provider's error code of an undelivered or failed
	// message (Twilio's, e.g. "30003"); empty otherwise.
	ErrorCode string
	// UpdatedAt is when the status last changed.
	UpdatedAt time.Time
	// NoFallback: the message did not arrive (or no receipt came in time)
	// and no channel is left to fall back to; the code stays the current
	// one.
	NoFallback bool
}

// Receipt is a provider's report on one message of a verification.
type Receipt struct {
	// Send numbers the verification's sends (1, 2, ...); the provider
	// echoes it from the status callback's URL.
	Send      int
	MessageID string
	Status    DeliveryStatus
	ErrorCode string
	At        time.Time
}
