package email

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/coffeeshop/coffeeshop"
)

// ConsolePrefix starts every email the console sender writes.
const ConsolePrefix = "Email to "

// Console is an email sender for local development, as sms.Console is for
// texts: each email goes to Out as a line "Email to <masked address>:
// Subject: <subject>" and the body's lines indented by two spaces; the log
// gets a record without the body. It never fails.
type Console struct {
	// Out receives the emails; nil means os.Stdout.
	Out io.Writer
	// Logger gets the "email sent" record; nil means slog.Default().
	Logger *slog.Logger

	mu sync.Mutex // keeps concurrent emails whole
}

var (
	_ coffeeshop.EmailSender   = (*Console)(nil)
	_ coffeeshop.MessageSender = (*Console)(nil)
)

// SendMessage writes an email message as SendEmail does; it has no ID.
// Other channels are refused.
func (c *Console) SendMessage(ctx context.Context, m coffeeshop.Message) (string, error) {
	if m.Channel != coffeeshop.ChannelEmail {
		return "", coffeeshop.RefuseChannel("the console", m.Channel)
	}
	return "", c.SendEmail(ctx, m.To, m.Subject, m.Body)
}

// SendEmail writes the email to Out.
func (c *Console) SendEmail(ctx context.Context, to, subject, body string) error {
	out := c.Out
	if out == nil {
		out = os.Stdout
	}
	masked := Mask(to)
	var b strings.Builder
	b.WriteString(ConsolePrefix + masked + ": Subject: " + strings.Join(strings.Fields(subject), " ") + "\n")
	for _, line := range strings.Split(strings.TrimRight(strings.ReplaceAll(body, "\r\n", "\n"), "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	c.mu.Lock()
	_, err := io.WriteString(out, b.String())
	c.mu.Unlock()
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	if err != nil {
		log.WarnContext(ctx, "console email sender cannot write the email", "to", masked, "error", err)
		return nil
	}
	log.InfoContext(ctx, "email sent (console sender, not delivered)", "to", masked)
	return nil
}
