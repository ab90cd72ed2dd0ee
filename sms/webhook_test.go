package sms_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sms"
)

var webhookSecret = []byte("0123456789abcdef0123456789abcdef-test")

// receiver is a stand-in for an operator's SMS gateway: it checks each
// request's signature with the real algorithm (VerifyWebhookSignature),
// answers 401 to a bad one, and otherwise answers the next scripted status
// (200 when the script has run out).
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret []byte
	now    func() time.Time

	mu       sync.Mutex
	statuses []int
	got      []map[string]string
	badSigs  int
	headers  []http.Header
}

func newReceiver(t *testing.T, now func() time.Time, statuses ...int) *receiver {
	r := &receiver{t: t, secret: webhookSecret, now: now, statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		r.t.Errorf("%s with Content-Type %q, want a JSON POST", req.Method, req.Header.Get("Content-Type"))
	}
	if err := sms.VerifyWebhookSignature(r.secret, req.Header, body, r.now(), time.Minute); err != nil {
		r.badSigs++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		r.t.Errorf("body %q: %v", body, err)
	}
	r.got = append(r.got, m)
	r.headers = append(r.headers, req.Header.Clone())
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	w.WriteHeader(status)
	// An answer that quotes the text, which must not reach an error.
	io.WriteString(w, `{"echo":`+strconv.Quote(m["body"]+" "+m["to"])+`}`)
}

func (r *receiver) messages() []map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]string(nil), r.got...)
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)} }

func TestWebhookPostsASignedMessage(t *testing.T) {
	clock := newClock()
	r := newReceiver(t, clock.Now)
	var logs bytes.Buffer
	w := &sms.Webhook{URL: r.srv.URL + "/sms?account=1", Secret: webhookSecret, Now: clock.Now,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := w.SendSMS(context.Background(), "+447400123456", "Your code is 482913"); err != nil {
		t.Fatal(err)
	}
	got := r.messages()
	if len(got) != 1 {
		t.Fatalf("receiver got %d messages, want 1", len(got))
	}
	m := got[0]
	if m["to"] != "+447400123456" || m["body"] != "Your code is 482913" || m["sent_at"] != "2025-03-04T05:06:07Z" ||
		!strings.HasPrefix(m["id"], "msg_") || m["channel"] != "sms" || len(m) != 5 {
		t.Errorf("message %v, want to, body, id, sent_at and channel sms", m)
	}
	if ts := r.headers[0].Get(sms.WebhookTimestampHeader); ts != strconv.FormatInt(clock.Now().Unix(), 10) {
		t.Errorf("timestamp header %q", ts)
	}
	if strings.Contains(logs.String(), "482913") || strings.Contains(logs.String(), "+447400123456") {
		t.Errorf("the log holds the text or the number: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "provider=webhook") {
		t.Errorf("the log does not name the provider: %s", logs.String())
	}

	// Every try of one text carries one id; another text another.
	if err := w.SendSMS(context.Background(), "+447400123456", "Your code is 482913"); err != nil {
		t.Fatal(err)
	}
	if err := w.SendSMS(context.Background(), "+447400123456", "Your code is 111222"); err != nil {
		t.Fatal(err)
	}
	ctx := sms.WithMessageID(context.Background(), "wf-1/attempt-2")
	if err := w.SendSMS(ctx, "+447400123456", "Your code is 111222"); err != nil {
		t.Fatal(err)
	}
	got = r.messages()
	if got[1]["id"] != got[0]["id"] || got[2]["id"] == got[0]["id"] || got[3]["id"] != "wf-1/attempt-2" {
		t.Errorf("ids %q %q %q %q", got[0]["id"], got[1]["id"], got[2]["id"], got[3]["id"])
	}
}

func TestWebhookAnswers(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string // "" for sent
	}{
		{200, ""}, {202, ""}, {204, ""},
		{400, coffeeshop.EUNDELIVERABLE}, {410, coffeeshop.EUNDELIVERABLE}, {422, coffeeshop.EUNDELIVERABLE},
		// The sender, not the message (a wrong URL or secret).
		{401, coffeeshop.EUNAVAILABLE}, {403, coffeeshop.EUNAVAILABLE}, {404, coffeeshop.EUNAVAILABLE},
		{408, coffeeshop.EUNAVAILABLE}, {429, coffeeshop.EUNAVAILABLE},
		{500, coffeeshop.EUNAVAILABLE}, {502, coffeeshop.EUNAVAILABLE}, {503, coffeeshop.EUNAVAILABLE},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			clock := newClock()
			r := newReceiver(t, clock.Now, tc.status)
			w := &sms.Webhook{URL: r.srv.URL, Secret: webhookSecret, Now: clock.Now}
			err := w.SendSMS(context.Background(), "+447400123456", "Your code is 482913")
			if tc.code == "" {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			if got := coffeeshop.ErrorCode(err); got != tc.code {
				t.Fatalf("error %v with code %q, want %q", err, got, tc.code)
			}
			if s := err.Error(); strings.Contains(s, "482913") || strings.Contains(s, "+447400123456") ||
				!strings.Contains(s, strconv.Itoa(tc.status)) {
				t.Errorf("error %q: it must name the status and hold neither the text nor the number", s)
			}
		})
	}
}

