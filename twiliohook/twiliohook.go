// Package twiliohook is the endpoint Twilio reports the delivery of
// messages to (status callbacks). It checks each callback's
// X-Twilio-Signature and passes the message's state to the verification
// the callback's URL names.
package twiliohook

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"github.com/nyaruka/phonenumbers"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// Path is where the endpoint is mounted, under the public URL.
const Path = "/v1/webhooks/twilio/status"

// maxBody bounds a callback's form; Twilio's are well under a kilobyte.
const maxBody = 64 << 10

// CallbackURL returns the status-callback URL of a customer's send number
// n under publicURL: the query names the verification and the send, and
// Twilio's signature covers it.
func CallbackURL(publicURL, customerID string, n int) string {
	q := url.Values{"c": {customerID}, "n": {strconv.Itoa(n)}}
	return strings.TrimRight(publicURL, "/") + Path + "?" + q.Encode()
}

// Signature computes X-Twilio-Signature as Twilio does for a POST to
// fullURL with form params: the URL, then each parameter's name and value
// in the order of the names (values of one name in their order), HMAC-SHA1
// keyed with the auth token, in standard base64.
func Signature(authToken, fullURL string, params url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		vals := slices.Clone(params[name])
		slices.Sort(vals)
		for _, v := range vals {
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Receiver takes a verification's receipts: verify.Client.
type Receiver interface {
	Receipt(ctx context.Context, customerID string, r coffeeshop.Receipt) error
}

// Handler answers Twilio's status callbacks.
type Handler struct {
	// PublicURL is the URL the service is reached at from the internet,
	// exactly as the callback URLs were made with it (scheme, host, any
	// path prefix a proxy strips); the signed URL is it followed by the
	// request's path and query.
	PublicURL string
	// AuthToken is the Twilio auth token that signs the callbacks.
	AuthToken string
	Receiver  Receiver
	// Count, when set, counts each receipt taken: channel, status and
	// the number's calling code ("+44").
	Count func(channel coffeeshop.Channel, status coffeeshop.DeliveryStatus, country string)
	// Logger gets a record of each callback refused or taken; nil means
	// slog.Default().
	Logger *slog.Logger
	// Now stamps receipts; time.Now when nil.
	Now func() time.Time
}

// statuses maps Twilio's message statuses to delivery statuses; the
// others (receiving, received, canceled) are of no use here.
var statuses = map[string]coffeeshop.DeliveryStatus{
	"accepted":    coffeeshop.DeliveryQueued,
	"scheduled":   coffeeshop.DeliveryQueued,
	"queued":      coffeeshop.DeliveryQueued,
	"sending":     coffeeshop.DeliveryQueued,
	"sent":        coffeeshop.DeliverySent,
	"delivered":   coffeeshop.DeliveryDelivered,
	"read":        coffeeshop.DeliveryDelivered, // WhatsApp: read implies delivered
	"undelivered": coffeeshop.DeliveryUndelivered,
	"failed":      coffeeshop.DeliveryFailed,
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// Every request that is not shown to be Twilio's is refused with 403,
	// before anything in it is acted on: one without a signature before
	// its body is read, and one whose body is not a form (too large,
	// malformed), since no signature can be checked over it.
	got := r.Header.Get("X-Twilio-Signature")
	if h.AuthToken == "" || got == "" {
		h.refuse(w, r, got != "", "bad or missing signature")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		h.refuse(w, r, true, "the body is not a form")
		return
	}
	signed := strings.TrimRight(h.PublicURL, "/") + r.URL.RequestURI()
	want := Signature(h.AuthToken, signed, r.PostForm)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		h.refuse(w, r, true, "bad or missing signature")
		return
	}

	// Signed by Twilio from here on: whatever it says, it is answered 200
	// unless the receipt could not be passed on, so that Twilio does not
	// retry a callback it cannot fix.
	q := r.URL.Query()
	customerID, sid := q.Get("c"), r.PostForm.Get("MessageSid")
	n, err := strconv.Atoi(q.Get("n"))
	status, known := statuses[r.PostForm.Get("MessageStatus")]
	log := h.logger().With("customer_id", customerID, "send", q.Get("n"), "message_sid", sid,
		"twilio_status", r.PostForm.Get("MessageStatus"))
	if customerID == "" || err != nil || n <= 0 || !known {
		log.InfoContext(r.Context(), "twilio callback ignored: not a receipt of a send")
		w.WriteHeader(http.StatusOK)
		return
	}
	to := r.PostForm.Get("To")
	channel := coffeeshop.ChannelSMS
	if rest, ok := strings.CutPrefix(to, "whatsapp:"); ok {
		channel, to = coffeeshop.ChannelWhatsApp, rest
	}
	rc := coffeeshop.Receipt{Send: n, MessageID: sid, Status: status, ErrorCode: r.PostForm.Get("ErrorCode"), At: h.now()}
	if err := h.Receiver.Receipt(r.Context(), customerID, rc); err != nil {
		log.ErrorContext(r.Context(), "twilio callback: the receipt could not be passed on", "error", err)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}
	if h.Count != nil {
		h.Count(channel, status, countryOf(to))
	}
	log.InfoContext(r.Context(), "delivery receipt", "channel", string(channel), "status", string(status),
		"error_code", rc.ErrorCode, "to", coffeeshop.MaskPhone(to))
	w.WriteHeader(http.StatusOK)
}

// refuse answers 403 to a callback that is not shown to be Twilio's.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, signed bool, why string) {
	h.logger().WarnContext(r.Context(), "twilio callback refused: "+why,
		"remote_addr", r.RemoteAddr, "signature_present", signed)
	http.Error(w, "bad signature", http.StatusForbidden)
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// CheckPublicURL refuses a public URL Twilio could not call back safely:
// it must be absolute https, or http on a loopback host (for tests).
func CheckPublicURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("public URL %q: want an absolute URL such as https://verify.example.com", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("public URL %q: no query or fragment", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" || host == "127.0.0.1" || host == "::1" {
			return nil
		}
	}
	return fmt.Errorf("public URL %q: must be https (http only on a loopback host)", s)
}

// countryOf is the ISO 3166 region of the E.164 number to, for metrics:
// "001" for a non-geographic number, "ZZ" when it is none known. Unlike
// the calling code, it tells the US from Canada (+1) and Russia from
// Kazakhstan (+7).
func countryOf(to string) string {
	n, err := phonenumbers.Parse(to, "")
	if err != nil {
		return "ZZ"
	}
	if r := phonenumbers.GetRegionCodeForNumber(n); r != "" {
		return r
	}
	return "ZZ"
}
