package sms_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sms"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "f00dfacef00dfacef00dfacef00dface"
	testFrom  = "+15005550006"
	testMG    = "MG0123456789abcdef0123456789abcdef"
)

// fakeTwilio is a stand-in for Twilio's Messages endpoint: it records each
// request and answers with the status and body it is given.
type fakeTwilio struct {
	t      *testing.T
	status int
	answer string

	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path, contentType, user, pass string
	authOK                                bool
	form                                  url.Values
}

func (f *fakeTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("fake twilio: read body: %v", err)
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		f.t.Errorf("fake twilio: body %q is not a form: %v", raw, err)
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"),
		user: user, pass: pass, authOK: ok, form: form})
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	io.WriteString(w, f.answer)
}

func (f *fakeTwilio) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func newFake(t *testing.T, status int, answer string) (*fakeTwilio, *httptest.Server) {
	f := &fakeTwilio{t: t, status: status, answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func twilioSender(base string, logs io.Writer) *sms.Twilio {
	return &sms.Twilio{AccountSID: testSID, AuthToken: testToken, From: testFrom, BaseURL: base,
		Logger: slog.New(slog.NewTextHandler(logs, nil))}
}

// noSecrets fails the test when text holds the auth token, the full number,
// the code or the message text.
func noSecrets(t *testing.T, where, text string) {
	t.Helper()
	for _, secret := range []string{testToken, phone, "482915", "verification code"} {
		if strings.Contains(text, secret) {
			t.Errorf("%s %q contains %q", where, text, secret)
		}
	}
}

const created = `{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued","to":"+447700900123","body":"…"}`

func TestTwilioSendsTheDocumentedRequest(t *testing.T) {
	fake, srv := newFake(t, http.StatusCreated, created)
	var logs bytes.Buffer
	if err := twilioSender(srv.URL, &logs).SendSMS(context.Background(), phone, body); err != nil {
		t.Fatalf("SendSMS: %v", err)
	}
	reqs := fake.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/2010-04-01/Accounts/"+testSID+"/Messages.json" {
		t.Errorf("request %s %s", r.method, r.path)
	}
	if !r.authOK || r.user != testSID || r.pass != testToken {
		t.Errorf("basic auth %v %q %q", r.authOK, r.user, r.pass)
	}
	if r.contentType != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q", r.contentType)
	}
	want := url.Values{"To": {phone}, "From": {testFrom}, "Body": {body}}
	if r.form.Encode() != want.Encode() {
		t.Errorf("form %v, want %v", r.form, want)
	}
	if !strings.Contains(logs.String(), "sms sent") || !strings.Contains(logs.String(), "SM0123456789abcdef0123456789abcdef") ||
		!strings.Contains(logs.String(), "+44•••••••123") {
		t.Errorf("log %q lacks the masked sent record with the message SID", logs.String())
	}
	noSecrets(t, "log", logs.String())
}

func TestTwilioMessagingService(t *testing.T) {
	fake, srv := newFake(t, http.StatusCreated, created)
	s := twilioSender(srv.URL+"/", io.Discard) // a trailing slash is fine
	s.MessagingServiceSID = testMG
	if err := s.SendSMS(context.Background(), phone, body); err != nil {
		t.Fatalf("SendSMS: %v", err)
	}
	r := fake.requests()[0]
	if r.path != "/2010-04-01/Accounts/"+testSID+"/Messages.json" {
		t.Errorf("path %q", r.path)
	}
	want := url.Values{"To": {phone}, "MessagingServiceSid": {testMG}, "Body": {body}}
	if r.form.Encode() != want.Encode() {
		t.Errorf("form %v, want %v", r.form, want)
	}
}

