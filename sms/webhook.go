package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/email"
)

// ProviderWebhook names the webhook sender in a Config.
const ProviderWebhook = "webhook"

// The headers of a webhook request's signature.
const (
	WebhookTimestampHeader = "X-Coffeeshop-Timestamp"
	WebhookSignatureHeader = "X-Coffeeshop-Signature"
)

// MinWebhookSecretBytes is the shortest shared secret a Webhook accepts:
// an HMAC-SHA256 key shorter than its 32-byte output weakens it.
const MinWebhookSecretBytes = 32

// WebhookTimeout bounds one request to the receiver, as TwilioTimeout
// bounds Twilio's.
const WebhookTimeout = 10 * time.Second

// DefaultWebhookTolerance is how far a signature's timestamp may be from a
// receiver's clock, either way, for VerifyWebhookSignature to accept it.
const DefaultWebhookTolerance = 5 * time.Minute

var defaultWebhookClient = &http.Client{Timeout: WebhookTimeout}

// Webhook hands each message, on any channel, to any provider an operator
// can put behind an HTTP endpoint: one POST to URL per try, whose body is
// the JSON object
//
//	{"to": "+447400123456", "body": "…", "id": "msg_…", "sent_at": "2025-01-02T03:04:05Z", "channel": "sms"}
//
// "channel" is "sms", "whatsapp" or "email"; "to" is the E.164 number, or
// the address of an email, which also has a "subject". "id" is the
// message's idempotency key: every try of one message carries the same
// one (see WithMessageID), so a receiver that has seen it may answer 2xx
// without sending again. "sent_at" is when this try was made (RFC 3339,
// UTC). A receiver written before "channel" existed reads an SMS as it
// always did.
//
// The request is signed with HMAC-SHA256 under Secret, shared with the
// receiver. X-Coffeeshop-Timestamp is the try's time in Unix seconds, and
// X-Coffeeshop-Signature is "v1=" and the hex HMAC of the timestamp, a
// "." and the exact body bytes. A receiver recomputes it, compares in
// constant time and refuses timestamps far from its clock (replays):
// VerifyWebhookSignature does all three.
//
// The answer's status decides: 2xx is sent; 408, 429 and 5xx (and a
// timeout or network error) are worth retrying (EUNAVAILABLE), as are 401,
// 403, 404 and 407, which refuse the sender (a wrong secret or URL), not
// the message (accountStatus); any other 4xx is a permanent refusal (EUNDELIVERABLE: the number or address is the
// problem) that is not retried. The answer's body is not read into any
// error or log, nor is the message or the full number or address. The
// webhook reports no receipts: SendMessage returns no message ID.
type Webhook struct {
	// URL receives the POSTs (http or https).
	URL string
	// Secret keys the signatures; at least MinWebhookSecretBytes.
	Secret []byte
	// HTTPClient sends the requests; nil means one with WebhookTimeout.
	HTTPClient *http.Client
	// Now is the clock of the timestamps; nil means time.Now.
	Now func() time.Time
	// Logger gets a record of each message sent; nil means slog.Default().
	Logger *slog.Logger
}

var (
	_ coffeeshop.SMSSender     = (*Webhook)(nil)
	_ coffeeshop.MessageSender = (*Webhook)(nil)
	_ coffeeshop.EmailSender   = (*Webhook)(nil)
)

// webhookMessage is the JSON body of a webhook request. The first four
// fields are those of receivers written for SMS only, unchanged.
type webhookMessage struct {
	To      string `json:"to"`
	Body    string `json:"body"`
	ID      string `json:"id"`
	SentAt  string `json:"sent_at"`
	Channel string `json:"channel"`
	Subject string `json:"subject,omitempty"`
}

type messageIDKey struct{}

// WithMessageID returns ctx carrying id, the idempotency key a Webhook
// sends for the message sent with it. A caller that retries one message
// should give every try the same id (an activity's workflow and activity
// IDs, say). Without one, the key is an HMAC of the number and the text
// under the secret: the same for every try of one text, different for a
// text with a fresh code.
func WithMessageID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, messageIDKey{}, id)
}

// SendSMS posts an SMS to the receiver.
func (w *Webhook) SendSMS(ctx context.Context, to, body string) error {
	return sendSMS(ctx, w, to, body)
}

// SendEmail posts an email to the receiver.
func (w *Webhook) SendEmail(ctx context.Context, to, subject, body string) error {
	return sendEmail(ctx, w, to, subject, body)
}

