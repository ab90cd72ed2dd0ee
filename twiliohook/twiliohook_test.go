package twiliohook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/twiliohook"
)

const token = "12345678901234567890123456789012"

// TestSignatureVector checks Signature against a value computed here by
// hand: the URL, then the names and values in the names' order, written
// out, HMAC-SHA1 with the token, base64.
func TestSignatureVector(t *testing.T) {
	u := "https://verify.example.com/v1/webhooks/twilio/status?c=abc&n=1"
	params := url.Values{"To": {"+447400123456"}, "MessageStatus": {"undelivered"}, "MessageSid": {"SM1"},
		"ErrorCode": {"30003"}, "AccountSid": {"AC1"}}
	concat := u + "AccountSidAC1" + "ErrorCode30003" + "MessageSidSM1" + "MessageStatusundelivered" + "To+447400123456"
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(concat))
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	if got := twiliohook.Signature(token, u, params); got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
	if got := twiliohook.Signature("another token", u, params); got == want {
		t.Error("the signature does not depend on the token")
	}
}

// TestSignatureTwiliosExample checks Signature against the example in
// Twilio's documentation of request validation: a token, a URL with a
// query, five form parameters and the signature Twilio gives for them.
func TestSignatureTwiliosExample(t *testing.T) {
	params := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"},
		"From": {"+14158675309"}, "To": {"+18005551212"}}
	if got, want := twiliohook.Signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params),
		"RSOYDt4T1cUTdK1PDd93/VVr8B8="; got != want {
		t.Errorf("Signature = %s, want Twilio's %s", got, want)
	}
}

type receiver struct {
	mu   sync.Mutex
	got  []string
	rcpt []coffeeshop.Receipt
	err  error
}

func (r *receiver) Receipt(_ context.Context, customerID string, rc coffeeshop.Receipt) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.got = append(r.got, customerID)
	r.rcpt = append(r.rcpt, rc)
	return nil
}

type counted struct{ channel, status, country string }

func serve(t *testing.T, rcv *receiver) (*httptest.Server, *[]counted) {
	var counts []counted
	h := &twiliohook.Handler{AuthToken: token, Receiver: rcv, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Count: func(ch coffeeshop.Channel, st coffeeshop.DeliveryStatus, cc string) {
			counts = append(counts, counted{string(ch), string(st), cc})
		}}
	mux := http.NewServeMux()
	mux.Handle(twiliohook.Path, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h.PublicURL = srv.URL
	return srv, &counts
}

// post sends form to the callback URL of send n, signed (when sign) for
// signedURL, or for the URL posted to when signedURL is "".
func post(t *testing.T, srv *httptest.Server, query string, form url.Values, sig string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+twiliohook.Path+query, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func callback(status string) url.Values {
	return url.Values{"MessageSid": {"SM42"}, "MessageStatus": {status}, "To": {"whatsapp:+447400123456"},
		"ErrorCode": {"30003"}, "AccountSid": {"AC1"}}
}

func TestSignedCallbackReachesTheVerification(t *testing.T) {
	rcv := &receiver{}
	srv, counts := serve(t, rcv)
	cb := twiliohook.CallbackURL(srv.URL, "cust-1", 2)
	form := callback("undelivered")
	if code := post(t, srv, strings.TrimPrefix(cb, srv.URL+twiliohook.Path), form, twiliohook.Signature(token, cb, form)); code != http.StatusOK {
		t.Fatalf("status %d, want 200", code)
	}
	if len(rcv.rcpt) != 1 || rcv.got[0] != "cust-1" {
		t.Fatalf("receipts %v for %v, want one for cust-1", rcv.rcpt, rcv.got)
	}
	r := rcv.rcpt[0]
	if r.Send != 2 || r.MessageID != "SM42" || r.Status != coffeeshop.DeliveryUndelivered || r.ErrorCode != "30003" || r.At.IsZero() {
		t.Errorf("receipt %+v", r)
	}
	if len(*counts) != 1 || (*counts)[0] != (counted{"whatsapp", "undelivered", "GB"}) {
		t.Errorf("counted %v", *counts)
	}
}

func TestBadSignaturesAre403(t *testing.T) {
	rcv := &receiver{}
	srv, _ := serve(t, rcv)
	cb := twiliohook.CallbackURL(srv.URL, "cust-1", 2)
	q := strings.TrimPrefix(cb, srv.URL+twiliohook.Path)
	form := callback("delivered")
	good := twiliohook.Signature(token, cb, form)
	tampered := callback("delivered")
	tampered.Set("MessageStatus", "undelivered")
	for name, c := range map[string]struct {
		query string
		form  url.Values
		sig   string
	}{
		"missing":        {q, form, ""},
		"garbage":        {q, form, "bm90IGEgc2lnbmF0dXJl"},
		"other token":    {q, form, twiliohook.Signature("another token", cb, form)},
		"body changed":   {q, tampered, good},
		"send changed":   {strings.Replace(q, "n=2", "n=3", 1), form, good},
		"other customer": {strings.Replace(q, "c=cust-1", "c=cust-2", 1), form, good},
	} {
		if code := post(t, srv, c.query, c.form, c.sig); code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, code)
		}
	}
	if len(rcv.rcpt) != 0 {
		t.Errorf("receipts passed on: %v", rcv.rcpt)
	}
}