// A receiver that refuses the signature (401) refuses the sender, not the
// number: the send is retried (and a failover moves on), the number is
// never called undeliverable for it.
func TestWebhookWithAnotherSecretIsRefused(t *testing.T) {
	clock := newClock()
	r := newReceiver(t, clock.Now)
	w := &sms.Webhook{URL: r.srv.URL, Secret: []byte("another secret of at least 32 bytes!!"), Now: clock.Now}
	err := w.SendSMS(context.Background(), "+447400123456", "Your code is 482913")
	if coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE || r.badSigs != 1 || len(r.messages()) != 0 {
		t.Fatalf("error %v, bad signatures %d, messages %d", err, r.badSigs, len(r.messages()))
	}
}

func TestWebhookTimeoutAndUnreachableAreRetryable(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	w := &sms.Webhook{URL: srv.URL, Secret: webhookSecret, HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}}
	err := w.SendSMS(context.Background(), "+447400123456", "Your code is 482913")
	if coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE || strings.Contains(err.Error(), "482913") {
		t.Fatalf("timeout: error %v, want EUNAVAILABLE without the text", err)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	w = &sms.Webhook{URL: closed.URL, Secret: webhookSecret}
	if err := w.SendSMS(context.Background(), "+447400123456", "x"); coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE {
		t.Fatalf("unreachable: error %v, want EUNAVAILABLE", err)
	}
}

// sign signs body at ts the documented way, independently of the sender.
func sign(secret []byte, ts string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "." + string(body)))
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

func TestVerifyWebhookSignature(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"to":"+447400123456","body":"hi","id":"msg_1","sent_at":"2023-11-14T22:13:20Z"}`)
	ts := "1700000000"
	good := sign(webhookSecret, ts, body)
	header := func(ts, sig string) http.Header {
		h := http.Header{}
		if ts != "" {
			h.Set(sms.WebhookTimestampHeader, ts)
		}
		if sig != "" {
			h.Set(sms.WebhookSignatureHeader, sig)
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		h      http.Header
		body   []byte
		now    time.Time
		wantOK bool
	}{
		{"good", header(ts, good), body, now, true},
		{"upper-case hex", header(ts, "v1="+strings.ToUpper(strings.TrimPrefix(good, "v1="))), body, now, true},
		{"rotation: second entry matches", header(ts, sign([]byte("old secret old secret old secret!"), ts, body)+", "+good), body, now, true},
		{"just inside the tolerance", header(ts, good), body, now.Add(5 * time.Minute), true},
		{"too old", header(ts, good), body, now.Add(5*time.Minute + time.Second), false},
		{"from the future", header(ts, good), body, now.Add(-6 * time.Minute), false},
		{"body changed", header(ts, good), append([]byte(nil), bytes.Replace(body, []byte("hi"), []byte("ho"), 1)...), now, false},
		{"timestamp changed", header("1700000001", good), body, now, false},
		{"other secret", header(ts, sign([]byte("x"), ts, body)), body, now, false},
		{"no signature", header(ts, ""), body, now, false},
		{"no timestamp", header("", good), body, now, false},
		{"timestamp not a number", header("soon", good), body, now, false},
		{"signed timestamp", header("+1700000000", sign(webhookSecret, "+1700000000", body)), body, now, false},
		{"huge timestamp", header("9223372036854775807", sign(webhookSecret, "9223372036854775807", body)), body, now, false},
		{"unknown version", header(ts, "v2="+strings.TrimPrefix(good, "v1=")), body, now, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := sms.VerifyWebhookSignature(webhookSecret, tc.h, tc.body, tc.now, 5*time.Minute)
			if tc.wantOK != (err == nil) {
				t.Fatalf("error %v, want ok=%v", err, tc.wantOK)
			}
			if err != nil && !errors.Is(err, sms.ErrBadWebhookSignature) {
				t.Errorf("error %v does not wrap ErrBadWebhookSignature", err)
			}
		})
	}
}

// A message's code and locale are for template senders: the webhook's JSON
// has the text only, as before.
func TestWebhookSendsNoSeparateCode(t *testing.T) {
	clock := newClock()
	r := newReceiver(t, clock.Now)
	w := &sms.Webhook{URL: r.srv.URL + "/sms", Secret: webhookSecret, Now: clock.Now, Logger: slog.New(slog.DiscardHandler)}
	if _, err := w.SendMessage(context.Background(), coffeeshop.Message{Channel: coffeeshop.ChannelWhatsApp,
		To: "+447400123456", Body: "Your code is 482913", Code: "482913", Locale: "en"}); err != nil {
		t.Fatal(err)
	}
	if m := r.messages()[0]; len(m) != 5 || m["channel"] != "whatsapp" || m["body"] != "Your code is 482913" {
		t.Errorf("message %v, want to, body, id, sent_at and channel whatsapp only", m)
	}
}
