// Package sms holds the senders of text messages, the webhook that
// carries every channel's messages, and the failover over a channel's
// providers.
package sms

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/coffeeshop/coffeeshop"
)

// ConsolePrefix starts every message line the console sender writes, so
// that a person (or a test) can find the texts in a process's output.
const ConsolePrefix = "SMS to "

// Console is an SMS sender for local development: instead of texting, it
// writes each message as one line to Out, its stand-in delivery channel. It
// never fails.
//
// The message, code included, goes only to Out and never to Logger: logs are
// kept, shipped and read by more people than the ones testing their phone
// flow, so a code in a log would be a code exposed. The log gets a record
// that a message was sent, to a masked number, without its text. The number
// on the message line is masked too: the person reading it knows which
// number they used, and the line often ends up in the same terminal or file
// as the logs.
type Console struct {
	// Out receives one line per message: ConsolePrefix, the masked number,
	// ": " and the message with line breaks replaced by spaces. nil means
	// os.Stdout.
	Out io.Writer
	// Logger gets the "sms sent" record; nil means slog.Default().
	Logger *slog.Logger

	mu sync.Mutex // keeps the lines of concurrent sends whole
}

var (
	_ coffeeshop.SMSSender     = (*Console)(nil)
	_ coffeeshop.MessageSender = (*Console)(nil)
)

// SendMessage writes an SMS as SendSMS does; it has no ID. Other channels
// are refused.
func (c *Console) SendMessage(ctx context.Context, m coffeeshop.Message) (string, error) {
	if channelOr(m.Channel) != coffeeshop.ChannelSMS {
		return "", coffeeshop.RefuseChannel("the console", m.Channel)
	}
	return "", c.SendSMS(ctx, m.To, m.Body)
}

// SendSMS writes the message to Out and logs that it was sent, at level
// INFO, with the masked number only.
func (c *Console) SendSMS(ctx context.Context, to, body string) error {
	out := c.Out
	if out == nil {
		out = os.Stdout
	}
	masked := coffeeshop.MaskPhone(to)
	line := ConsolePrefix + masked + ": " + strings.Join(strings.Fields(body), " ") + "\n"
	c.mu.Lock()
	_, err := io.WriteString(out, line)
	c.mu.Unlock()
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	if err != nil {
		// The console is the only channel there is; a text it cannot show
		// is still "sent" for the workflow, so that a broken terminal does
		// not fail verifications. The failure goes to the log.
		log.WarnContext(ctx, "console sms sender cannot write the message", "to", masked, "error", err)
		return nil
	}
	log.InfoContext(ctx, "sms sent (console sender, not delivered)", "to", masked, "chars", len(body))
	return nil
}
