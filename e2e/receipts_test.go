package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/internal/pgtest"
	"github.com/coffeeshop/coffeeshop/twiliohook"
)

const (
	twilioSID      = "AC0123456789abcdef0123456789abcdef"
	twilioToken    = "f00dfacef00dfacef00dfacef00dface"
	twilioFrom     = "+15005550006"
	twilioWhatsApp = "+14155238886"
)

// twilioMessage is a message the stand-in accepted.
type twilioMessage struct {
	sid, to, from, body, callback string
	// contentSID and contentVariables are a template's (WhatsApp with
	// --twilio-whatsapp-templates), sent instead of body.
	contentSID, contentVariables string
}

// standInTwilio speaks Twilio's Messages API: form posts with basic auth,
// JSON answers with a message SID. Every SMS it accepts is reported
// undelivered at once, with a callback signed as Twilio signs them. With
// holdWhatsApp, the first WhatsApp request is held unanswered until the
// test releases it, and is then refused (so it is no message).
type standInTwilio struct {
	t   *testing.T
	srv *httptest.Server

	holdWhatsApp bool
	arrived      chan struct{} // closed when the held request is in
	release      chan struct{} // closed by the test to let it go

	mu        sync.Mutex
	accepted  []twilioMessage
	held      int
	callbacks []int // the statuses the API answered the callbacks with
}

func newStandInTwilio(t *testing.T, holdWhatsApp bool) *standInTwilio {
	s := &standInTwilio{t: t, holdWhatsApp: holdWhatsApp, arrived: make(chan struct{}), release: make(chan struct{})}
	s.srv = httptest.NewServer(s)
	t.Cleanup(func() {
		s.releaseHeld()
		s.srv.Close()
	})
	return s
}

func (s *standInTwilio) releaseHeld() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