func TestTwilioErrorClassification(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		answer string
		code   string // coffeeshop error code of the result
		detail string // in the error text
	}{
		{"invalid number", 400, `{"code":21211,"message":"The 'To' number +447700900123 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`,
			coffeeshop.EUNDELIVERABLE, "Twilio error 21211"},
		{"not a mobile", 400, `{"code":21614,"message":"'To' number is not a valid mobile number","more_info":"https://www.twilio.com/docs/errors/21614","status":400}`,
			coffeeshop.EUNDELIVERABLE, "not a mobile number"},
		{"unsubscribed", 400, `{"code":21610,"message":"Attempt to send to unsubscribed recipient","more_info":"https://www.twilio.com/docs/errors/21610","status":400}`,
			coffeeshop.EUNDELIVERABLE, "unsubscribed"},
		// The account, not the number: retried, and a failover moves on.
		{"bad credentials", 401, `{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`,
			coffeeshop.EUNAVAILABLE, "authentication failed"},
		{"unknown account", 404, `not json`, coffeeshop.EUNAVAILABLE, "HTTP 404"},
		{"other 4xx without JSON", 422, `not json`, coffeeshop.EUNDELIVERABLE, "HTTP 422"},
		{"rate limited", 429, `{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}`,
			coffeeshop.EUNAVAILABLE, "HTTP 429"},
		{"server error", 500, `{"code":20500,"message":"Internal Server Error","status":500}`, coffeeshop.EUNAVAILABLE, "HTTP 500"},
		{"bad gateway", 502, ``, coffeeshop.EUNAVAILABLE, "HTTP 502"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, srv := newFake(t, tc.status, tc.answer)
			var logs bytes.Buffer
			err := twilioSender(srv.URL, &logs).SendSMS(context.Background(), phone, body)
			if err == nil {
				t.Fatal("SendSMS succeeded")
			}
			if got := coffeeshop.ErrorCode(err); got != tc.code {
				t.Errorf("code %q, want %q (error %v)", got, tc.code, err)
			}
			if !strings.Contains(err.Error(), tc.detail) || !strings.Contains(err.Error(), "+44•••••••123") {
				t.Errorf("error %q: want %q and the masked number", err, tc.detail)
			}
			noSecrets(t, "error", err.Error())
			noSecrets(t, "log", logs.String())
		})
	}
}

func TestTwilioConnectionRefusedIsRetryable(t *testing.T) {
	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	err = twilioSender("http://"+addr, io.Discard).SendSMS(context.Background(), phone, body)
	if err == nil || coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE {
		t.Fatalf("err %v (code %q), want EUNAVAILABLE", err, coffeeshop.ErrorCode(err))
	}
	noSecrets(t, "error", err.Error())
}

func TestTwilioTimeoutIsRetryable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	s := twilioSender(srv.URL, io.Discard)
	s.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond}
	err := s.SendSMS(context.Background(), phone, body)
	if err == nil || coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE {
		t.Fatalf("err %v (code %q), want EUNAVAILABLE", err, coffeeshop.ErrorCode(err))
	}
}