// A request whose body is not a form cannot be shown to be Twilio's: 403,
// as for a bad signature, whether it carries one or not.
func TestUnreadableBodiesAre403(t *testing.T) {
	rcv := &receiver{}
	srv, _ := serve(t, rcv)
	cb := twiliohook.CallbackURL(srv.URL, "cust-1", 1)
	for name, c := range map[string]struct{ body, sig string }{
		"not a form, unsigned": {"MessageStatus=%zz", ""},
		"not a form, signed":   {"MessageStatus=%zz", twiliohook.Signature(token, cb, url.Values{})},
		"too large, unsigned":  {"MessageStatus=" + strings.Repeat("a", 70<<10), ""},
		"too large, signed":    {"MessageStatus=" + strings.Repeat("a", 70<<10), "bm90IGEgc2lnbmF0dXJl"},
	} {
		req, err := http.NewRequest(http.MethodPost, cb, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if c.sig != "" {
			req.Header.Set("X-Twilio-Signature", c.sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, resp.StatusCode)
		}
	}
	if len(rcv.rcpt) != 0 {
		t.Errorf("receipts passed on: %v", rcv.rcpt)
	}
}

func TestSignedButUselessCallbacksAre200(t *testing.T) {
	rcv := &receiver{}
	srv, _ := serve(t, rcv)
	for name, q := range map[string]string{
		"no customer":  "?n=1",
		"no send":      "?c=cust-1",
		"bad send":     "?c=cust-1&n=zero",
		"other status": "?c=cust-1&n=1",
	} {
		form := callback("delivered")
		if name == "other status" {
			form.Set("MessageStatus", "receiving")
		}
		sig := twiliohook.Signature(token, srv.URL+twiliohook.Path+q, form)
		if code := post(t, srv, q, form, sig); code != http.StatusOK {
			t.Errorf("%s: status %d, want 200", name, code)
		}
	}
	if len(rcv.rcpt) != 0 {
		t.Errorf("receipts passed on: %v", rcv.rcpt)
	}
}

func TestReceiverFailureIs503(t *testing.T) {
	rcv := &receiver{err: errors.New("temporal unavailable")}
	srv, counts := serve(t, rcv)
	cb := twiliohook.CallbackURL(srv.URL, "cust-1", 1)
	form := callback("sent")
	if code := post(t, srv, strings.TrimPrefix(cb, srv.URL+twiliohook.Path), form, twiliohook.Signature(token, cb, form)); code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", code)
	}
	if len(*counts) != 0 {
		t.Errorf("counted %v", *counts)
	}
}

func TestOnlyPost(t *testing.T) {
	srv, _ := serve(t, &receiver{})
	resp, err := http.Get(srv.URL + twiliohook.Path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", resp.StatusCode)
	}
}

func TestCheckPublicURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://verify.example.com":       true,
		"https://example.com/verify":       true,
		"http://127.0.0.1:8080":            true,
		"http://localhost:1234":            true,
		"http://verify.example.com":        false,
		"verify.example.com":               false,
		"https://verify.example.com/?a=b":  false,
		"ftp://verify.example.com":         false,
		"https://verify.example.com/#frag": false,
	} {
		if err := twiliohook.CheckPublicURL(u); (err == nil) != ok {
			t.Errorf("CheckPublicURL(%q) = %v, want ok=%v", u, err, ok)
		}
	}
}