// SendMessage posts m to the receiver. It returns no message ID: the
// webhook reports no receipts, so m.StatusCallback is not sent.
func (w *Webhook) SendMessage(ctx context.Context, m coffeeshop.Message) (string, error) {
	ch := channelOr(m.Channel)
	msg := webhookMessage{To: m.To, Body: m.Body, Channel: string(ch)}
	masked := coffeeshop.MaskPhone(m.To)
	switch ch {
	case coffeeshop.ChannelSMS, coffeeshop.ChannelWhatsApp:
	case coffeeshop.ChannelEmail:
		masked, msg.Subject = email.Mask(m.To), m.Subject
	default:
		return "", coffeeshop.RefuseChannel("the webhook", ch)
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	t := now().UTC()
	msg.ID, msg.SentAt = w.messageID(ctx, ch, m.To, m.Body), t.Format(time.RFC3339)
	payload, err := json.Marshal(msg)
	if err != nil {
		return "", fmt.Errorf("webhook: encode the message to %s: %w", masked, ErrUndeliverable)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(payload))
	if err != nil {
		// Only a malformed URL gets here, which no retry repairs.
		return "", fmt.Errorf("webhook: build request: %w: %w", err, ErrUndeliverable)
	}
	ts := strconv.FormatInt(t.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(WebhookTimestampHeader, ts)
	req.Header.Set(WebhookSignatureHeader, "v1="+webhookMAC(w.Secret, ts, payload))

	hc := w.HTTPClient
	if hc == nil {
		hc = defaultWebhookClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// The error names the URL and the cause, never the payload.
		return "", fmt.Errorf("webhook: send %s to %s: %w: %w", ch, masked, err,
			coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "the %s webhook cannot be reached", ch))
	}
	// Drain a little so the connection can be reused; the answer is not
	// looked at beyond its status.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxTwilioAnswer))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		w.logger().InfoContext(ctx, string(ch)+" sent", "provider", ProviderWebhook, "to", masked, "status", resp.StatusCode)
		return "", nil
	case accountStatus(resp.StatusCode):
		return "", fmt.Errorf("webhook: send %s to %s: HTTP %d: %w", ch, masked, resp.StatusCode,
			coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "the %s webhook refused the request (its URL or the secret)", ch))
	case retryableStatus(resp.StatusCode):
		return "", fmt.Errorf("webhook: send %s to %s: HTTP %d: %w", ch, masked, resp.StatusCode,
			coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "the %s webhook is unavailable", ch))
	}
	return "", fmt.Errorf("webhook: send %s to %s refused: HTTP %d: %w", ch, masked, resp.StatusCode, ErrUndeliverable)
}

// messageID is the context's key, or one derived from the message: an
// SMS's as before channels existed, another channel's keyed by it too, so
// that the same text on two channels has two keys.
func (w *Webhook) messageID(ctx context.Context, ch coffeeshop.Channel, to, body string) string {
	if id, ok := ctx.Value(messageIDKey{}).(string); ok && id != "" {
		return id
	}
	mac := hmac.New(sha256.New, w.Secret)
	mac.Write([]byte("coffeeshop webhook message id\x00" + to + "\x00" + body))
	if ch != coffeeshop.ChannelSMS {
		mac.Write([]byte("\x00" + string(ch)))
	}
	return "msg_" + hex.EncodeToString(mac.Sum(nil)[:16])
}

func (w *Webhook) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

// webhookMAC is the hex HMAC-SHA256 of timestamp + "." + body.
func webhookMAC(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// ErrBadWebhookSignature is what VerifyWebhookSignature's errors wrap.
var ErrBadWebhookSignature = errors.New("bad webhook signature")

// VerifyWebhookSignature checks a webhook request as a receiver must: its
// timestamp header is Unix seconds within tolerance of now (either way;
// tolerance 0 means DefaultWebhookTolerance), and its signature header
// holds a "v1=" entry equal to the HMAC-SHA256 under secret of the
// timestamp, "." and body, compared in constant time. The signature header
// may list several entries separated by commas (a sender changing secrets
// may sign with both); one match is enough. body must be the request's
// bytes as received, before any JSON decoding. Errors wrap
// ErrBadWebhookSignature.
func VerifyWebhookSignature(secret []byte, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultWebhookTolerance
	}
	ts := header.Get(WebhookTimestampHeader)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ts == "" || ts[0] == '+' || ts[0] == '-' {
		return fmt.Errorf("%w: %s missing or not Unix seconds", ErrBadWebhookSignature, WebhookTimestampHeader)
	}
	// Compare in seconds, so that an absurd timestamp cannot overflow a
	// time.Duration.
	if skew := now.Unix() - sec; skew > int64(tolerance/time.Second) || -skew > int64(tolerance/time.Second) {
		return fmt.Errorf("%w: timestamp %d is more than %s from now", ErrBadWebhookSignature, sec, tolerance)
	}
	want := []byte(webhookMAC(secret, ts, body))
	found := false
	for _, entry := range strings.Split(header.Get(WebhookSignatureHeader), ",") {
		hexMAC, ok := strings.CutPrefix(strings.TrimSpace(entry), "v1=")
		if ok && hmac.Equal([]byte(strings.ToLower(hexMAC)), want) {
			found = true
		}
	}
	if !found {
		return fmt.Errorf("%w: no v1 signature in %s matches", ErrBadWebhookSignature, WebhookSignatureHeader)
	}
	return nil
}
