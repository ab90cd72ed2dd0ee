package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	bt "github.com/coffeeshop/coffeeshop/internal/browsertest"
)

// The signup page in a real browser against `coffeeshop dev`: every step at a
// phone and a desktop size, no console error and no accessibility violation
// on any of them, and a screenshot of each under docs/screenshots when run
// with -update-screenshots:
//
//	go test ./e2e -run Browser -count=1 -update-screenshots

// signupDev starts `coffeeshop dev` with a short resend cooldown (so the
// countdown ends within the test) and extra flags, and returns its API.
func signupDev(t *testing.T, extra ...string) api {
	t.Helper()
	s := newDevStack(t)
	args := append([]string{"dev", "--data-dir", s.dataDir, "--temporal-addr", s.temporal,
		"--ui-addr", s.ui, "--grpc-addr", s.grpc, "--http-addr", s.http, "--codec-addr", s.codec,
		"--resend-cooldown", "3s"}, extra...)
	p := start(t, "coffeeshop dev", nil, args...)
	a := api{t: t, base: "http://" + s.http}
	waitHTTP(t, p, a.base)
	resp, err := http.Get(a.base + "/signup")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /signup answered %d: dev serves no signup page", resp.StatusCode)
	}
	return a
}

// step ends a step of a flow: no console error, axe finds nothing, and the
// screenshot (named step) when shot.
func step(p *bt.Page, name string, shot bool) {
	p.CheckConsole(name)
	p.Audit(name)
	if shot {
		p.Screenshot(name)
	}
}

// attr is an attribute of the first element selector matches ("" if none).
func attr(p *bt.Page, selector, name string) string {
	return bt.Eval[string](p, fmt.Sprintf(`(document.querySelector(%q) || {getAttribute: () => ''}).getAttribute(%q) || ''`, selector, name))
}

// signUp fills the form and sends it, arriving at the code step.
func signUp(t *testing.T, p *bt.Page, base, phone string, shot bool) {
	t.Helper()
	p.Navigate(base + "/")
	if loc := p.Location(); !strings.HasSuffix(loc, "/signup") {
		t.Fatalf("/ led to %s, want /signup", loc)
	}
	for id, token := range map[string]string{"first_name": "given-name", "last_name": "family-name", "email": "email", "phone": "tel"} {
		if got := attr(p, "#"+id, "autocomplete"); got != token {
			t.Errorf("#%s autocomplete = %q, want %q", id, got, token)
		}
		if bt.Eval[int](p, fmt.Sprintf(`document.querySelectorAll('label[for=%q]').length`, id)) != 1 {
			t.Errorf("#%s has no visible label", id)
		}
	}
	step(p, "signup", shot)
	p.Do(
		chromedp.SendKeys(chromedp.CSS("#first_name"), "Ada"),
		chromedp.SendKeys(chromedp.CSS("#last_name"), "Lovelace"),
		// An email of each phone's own: an email belongs to one customer.
		chromedp.SendKeys(chromedp.CSS("#email"), "ada"+strings.TrimPrefix(phone, "+")+"@example.com"),
		chromedp.SendKeys(chromedp.CSS("#phone"), phone),
	)
	p.Load(chromedp.Click(chromedp.CSS("#signup-form button[type=submit]")))
	if loc := p.Location(); !strings.Contains(loc, "/signup/code") {
		t.Fatalf("after the form, at %s (alert: %q), want the code step", loc, alert(p))
	}
	if got := attr(p, "#code", "inputmode"); got != "numeric" {
		t.Errorf("code inputmode = %q, want numeric", got)
	}
	if got := attr(p, "#code", "autocomplete"); got != "one-time-code" {
		t.Errorf("code autocomplete = %q, want one-time-code", got)
	}
	step(p, "code", shot)
}

// alert is the text of the page's alert region, "" without one.
func alert(p *bt.Page) string {
	return bt.Eval[string](p, `(document.querySelector('[role=alert]') || {textContent: ''}).textContent.trim()`)
}

// customerID reads the customer's ID from the page's session cookie (its
// first part, base64url), to check the store through the API.
func customerID(t *testing.T, p *bt.Page) string {
	t.Helper()
	for _, c := range p.Cookies() {
		if c.Name != "signup_session" {
			continue
		}
		if !c.HTTPOnly || c.SameSite != "Strict" {
			t.Errorf("session cookie HttpOnly=%v SameSite=%q, want HttpOnly and Strict", c.HTTPOnly, c.SameSite)
		}
		id, err := base64.RawURLEncoding.DecodeString(strings.SplitN(c.Value, ".", 2)[0])
		if err != nil {
			t.Fatalf("session cookie %q: %v", c.Value, err)
		}
		return string(id)
	}
	t.Fatal("no session cookie on the code step")
	return ""
}

