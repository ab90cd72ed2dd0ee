package coffeeshop

import (
	"context"
	"strings"
)

// Channel is how a code reaches a person.
type Channel string

// The channels.
const (
	ChannelSMS      Channel = "sms"
	ChannelWhatsApp Channel = "whatsapp"
	ChannelEmail    Channel = "email"
)

// AllChannels lists every channel, in the default fallback order.
func AllChannels() []Channel { return []Channel{ChannelSMS, ChannelWhatsApp, ChannelEmail} }

// ParseChannel returns the channel named s, or EINVALID naming the valid
// ones.
func ParseChannel(s string) (Channel, error) {
	for _, c := range AllChannels() {
		if string(c) == s {
			return c, nil
		}
	}
	names := make([]string, 0, 3)
	for _, c := range AllChannels() {
		names = append(names, string(c))
	}
	return "", Errorf(EINVALID, "unknown channel %q: one of %s", s, strings.Join(names, ", "))
}

// EmailSender sends emails.
type EmailSender interface {
	// SendEmail sends a plain-text email. Errors follow SMSSender's
	// contract: EUNDELIVERABLE or EINVALID for a message that can never
	// be sent as it is, anything else may go away on retrying; the error's
	// text never holds the body or the full address.
	SendEmail(ctx context.Context, to, subject, body string) error
}

type channelKey struct{}

// WithChannel returns ctx asking that a new verification's first code go
// out on c (a create's "channel"); the verifier refuses a channel that is
// not enabled.
func WithChannel(ctx context.Context, c Channel) context.Context {
	return context.WithValue(ctx, channelKey{}, c)
}

// ChannelFrom returns the channel WithChannel put in ctx, or "".
func ChannelFrom(ctx context.Context) Channel {
	c, _ := ctx.Value(channelKey{}).(Channel)
	return c
}