func TestTwilioSendMessageWhatsAppWithCallback(t *testing.T) {
	f, srv := newFake(t, http.StatusCreated, `{"sid":"SMaaaa","status":"queued"}`)
	tw := twilioSender(srv.URL, io.Discard)
	tw.WhatsAppFrom = "+14155238886"
	cb := "https://verify.example/v1/webhooks/twilio/status?c=abc&n=2"
	sid, err := tw.SendMessage(context.Background(), coffeeshop.Message{Channel: coffeeshop.ChannelWhatsApp,
		To: "+447400123456", Body: "code", StatusCallback: cb})
	if err != nil || sid != "SMaaaa" {
		t.Fatalf("SendMessage = %q, %v; want SMaaaa, nil", sid, err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	form := reqs[0].form
	if form.Get("To") != "whatsapp:+447400123456" || form.Get("From") != "whatsapp:+14155238886" ||
		form.Get("StatusCallback") != cb || form.Get("Body") != "code" {
		t.Errorf("form = %v", form)
	}
}

func TestTwilioSendMessageWhatsAppWithoutSender(t *testing.T) {
	f, srv := newFake(t, http.StatusCreated, `{"sid":"SMaaaa"}`)
	_, err := twilioSender(srv.URL, io.Discard).SendMessage(context.Background(),
		coffeeshop.Message{Channel: coffeeshop.ChannelWhatsApp, To: "+447400123456", Body: "code"})
	if coffeeshop.ErrorCode(err) != coffeeshop.EUNDELIVERABLE {
		t.Fatalf("err = %v, want EUNDELIVERABLE", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestTwilioSMSWithoutCallbackHasNone(t *testing.T) {
	f, srv := newFake(t, http.StatusCreated, `{"sid":"SMbbbb"}`)
	sid, err := twilioSender(srv.URL, io.Discard).SendMessage(context.Background(),
		coffeeshop.Message{Channel: coffeeshop.ChannelSMS, To: "+447400123456", Body: "code"})
	if err != nil || sid != "SMbbbb" {
		t.Fatalf("SendMessage = %q, %v", sid, err)
	}
	if form := f.requests()[0].form; form.Has("StatusCallback") || form.Get("To") != "+447400123456" || form.Get("From") != testFrom {
		t.Errorf("form = %v", form)
	}
}

const (
	hxEN = "HX00000000000000000000000000000e00"
	hxES = "HX0000000000000000000000000000e500"
	hxDE = "HX000000000000000000000000000de000"
	hxBR = "HX00000000000000000000000000b0a000"
)

// templated is a Twilio WhatsApp sender with templates for en, es, de and
// pt-BR, logging to logs.
func templated(t *testing.T, base string, logs io.Writer) *sms.Twilio {
	t.Helper()
	ts, err := sms.ParseWhatsAppTemplates("en=" + hxEN + ", es=" + hxES + ",de=" + hxDE + ",pt-br=" + hxBR)
	if err != nil {
		t.Fatal(err)
	}
	tw := twilioSender(base, logs)
	tw.WhatsAppFrom, tw.WhatsAppTemplates = "+14155238886", ts
	return tw
}

// With templates, a WhatsApp message is the template of its locale with the
// code as variable 1, and no Body; the code is in no log record.
func TestTwilioWhatsAppTemplateCarriesTheCode(t *testing.T) {
	for _, tc := range []struct{ locale, sid string }{
		{"es", hxES}, {"en", hxEN}, {"de-AT", hxDE}, {"pt-BR", hxBR}, {"pt-PT", hxBR}, {"pt", hxBR},
		{"fr", hxEN}, {"", hxEN}, {"not a locale", hxEN},
	} {
		f, srv := newFake(t, http.StatusCreated, created)
		var logs bytes.Buffer
		cb := "https://verify.example/v1/webhooks/twilio/status?c=abc&n=1"
		sid, err := templated(t, srv.URL, &logs).SendMessage(context.Background(), coffeeshop.Message{
			Channel: coffeeshop.ChannelWhatsApp, To: phone, Body: body, Code: "482915", Locale: tc.locale, StatusCallback: cb})
		if err != nil || sid == "" {
			t.Fatalf("%q: SendMessage = %q, %v", tc.locale, sid, err)
		}
		want := url.Values{"To": {"whatsapp:" + phone}, "From": {"whatsapp:+14155238886"}, "ContentSid": {tc.sid},
			"ContentVariables": {`{"1":"482915"}`}, "StatusCallback": {cb}}
		if got := f.requests()[0].form; got.Encode() != want.Encode() {
			t.Errorf("%q: form %v, want %v", tc.locale, got, want)
		}
		if !strings.Contains(logs.String(), "whatsapp sent") || !strings.Contains(logs.String(), "content_sid="+tc.sid) {
			t.Errorf("%q: log %q lacks the sent record with the template", tc.locale, logs.String())
		}
		noSecrets(t, "log", logs.String())
	}
}

// Without en, a locale without a template of its language gets the first.
func TestTwilioWhatsAppTemplateFallsBackToTheFirst(t *testing.T) {
	f, srv := newFake(t, http.StatusCreated, created)
	tw := twilioSender(srv.URL, io.Discard)
	tw.WhatsAppFrom = "+14155238886"
	tw.WhatsAppTemplates = []sms.WhatsAppTemplate{{Locale: "es", ContentSID: hxES}, {Locale: "de", ContentSID: hxDE}}
	if _, err := tw.SendMessage(context.Background(), coffeeshop.Message{Channel: coffeeshop.ChannelWhatsApp,
		To: phone, Body: body, Code: "482915", Locale: "pt"}); err != nil {
		t.Fatal(err)
	}
	if got := f.requests()[0].form.Get("ContentSid"); got != hxES {
		t.Errorf("ContentSid %q, want the first, %s", got, hxES)
	}
}

// A templated WhatsApp message without its code is refused unsent, and
// Twilio's refusal of a template's variables names the cause without the
// code.
func TestTwilioWhatsAppTemplateRefusals(t *testing.T) {
	f, srv := newFake(t, http.StatusCreated, created)
	_, err := templated(t, srv.URL, io.Discard).SendMessage(context.Background(),
		coffeeshop.Message{Channel: coffeeshop.ChannelWhatsApp, To: phone, Body: body, Locale: "en"})
	if coffeeshop.ErrorCode(err) != coffeeshop.EUNDELIVERABLE || len(f.requests()) != 0 {
		t.Errorf("without a code: err %v, %d requests; want EUNDELIVERABLE, none", err, len(f.requests()))
	}

	_, srv = newFake(t, http.StatusBadRequest, `{"code":21656,"message":"The ContentVariables Parameter is invalid: 482915","status":400}`)
	var logs bytes.Buffer
	_, err = templated(t, srv.URL, &logs).SendMessage(context.Background(),
		coffeeshop.Message{Channel: coffeeshop.ChannelWhatsApp, To: phone, Body: body, Code: "482915", Locale: "en"})
	if coffeeshop.ErrorCode(err) != coffeeshop.EUNDELIVERABLE || !strings.Contains(err.Error(), "ContentVariables") {
		t.Errorf("refused template: err %v, want EUNDELIVERABLE naming ContentVariables", err)
	}
	noSecrets(t, "error", err.Error())
	noSecrets(t, "log", logs.String())
}

// Templates are for WhatsApp only: an SMS of a sender with templates
// carries its Body as before, as does a WhatsApp message of a sender
// without them.
func TestTwilioTemplatesOnlyForWhatsApp(t *testing.T) {
	f, srv := newFake(t, http.StatusCreated, created)
	if _, err := templated(t, srv.URL, io.Discard).SendMessage(context.Background(), coffeeshop.Message{
		Channel: coffeeshop.ChannelSMS, To: phone, Body: body, Code: "482915", Locale: "es"}); err != nil {
		t.Fatal(err)
	}
	if want := (url.Values{"To": {phone}, "From": {testFrom}, "Body": {body}}); f.requests()[0].form.Encode() != want.Encode() {
		t.Errorf("SMS form %v, want %v", f.requests()[0].form, want)
	}

	f, srv = newFake(t, http.StatusCreated, created)
	tw := twilioSender(srv.URL, io.Discard)
	tw.WhatsAppFrom = "+14155238886"
	if _, err := tw.SendMessage(context.Background(), coffeeshop.Message{
		Channel: coffeeshop.ChannelWhatsApp, To: phone, Body: body, Code: "482915", Locale: "es"}); err != nil {
		t.Fatal(err)
	}
	want := url.Values{"To": {"whatsapp:" + phone}, "From": {"whatsapp:+14155238886"}, "Body": {body}}
	if got := f.requests()[0].form; got.Encode() != want.Encode() {
		t.Errorf("WhatsApp without templates: form %v, want %v", got, want)
	}
}

func TestParseWhatsAppTemplates(t *testing.T) {
	ts, err := sms.ParseWhatsAppTemplates(" en=" + hxEN + " , pt-br = " + hxBR)
	if err != nil || len(ts) != 2 || ts[0] != (sms.WhatsAppTemplate{Locale: "en", ContentSID: hxEN}) ||
		ts[1] != (sms.WhatsAppTemplate{Locale: "pt-BR", ContentSID: hxBR}) {
		t.Fatalf("ParseWhatsAppTemplates = %+v, %v", ts, err)
	}
	for _, tc := range []struct{ list, want string }{
		{"", "locale=HX"},
		{"en=" + hxEN + ",", "locale=HX"},
		{"en", "locale=HX"},
		{"=" + hxEN, "locale=HX"},
		{"en=HX123", "32 hex"},
		{"en=MG0123456789abcdef0123456789abcdef", "HX"},
		{"en=" + hxEN + "x", "32 hex"},
		{"english!=" + hxEN, "BCP 47"},
		{"en=" + hxEN + ",EN=" + hxES, "en is named twice"},
	} {
		if _, err := sms.ParseWhatsAppTemplates(tc.list); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want one saying %q", tc.list, err, tc.want)
		}
	}
}