// enterCode types code; with JavaScript the last digit sends the form, without
// it the person presses the button.
func enterCode(p *bt.Page, code string) {
	if p.JavaScript() {
		p.Load(chromedp.SendKeys(chromedp.CSS("#code"), code))
		return
	}
	p.Do(chromedp.SendKeys(chromedp.CSS("#code"), code))
	p.Load(chromedp.Click(chromedp.CSS("#code-form button[type=submit]")))
}

// wantAlert fails unless the alert says every one of words.
func wantAlert(t *testing.T, p *bt.Page, what string, words ...string) {
	t.Helper()
	got := alert(p)
	for _, w := range words {
		if !strings.Contains(got, w) {
			t.Errorf("%s: alert %q does not say %q", what, got, w)
		}
	}
}

// The whole flow with JavaScript: sign up, a wrong code, the resend
// countdown, a resend, the right code (the last digit sends it) → verified.
func TestBrowserSignupFlow(t *testing.T) {
	b := bt.Start(t)
	a := signupDev(t)
	for i, vp := range bt.Viewports {
		t.Run(vp.Name, func(t *testing.T) {
			p := b.Page(t, vp)
			signUp(t, p, a.base, fmt.Sprintf("+4474001234%02d", 10+i), true)
			id := customerID(t, p)

			enterCode(p, "1233")
			wantAlert(t, p, "wrong code", "not right", "2 tries left")
			if got := attr(p, "#code", "aria-invalid"); got != "true" {
				t.Errorf("wrong code: #code aria-invalid = %q", got)
			}
			step(p, "wrong-code", true)

			// A resend within the cooldown: the button waits, counting down.
			p.Load(chromedp.Click(chromedp.CSS("#resend-form button")))
			if !bt.Eval[bool](p, `document.querySelector('#resend-form button').disabled`) {
				t.Error("resend too soon: the button is enabled")
			}
			if wait := p.Text("#resend-wait"); !strings.ContainsAny(wait, "123456789") {
				t.Errorf("resend too soon: %q shows no seconds", wait)
			}
			step(p, "resend-wait", true)
			bt.Run(p, chromedp.Poll[chromedp.Void](`!document.querySelector('#resend-form button').disabled`,
				chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(100*time.Millisecond)))
			if ready := p.Text("#resend-ready"); ready == "" {
				t.Error("the countdown ended unannounced")
			}
			// Nothing on the page still says to wait.
			if shown := bt.Eval[string](p, `[...document.querySelectorAll('main *')].filter(e => e.offsetParent !== null && /new code in/.test(e.textContent) && !e.children.length).map(e => e.textContent).join(' | ')`); shown != "" {
				t.Errorf("the countdown ended, but the page still says %q", shown)
			}
			p.Load(chromedp.Click(chromedp.CSS("#resend-form button")))
			if got := bt.Eval[string](p, `(document.querySelector('[role=status]') || {textContent: ''}).textContent`); !strings.Contains(got, "new code") {
				t.Errorf("after a resend the page says %q, want that a new code is on its way", got)
			}
			step(p, "resent", true)

			enterCode(p, "1234")
			if loc := p.Location(); !strings.HasSuffix(loc, "/signup/done") {
				t.Fatalf("right code: at %s (alert %q), want /signup/done", loc, alert(p))
			}
			if h1 := p.Text("h1"); !strings.Contains(h1, "verified") {
				t.Errorf("done page says %q", h1)
			}
			step(p, "done", true)
			if !a.phoneVerified(id) {
				t.Error("the done page showed, but the customer is not verified in the store")
			}
		})
	}
}

// A code typed after it expired: the page says so and that a new one was sent.
func TestBrowserSignupExpiredCode(t *testing.T) {
	b := bt.Start(t)
	a := signupDev(t, "--code-ttl", "2s")
	for i, vp := range bt.Viewports {
		t.Run(vp.Name, func(t *testing.T) {
			p := b.Page(t, vp)
			signUp(t, p, a.base, fmt.Sprintf("+4474001234%02d", 20+i), false)
			id := customerID(t, p)
			// Wait, by the status endpoint, for the code to expire: a real
			// delay across processes, polled with a deadline.
			deadline := time.Now().Add(30 * time.Second)
			for {
				v := a.verification(id)
				at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(v["codeExpiresAt"]))
				if err != nil {
					t.Fatalf("verification %v: codeExpiresAt: %v", v, err)
				}
				if time.Now().After(at.Add(100 * time.Millisecond)) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the code did not expire within 30s (expires at %s)", at)
				}
				time.Sleep(100 * time.Millisecond)
			}
			enterCode(p, "1234")
			wantAlert(t, p, "expired code", "expired", "new one")
			step(p, "expired", true)
		})
	}
}