func (s *standInTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	user, pass, ok := r.BasicAuth()
	if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/"+twilioSID+"/Messages.json" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"code":20404,"message":"not found","status":404}`)
		return
	}
	if !ok || user != twilioSID || pass != twilioToken {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"code":20003,"message":"authenticate","status":401}`)
		return
	}
	if err := r.ParseForm(); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"code":21601,"message":"bad form","status":400}`)
		return
	}
	m := twilioMessage{to: r.PostForm.Get("To"), from: r.PostForm.Get("From"), body: r.PostForm.Get("Body"),
		callback: r.PostForm.Get("StatusCallback"), contentSID: r.PostForm.Get("ContentSid"),
		contentVariables: r.PostForm.Get("ContentVariables")}
	whatsapp := strings.HasPrefix(m.to, "whatsapp:")
	s.mu.Lock()
	hold := whatsapp && s.holdWhatsApp && s.held == 0
	if hold {
		s.held++
	}
	s.mu.Unlock()
	if hold {
		close(s.arrived)
		<-s.release
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"code":20503,"message":"unavailable","status":503}`)
		return
	}
	s.mu.Lock()
	m.sid = fmt.Sprintf("SM%032d", len(s.accepted)+1)
	s.accepted = append(s.accepted, m)
	s.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]string{"sid": m.sid, "status": "queued", "to": m.to})
	if !whatsapp && m.callback != "" {
		go s.report(m, "undelivered", "30003")
	}
}

// report posts a signed status callback about m.
func (s *standInTwilio) report(m twilioMessage, status, errorCode string) {
	form := url.Values{"MessageSid": {m.sid}, "MessageStatus": {status}, "ErrorCode": {errorCode},
		"To": {m.to}, "From": {m.from}, "AccountSid": {twilioSID}, "ApiVersion": {"2010-04-01"}}
	code := postCallback(m.callback, form, twiliohook.Signature(twilioToken, m.callback, form))
	s.mu.Lock()
	s.callbacks = append(s.callbacks, code)
	s.mu.Unlock()
}

func postCallback(u string, form url.Values, sig string) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (s *standInTwilio) messages(prefix string) []twilioMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []twilioMessage
	for _, m := range s.accepted {
		if strings.HasPrefix(m.to, prefix) {
			out = append(out, m)
		}
	}
	return out
}

var codeInBody = regexp.MustCompile(`code is (\d+)\.`)

// twilioArgs are the Twilio settings of a worker or dev.
func (s *standInTwilio) twilioArgs() []string {
	return []string{"--sms-provider", "twilio", "--twilio-account-sid", twilioSID, "--twilio-from", twilioFrom,
		"--twilio-base-url", s.srv.URL, "--twilio-whatsapp-from", twilioWhatsApp}
}

// whatsAppCode waits for the WhatsApp message to phone and returns its code.
func (s *standInTwilio) whatsAppCode(t *testing.T, p *process, phone string) string {
	t.Helper()
	var got []twilioMessage
	waitFor(t, p, "a WhatsApp message", 2*time.Minute, func() bool {
		got = s.messages("whatsapp:")
		return len(got) > 0
	})
	m := got[0]
	if m.to != "whatsapp:"+phone || m.from != "whatsapp:"+twilioWhatsApp {
		t.Errorf("WhatsApp message to %q from %q", m.to, m.from)
	}
	if m.contentSID != "" {
		var vars map[string]string
		if err := json.Unmarshal([]byte(m.contentVariables), &vars); err != nil || len(vars) != 1 || vars["1"] == "" || m.body != "" {
			t.Fatalf("WhatsApp template %s with variables %q and body %q; want the code as variable 1 alone, no body",
				m.contentSID, m.contentVariables, m.body)
		}
		return vars["1"]
	}
	c := codeInBody.FindStringSubmatch(m.body)
	if c == nil {
		t.Fatalf("no code in the WhatsApp message %q", m.body)
	}
	return c[1]
}

// wantDelivery checks GET …/verification's delivery.
func wantDelivery(t *testing.T, a api, id, channel, status string) {
	t.Helper()
	code, out := a.do("GET", "/v1/customers/"+id+"/verification", "")
	v, _ := out["verification"].(map[string]any)
	d, _ := v["delivery"].(map[string]any)
	if code != http.StatusOK || d["channel"] != channel || d["status"] != status {
		t.Errorf("verification: %d %v; want delivery %s %s", code, out, channel, status)
	}
}

// An SMS reported undelivered is followed by a fresh code on WhatsApp,
// which verifies; the fallback consumes no resend.
func TestUndeliveredSMSFallsBackToWhatsApp(t *testing.T) {
	tw := newStandInTwilio(t, false)
	s := newDevStack(t)
	public := "http://" + s.http
	p, _, _ := devWithStdout(t, s, []string{"TWILIO_AUTH_TOKEN=" + twilioToken},
		append(tw.twilioArgs(), "--channels", "sms,whatsapp", "--public-url", public)...)
	a := api{t: t, base: public}
	waitHTTP(t, p, a.base)

	const phone = "+447400123471"
	id := a.create(phone)
	code := tw.whatsAppCode(t, p, phone)
	sms := tw.messages("+")
	if len(sms) != 1 || sms[0].callback != public+twiliohook.Path+"?c="+id+"&n=1" {
		t.Fatalf("SMS sent: %+v; want one with the callback of send 1", sms)
	}
	if wa := tw.messages("whatsapp:"); wa[0].callback != public+twiliohook.Path+"?c="+id+"&n=2" {
		t.Errorf("WhatsApp callback %q, want send 2's", wa[0].callback)
	}
	wantDelivery(t, a, id, "whatsapp", "queued")
	if _, out := a.do("GET", "/v1/customers/"+id+"/verification", ""); out["verification"].(map[string]any)["sendsLeft"] != float64(4) {
		t.Errorf("the fallback consumed a send: %v", out)
	}
	// A callback that is not Twilio's is refused.
	form := url.Values{"MessageSid": {sms[0].sid}, "MessageStatus": {"delivered"}}
	if got := postCallback(sms[0].callback, form, "bm90IFR3aWxpbw=="); got != http.StatusForbidden {
		t.Errorf("forged callback: %d, want 403", got)
	}
	expect(t, "WhatsApp code", a.verify(id, code), "VERIFICATION_RESULT_SUCCESS")
	tw.mu.Lock()
	callbacks := append([]int(nil), tw.callbacks...)
	tw.mu.Unlock()
	if len(callbacks) != 1 || callbacks[0] != http.StatusOK {
		t.Errorf("the API answered the callbacks with %v, want [200]", callbacks)
	}
	if n := len(tw.messages("")); n != 2 {
		t.Errorf("%d messages, want 2 (the SMS, then WhatsApp)", n)
	}
}

// With --twilio-whatsapp-templates, the fallback's WhatsApp message is the
// template of the text's locale with the code as its variable, no text;
// that code verifies, and dev's output never shows it.
func TestWhatsAppFallbackAsATemplate(t *testing.T) {
	const templateEN, templateES = "HX00112233445566778899aabbccddeeff", "HXffeeddccbbaa99887766554433221100"
	tw := newStandInTwilio(t, false)
	s := newDevStack(t)
	public := "http://" + s.http
	p, stdout, stderr := devWithStdout(t, s, []string{"TWILIO_AUTH_TOKEN=" + twilioToken}, append(tw.twilioArgs(),
		"--channels", "sms,whatsapp", "--public-url", public,
		"--twilio-whatsapp-templates", "es="+templateES+",en="+templateEN)...)
	a := api{t: t, base: public}
	waitHTTP(t, p, a.base)

	id := a.create("+447400123473")
	code := tw.whatsAppCode(t, p, "+447400123473")
	if sms := tw.messages("+"); len(sms) != 1 || sms[0].contentSID != "" || !strings.Contains(sms[0].body, "code is") {
		t.Errorf("SMS sent: %+v; want one text, no template", sms)
	}
	if wa := tw.messages("whatsapp:"); wa[0].contentSID != templateEN {
		t.Errorf("WhatsApp template %q, want en's %s", wa[0].contentSID, templateEN)
	}
	expect(t, "WhatsApp code", a.verify(id, code), "VERIFICATION_RESULT_SUCCESS")
	if !strings.Contains(stdout.String()+stderr.String(), "approved templates (es, en)") {
		t.Errorf("the banner does not name the templates")
	}
	for name, out := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
		if strings.Contains(out, code) {
			t.Errorf("dev's %s shows the WhatsApp code", name)
		}
	}
}

// A worker killed while the fallback's WhatsApp message is on its way, and
// before Twilio took it, leaves exactly one WhatsApp message after a new
// worker takes over; its code verifies.
func TestWorkerKilledBeforeFallbackSendsOneMessage(t *testing.T) {
	tw := newStandInTwilio(t, true)
	db := pgtest.URL(t)
	temporal, remote, secret := startSplitTemporal(t, db)
	env := append(secret, "TWILIO_AUTH_TOKEN="+twilioToken)
	httpAddr := freeAddr(t)
	public := "http://" + httpAddr
	workerArgs := append(append([]string{"worker", "--public-url", public, "--health-addr", ""}, tw.twilioArgs()...), remote...)
	worker := start(t, "coffeeshop worker", env, workerArgs...)
	apiProc := start(t, "coffeeshop api", env, append([]string{"api", "--http-addr", httpAddr, "--grpc-addr", freeAddr(t),
		"--public-url", public, "--channels", "sms,whatsapp"}, remote...)...)
	key, _ := createKey(t, "--database-url", db)
	a := api{t: t, base: public, key: key}
	waitHTTP(t, apiProc, a.base)

	const phone = "+447400123472"
	id := a.create(phone)
	// The SMS is reported undelivered; the workflow sends on WhatsApp,
	// whose request the stand-in holds.
	select {
	case <-tw.arrived:
	case <-time.After(2 * time.Minute):
		t.Fatal("no WhatsApp request within 2 minutes")
	}
	worker.kill()
	tw.releaseHeld()

	worker2 := start(t, "coffeeshop worker (2)", env, workerArgs...)
	code := tw.whatsAppCode(t, worker2, phone)
	expect(t, "WhatsApp code", a.verify(id, code), "VERIFICATION_RESULT_SUCCESS")
	if wa, sms := tw.messages("whatsapp:"), tw.messages("+"); len(wa) != 1 || len(sms) != 1 {
		t.Errorf("%d WhatsApp and %d SMS messages, want exactly 1 of each", len(wa), len(sms))
	}
	apiProc.terminate()
	worker2.terminate()
	temporal.terminate()
}
