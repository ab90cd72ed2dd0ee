// Package email holds the senders of emails: SMTP, and the console for
// development.
package email

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// DefaultTimeout bounds one email's whole SMTP conversation, well inside
// the SendCode activity's 30 s.
const DefaultTimeout = 10 * time.Second

// SMTP sends each email in one SMTP conversation with a relay (the
// operator's mail server or provider) using the standard library's
// net/smtp: EHLO, STARTTLS, AUTH PLAIN when Username is set, MAIL, RCPT,
// DATA, QUIT.
//
// With RequireTLS, a server that does not offer STARTTLS is refused before
// any address or password is sent; without it, STARTTLS is still used
// whenever offered. net/smtp sends the password only over TLS or to a
// loopback server.
//
// Errors follow coffeeshop.EmailSender's contract: a 5xx reply to the
// recipient or the message is EUNDELIVERABLE and must not be retried; a 5xx
// before them (failed authentication, a refused sender: the configuration,
// not the address), a 4xx reply, a network error, a timeout or a server
// without STARTTLS is EUNAVAILABLE, worth retrying. No error or log
// holds the body, the password or the full address (server replies are
// left out: they often quote the address).
type SMTP struct {
	// Addr is the server, host:port (587 for submission with STARTTLS).
	Addr string
	// From is the sender's address, used in MAIL FROM and the From header;
	// it may have a display name ("Coffeeshop <codes@example.com>").
	From string
	// Username, when set, authenticates with AUTH PLAIN and Password.
	Username, Password string
	// RequireTLS refuses a server that does not offer STARTTLS.
	RequireTLS bool
	// TLSConfig verifies the server's certificate; nil means the system's
	// roots and the host of Addr. Its ServerName defaults to that host.
	TLSConfig *tls.Config
	// Timeout bounds each email; 0 means DefaultTimeout.
	Timeout time.Duration
	// Logger gets a record of each email sent; nil means slog.Default().
	Logger *slog.Logger
}

// ProviderSMTP names the SMTP sender in a list of email providers.
const ProviderSMTP = "smtp"

var (
	_ coffeeshop.EmailSender   = (*SMTP)(nil)
	_ coffeeshop.MessageSender = (*SMTP)(nil)
)

// ErrUndeliverable is the coded error a permanently refused email's error
// wraps.
var ErrUndeliverable = coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "the email could not be delivered")

var errUnavailable = coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "the mail server is unavailable")

