package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// DefaultTwilioBaseURL is where Twilio's REST API lives.
const DefaultTwilioBaseURL = "https://api.twilio.com"

// TwilioTimeout bounds one request to Twilio, from dialing to the end of
// the answer. It is well inside the SendCode activity's 30 s, so a hung
// connection fails the try (which is retried) instead of the whole
// activity timing out.
const TwilioTimeout = 10 * time.Second

// maxTwilioAnswer bounds how much of an answer is read; Twilio's are a few
// kilobytes at most.
const maxTwilioAnswer = 64 << 10

// defaultTwilioClient is shared by every Twilio sender without a client of
// its own, so that connections are reused.
var defaultTwilioClient = &http.Client{Timeout: TwilioTimeout}

// Twilio sends text messages through Twilio's Programmable Messaging REST
// API: one form-encoded POST per message to
// {BaseURL}/2010-04-01/Accounts/{AccountSID}/Messages.json, authenticated
// with HTTP basic auth (account SID and auth token).
//
// Errors say whether trying again can help. A refusal that will not change
// on its own — an invalid or landline number, a recipient who has
// unsubscribed, wrong credentials, any other 4xx — wraps a coffeeshop error
// with code EUNDELIVERABLE; the caller must not retry it. Too many requests
// (429), a failure of Twilio (5xx) and network errors are plain errors
// (EUNAVAILABLE), worth retrying. No error, and no log record, holds the
// message text, the auth token, or the full phone number: Twilio's own
// error message is left out, since it may quote the number. Nor does any
// hold a message's code, sent in a WhatsApp template's variables.
type Twilio struct {
	// AccountSID ("AC…") and AuthToken authenticate every request.
	AccountSID string
	AuthToken  string
	// From is the sender: a Twilio phone number in E.164 form, or an
	// alphanumeric sender ID. Ignored when MessagingServiceSID is set.
	From string
	// MessagingServiceSID ("MG…"), when set, lets the Messaging Service
	// pick the sender.
	MessagingServiceSID string
	// WhatsAppFrom is the WhatsApp sender, a number in E.164 form enabled
	// for WhatsApp on the account; WhatsApp messages go from
	// "whatsapp:<WhatsAppFrom>". Without it, WhatsApp messages are refused.
	WhatsAppFrom string
	// WhatsAppTemplates, when set, are the approved templates WhatsApp
	// messages are sent as instead of their Body: the one of the message's
	// Locale (see whatsAppTemplate) as ContentSid, with the message's Code
	// as its variable "1" in ContentVariables. Without them, WhatsApp
	// messages carry their Body, which WhatsApp delivers only within 24
	// hours of the person's last message to the sender (the sandbox).
	WhatsAppTemplates []WhatsAppTemplate
	// BaseURL is DefaultTwilioBaseURL when empty; tests point it at a fake.
	BaseURL string
	// HTTPClient sends the requests; nil means a client with
	// TwilioTimeout. A client given here should have a timeout too.
	HTTPClient *http.Client
	// Logger gets a record of each message sent; nil means slog.Default().
	Logger *slog.Logger
}

var (
	_ coffeeshop.SMSSender     = (*Twilio)(nil)
	_ coffeeshop.MessageSender = (*Twilio)(nil)
)

// twilioError is the JSON body of a Twilio error answer.
type twilioError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// twilioMessage is the part of a created message's JSON that is logged.
type twilioMessage struct {
	SID    string `json:"sid"`
	Status string `json:"status"`
}

// twilioReasons names the Twilio error codes an operator most often meets
// when a message is refused; see https://www.twilio.com/docs/api/errors.
var twilioReasons = map[int]string{
	20003: "authentication failed: check the account SID and auth token",
	20404: "not found: check the account SID",
	21211: "the 'To' number is not a valid phone number",
	21212: "the 'From' number is not valid",
	21408: "sending to this region is not enabled on the account",
	21606: "the 'From' number cannot send text messages",
	21610: "the recipient has unsubscribed (replied STOP)",
	21612: "Twilio cannot route a message to this number",
	21614: "the 'To' number is not a mobile number",
	21608: "a trial account can only send to verified numbers",
	21656: "the ContentVariables are not valid for the WhatsApp template",
	63016: "outside WhatsApp's 24-hour window: the message needs an approved template (--twilio-whatsapp-templates)",
}

// SendSMS sends body to the E.164 number to.
func (t *Twilio) SendSMS(ctx context.Context, to, body string) error {
	return sendSMS(ctx, t, to, body)
}