// Three wrong codes end the verification; the page says to start again.
func TestBrowserSignupTooManyTries(t *testing.T) {
	b := bt.Start(t)
	a := signupDev(t)
	for i, vp := range bt.Viewports {
		t.Run(vp.Name, func(t *testing.T) {
			p := b.Page(t, vp)
			signUp(t, p, a.base, fmt.Sprintf("+4474001234%02d", 30+i), false)
			id := customerID(t, p)
			enterCode(p, "0001")
			enterCode(p, "0002")
			wantAlert(t, p, "second wrong code", "1 try left")
			enterCode(p, "0003")
			wantAlert(t, p, "third wrong code", "Too many", "Start again")
			step(p, "too-many", true)
			if a.phoneVerified(id) {
				t.Error("verified after too many wrong codes")
			}
		})
	}
}

// Without JavaScript the same flow works by plain form posts.
func TestBrowserSignupNoJavaScript(t *testing.T) {
	b := bt.Start(t)
	a := signupDev(t)
	for i, vp := range bt.Viewports {
		t.Run(vp.Name, func(t *testing.T) {
			p := b.Page(t, vp, bt.NoJavaScript)
			signUp(t, p, a.base, fmt.Sprintf("+4474001234%02d", 40+i), false)
			id := customerID(t, p)
			enterCode(p, "1233")
			wantAlert(t, p, "wrong code", "not right", "2 tries left")
			step(p, "wrong code, no JavaScript", false)
			enterCode(p, "1234")
			if loc := p.Location(); !strings.HasSuffix(loc, "/signup/done") {
				t.Fatalf("right code: at %s (alert %q), want /signup/done", loc, alert(p))
			}
			step(p, "done, no JavaScript", false)
			if !a.phoneVerified(id) {
				t.Error("the done page showed, but the customer is not verified in the store")
			}
		})
	}
}

// fakeWebOTP stands in for the browser's WebOTP API, which a headless browser
// cannot feed a text message: it runs before the page's own scripts on every
// document, records what the page asks navigator.credentials.get for, and
// answers with the code the test passes to webOTP.deliver.
const fakeWebOTP = `(() => {
  window.OTPCredential = window.OTPCredential || function OTPCredential() {};
  let deliver;
  const sms = new Promise(resolve => { deliver = resolve; });
  window.webOTP = {asked: null, deliver: code => deliver({type: 'otp', id: '', code: code})};
  Object.defineProperty(navigator, 'credentials', {configurable: true, value: {
    get(options) {
      const o = options || {};
      window.webOTP.asked = {transport: (o.otp || {}).transport || null, signal: o.signal instanceof AbortSignal};
      return sms;
    }
  }});
})();`

// Where the browser has WebOTP, the code step asks it for the code from the
// text message (transport "sms", abortable) and, when it arrives, fills it in
// and sends it: the person types nothing and ends verified.
func TestBrowserSignupWebOTP(t *testing.T) {
	b := bt.Start(t)
	a := signupDev(t)
	p := b.Page(t, bt.Phone)
	p.Do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument,
			cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: fakeWebOTP})
		return err
	}))
	signUp(t, p, a.base, "+447400123450", false)
	id := customerID(t, p)

	type asked struct {
		Transport []string `json:"transport"`
		Signal    bool     `json:"signal"`
	}
	got := bt.Eval[*asked](p, `window.webOTP.asked`)
	if got == nil {
		t.Fatal("the code step did not ask WebOTP for the code")
	}
	if !slices.Equal(got.Transport, []string{"sms"}) || !got.Signal {
		t.Errorf("WebOTP asked with transport %q, signal %v; want [sms] and an AbortSignal", got.Transport, got.Signal)
	}
	if loc := p.Location(); !strings.HasSuffix(loc, "/signup/code") {
		t.Fatalf("before the text arrived, at %s", loc)
	}

	p.Load(chromedp.Evaluate[chromedp.Void](`window.webOTP.deliver('1234')`))
	if loc := p.Location(); !strings.HasSuffix(loc, "/signup/done") {
		t.Fatalf("after WebOTP gave the code: at %s (alert %q), want /signup/done", loc, alert(p))
	}
	step(p, "done by WebOTP", false)
	if !a.phoneVerified(id) {
		t.Error("the done page showed, but the customer is not verified in the store")
	}
}