// SendEmail sends a plain-text email to the address to.
func (s *SMTP) SendEmail(ctx context.Context, to, subject, body string) error {
	masked := Mask(to)
	rcpt, err := bareAddress(to)
	if err != nil {
		return coffeeshop.Errorf(coffeeshop.EINVALID, "email to %s: not an email address", masked)
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return fmt.Errorf("email: the sender address is invalid: %w", ErrUndeliverable)
	}
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("email: the server address is invalid: %w", ErrUndeliverable)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("email to %s: connect to %s: %w: %w", masked, s.Addr, err, errUnavailable)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	// A cancelled context (a worker shutting down) ends the conversation.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return s.fail(masked, "greeting", err)
	}
	defer c.Close()
	if err := c.Hello(helloName(from.Address)); err != nil {
		return s.fail(masked, "EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := &tls.Config{}
		if s.TLSConfig != nil {
			cfg = s.TLSConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		if err := c.StartTLS(cfg); err != nil {
			return s.fail(masked, "STARTTLS", err)
		}
	} else if s.RequireTLS {
		return fmt.Errorf("email to %s: the server %s does not offer STARTTLS and TLS is required (--smtp-tls): %w",
			masked, s.Addr, errUnavailable)
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return s.fail(masked, "AUTH", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return s.fail(masked, "MAIL FROM", err)
	}
	if err := c.Rcpt(rcpt); err != nil {
		return s.fail(masked, stepRcpt, err)
	}
	w, err := c.Data()
	if err != nil {
		return s.fail(masked, stepData, err)
	}
	if _, err := w.Write(message(from, rcpt, subject, body, time.Now())); err != nil {
		return s.fail(masked, stepData, err)
	}
	if err := w.Close(); err != nil {
		return s.fail(masked, stepEndData, err)
	}
	// The message is accepted; a failed QUIT changes nothing.
	_ = c.Quit()
	s.logger().InfoContext(ctx, "email sent", "provider", "smtp", "to", masked, "server", s.Addr)
	return nil
}

// SendMessage sends an email message as SendEmail does; it has no ID (SMTP
// reports no receipts). Other channels are refused.
func (s *SMTP) SendMessage(ctx context.Context, m coffeeshop.Message) (string, error) {
	if m.Channel != coffeeshop.ChannelEmail {
		return "", coffeeshop.RefuseChannel("smtp", m.Channel)
	}
	return "", s.SendEmail(ctx, m.To, m.Subject, m.Body)
}

// The steps of the conversation where a 5xx refuses the email itself.
const (
	stepRcpt    = "RCPT TO"
	stepData    = "DATA"
	stepEndData = "end of DATA"
)

// fail classifies an error of the conversation's step: a 5xx reply is
// permanent, anything else retryable. The server's text is left out.
func (s *SMTP) fail(masked, step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		// Only the recipient and the message can be refused for good: a
		// 5xx before RCPT TO (a failed AUTH, a refused sender or STARTTLS)
		// refuses this server's configuration, which is retried and counts
		// towards a failover to the next provider.
		if te.Code >= 500 && te.Code < 600 && (step == stepRcpt || step == stepData || step == stepEndData) {
			return fmt.Errorf("email to %s refused at %s: SMTP %d: %w", masked, step, te.Code, ErrUndeliverable)
		}
		return fmt.Errorf("email to %s: %s: SMTP %d: %w", masked, step, te.Code, errUnavailable)
	}
	// net/smtp's own refusals (such as AUTH over plaintext to a remote
	// server) and network errors: their text holds no address.
	return fmt.Errorf("email to %s: %s: %w: %w", masked, step, err, errUnavailable)
}

func (s *SMTP) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// bareAddress returns the address in to, which must be a plain address
// (no display name, no line breaks).
func bareAddress(to string) (string, error) {
	if strings.ContainsAny(to, "\r\n<>") {
		return "", errors.New("not a bare address")
	}
	a, err := mail.ParseAddress(to)
	if err != nil || a.Name != "" || a.Address != to {
		return "", errors.New("not a bare address")
	}
	return a.Address, nil
}

// helloName is the name sent in EHLO: the sender's domain, which a relay
// at least knows to be the operator's.
func helloName(from string) string {
	if _, domain, ok := strings.Cut(from, "@"); ok && domain != "" && !strings.ContainsAny(domain, " \r\n[]") {
		return domain
	}
	return "localhost"
}

// message is the email: headers and a quoted-printable UTF-8 body, lines
// ending in CRLF.
func message(from *mail.Address, to, subject, body string, now time.Time) []byte {
	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to)
	header("Subject", mime.QEncoding.Encode("utf-8", strings.Join(strings.Fields(subject), " ")))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+randomID()+"@"+helloName(from.Address)+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&crlfWriter{&b})
	qp.Write([]byte(strings.ReplaceAll(body, "\r\n", "\n")))
	qp.Close()
	b.WriteString("\r\n")
	return []byte(b.String())
}

// crlfWriter writes "\n" as "\r\n".
type crlfWriter struct{ b *strings.Builder }

func (w *crlfWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		if c == '\n' {
			w.b.WriteByte('\r')
		}
		w.b.WriteByte(c)
	}
	return len(p), nil
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Mask returns an email address fit for logs: the local part's first
// character and the domain stay ("alice@example.com" → "a••••@example.com").
// Anything that is not an address is masked whole but for its last two
// characters.
func Mask(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" {
		r := []rune(addr)
		if len(r) < 6 {
			return strings.Repeat("•", len(r))
		}
		return strings.Repeat("•", len(r)-2) + string(r[len(r)-2:])
	}
	r := []rune(local)
	return string(r[0]) + strings.Repeat("•", max(len(r)-1, 1)) + "@" + domain
}