// SendMessage sends m as an SMS or a WhatsApp message and returns the
// message's SID, which Twilio's status callbacks to m.StatusCallback name.
func (t *Twilio) SendMessage(ctx context.Context, m coffeeshop.Message) (string, error) {
	masked := coffeeshop.MaskPhone(m.To)
	form := url.Values{"To": {m.To}, "Body": {m.Body}}
	logAttrs := []any{"provider", "twilio", "to", masked}
	switch m.Channel {
	case coffeeshop.ChannelSMS, "":
		if t.MessagingServiceSID != "" {
			form.Set("MessagingServiceSid", t.MessagingServiceSID)
		} else {
			form.Set("From", t.From)
		}
	case coffeeshop.ChannelWhatsApp:
		if t.WhatsAppFrom == "" {
			return "", fmt.Errorf("twilio: no WhatsApp sender configured: %w", ErrUndeliverable)
		}
		form.Set("To", "whatsapp:"+m.To)
		form.Set("From", "whatsapp:"+t.WhatsAppFrom)
		if len(t.WhatsAppTemplates) > 0 {
			if m.Code == "" {
				return "", fmt.Errorf("twilio: a WhatsApp template needs the message's code, which it lacks: %w", ErrUndeliverable)
			}
			tpl := whatsAppTemplate(t.WhatsAppTemplates, m.Locale)
			form.Del("Body")
			form.Set("ContentSid", tpl.ContentSID)
			form.Set("ContentVariables", contentVariables(m.Code))
			logAttrs = append(logAttrs, "content_sid", tpl.ContentSID, "template_locale", tpl.Locale)
		}
	default:
		return "", fmt.Errorf("twilio: cannot send on channel %q: %w", m.Channel, ErrUndeliverable)
	}
	if m.StatusCallback != "" {
		form.Set("StatusCallback", m.StatusCallback)
	}
	base := t.BaseURL
	if base == "" {
		base = DefaultTwilioBaseURL
	}
	endpoint := strings.TrimRight(base, "/") + "/2010-04-01/Accounts/" + url.PathEscape(t.AccountSID) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		// Only a malformed base URL gets here, which no retry repairs.
		return "", fmt.Errorf("twilio: build request: %w: %w", err, ErrUndeliverable)
	}
	req.SetBasicAuth(t.AccountSID, t.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")

	hc := t.HTTPClient
	if hc == nil {
		hc = defaultTwilioClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// The error names the URL (the account SID, no token) and the
		// cause; the form, with the number and text, is not in it.
		return "", fmt.Errorf("twilio: send to %s: %w: %w", masked, err,
			coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "the SMS provider cannot be reached"))
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxTwilioAnswer))

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		var tm twilioMessage
		_ = json.Unmarshal(answer, &tm)
		t.logger().InfoContext(ctx, string(channelOr(m.Channel))+" sent",
			append(logAttrs, "message_sid", tm.SID, "twilio_status", tm.Status)...)
		return tm.SID, nil
	}
	return "", classifyTwilio(resp.StatusCode, answer, masked)
}

func channelOr(c coffeeshop.Channel) coffeeshop.Channel {
	if c == "" {
		return coffeeshop.ChannelSMS
	}
	return c
}

// classifyTwilio turns a Twilio error answer into an error: EUNDELIVERABLE
// when it will not change on retrying, EUNAVAILABLE when it may.
func classifyTwilio(status int, answer []byte, masked string) error {
	var te twilioError
	_ = json.Unmarshal(answer, &te)
	detail := fmt.Sprintf("HTTP %d", status)
	if te.Code != 0 {
		detail += fmt.Sprintf(", Twilio error %d", te.Code)
		if reason, ok := twilioReasons[te.Code]; ok {
			detail += " (" + reason + ")"
		}
	}
	switch {
	case accountStatus(status):
		return fmt.Errorf("twilio: send to %s: %s: %w", masked, detail,
			coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "the provider refused the account (credentials or configuration)"))
	case retryableStatus(status):
		return fmt.Errorf("twilio: send to %s: %s: %w", masked, detail,
			coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "the SMS provider is unavailable"))
	}
	return fmt.Errorf("twilio: send to %s refused: %s: %w", masked, detail, ErrUndeliverable)
}

// accountStatus reports whether an HTTP status refuses the sender rather
// than the message: 401 and 403 (credentials, a suspended account, a
// signature the receiver does not accept), 404 (an account or URL that
// does not exist) and 407 (a proxy's credentials). Such a failure is the
// provider's, not the number's: it is retried, counts towards a failover
// to the next provider, and a person is never told their number cannot
// receive codes because of it.
func accountStatus(status int) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusProxyAuthRequired:
		return true
	}
	return false
}

// ErrUndeliverable is the coded error that a refused message's error wraps.
var ErrUndeliverable = coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "the text message could not be delivered")

// retryableStatus reports whether an HTTP status other than 2xx may go
// away on its own: rate limiting, a request timeout and server errors.
// Every other status is a refusal of this request.
func retryableStatus(status int) bool {
	switch {
	case status == http.StatusTooManyRequests, status == http.StatusRequestTimeout:
		return true
	case status >= 400 && status < 500:
		return false
	}
	return true // 5xx, and the unexpected 1xx/3xx
}

func (t *Twilio) logger() *slog.Logger {
	if t.Logger != nil {
		return t.Logger
	}
	return slog.Default()
}
