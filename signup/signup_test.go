package signup

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// browser is a client with a cookie jar that does not follow redirects, so
// each test sees every answer.
type browser struct {
	t    *testing.T
	srv  *httptest.Server
	c    *http.Client
	lang string // Accept-Language, when set
}

func newBrowser(t *testing.T, f *fakeBackend, cfg Config) *browser {
	t.Helper()
	cfg.Backend = f
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, srv: srv, c: c}
}

type answer struct {
	*http.Response
	body string
}

func (b *browser) do(method, path string, form url.Values) answer {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return answer{resp, string(raw)}
}

func (b *browser) get(path string) answer { b.t.Helper(); return b.do(http.MethodGet, path, nil) }

// post posts form to path with the CSRF token of the page at from.
func (b *browser) post(from, path string, form url.Values) answer {
	b.t.Helper()
	page := b.get(from)
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", hidden(b.t, page.body, "csrf"))
	return b.do(http.MethodPost, path, form)
}

var hiddenRE = regexp.MustCompile(`name="([a-z_]+)" value="([^"]*)"`)

// hidden returns the value of the input name in page.
func hidden(t *testing.T, page, name string) string {
	t.Helper()
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("no input %q in the page:\n%s", name, page)
	return ""
}

func person() url.Values {
	return url.Values{fFirstName: {"Ada"}, fLastName: {"Lovelace"}, fEmail: {"ada@example.com"}, fPhone: {"+44 7400 123456"}}
}

// signUp fills in the form and follows to the code step.
func (b *browser) signUp() {
	b.t.Helper()
	form := person()
	page := b.get("/signup")
	form.Set("csrf", hidden(b.t, page.body, "csrf"))
	form.Set("request_id", hidden(b.t, page.body, "request_id"))
	a := b.do(http.MethodPost, "/signup", form)
	wantRedirect(b.t, a, "/signup/code")
}

func wantStatus(t *testing.T, a answer, status int) {
	t.Helper()
	if a.StatusCode != status {
		t.Fatalf("status %d, want %d; body:\n%s", a.StatusCode, status, a.body)
	}
}

func wantRedirect(t *testing.T, a answer, to string) {
	t.Helper()
	wantStatus(t, a, http.StatusSeeOther)
	if got := a.Header.Get("Location"); got != to {
		t.Fatalf("redirect to %q, want %q", got, to)
	}
}

func wantBody(t *testing.T, a answer, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(a.body, p) {
			t.Errorf("the page lacks %q:\n%s", p, a.body)
		}
	}
}

func cookieOf(a answer, name string) *http.Cookie {
	for _, c := range a.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestHappyPath(t *testing.T) {
	f := newFake()
	b := newBrowser(t, f, Config{PhoneExample: "+44 7400 123456"})

	form := b.get("/signup")
	wantStatus(t, form, http.StatusOK)
	wantBody(t, form, `<html lang="en">`, `<main`, `<h1>`,
		`<label for="first_name">First name</label>`, `autocomplete="given-name"`,
		`autocomplete="family-name"`, `type="email" autocomplete="email"`, `type="tel" autocomplete="tel"`,
		`aria-describedby="phone-hint"`, `for example &#43;44 7400 123456`)
	if strings.Contains(form.body, "<script>") || strings.Contains(form.body, "style=") {
		t.Error("the page has an inline script or style")
	}

	fields := person()
	fields.Set("csrf", hidden(t, form.body, "csrf"))
	fields.Set("request_id", hidden(t, form.body, "request_id"))
	a := b.do(http.MethodPost, "/signup", fields)
	wantRedirect(t, a, "/signup/code")
	c := cookieOf(a, cookieSession)
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.Path != "/signup" {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, not Secure over http, Path=/signup", c)
	}
	if got := f.signUps[0]; got.FirstName != "Ada" || got.LastName != "Lovelace" || got.Email != "ada@example.com" ||
		got.PhoneNumber != "+44 7400 123456" || got.RequestID != fields.Get("request_id") {
		t.Fatalf("SignUp got %+v", got)
	}

	code := b.get("/signup/code")
	wantStatus(t, code, http.StatusOK)
	wantBody(t, code, `inputmode="numeric"`, `autocomplete="one-time-code"`, `pattern="[0-9]{4}"`, `maxlength="4"`,
		`<label for="code">Code from the text message</label>`, `You have 3 tries left.`, `action="/signup/resend"`)

	wrong := b.post("/signup/code", "/signup/code", url.Values{fCode: {"9999"}})
	wantStatus(t, wrong, http.StatusUnprocessableEntity)
	wantBody(t, wrong, `That code is not right. 2 tries left.`, `role="alert"`, `aria-invalid="true"`,
		`aria-describedby="code-hint code-error"`, `href="#code"`)

	right := b.post("/signup/code", "/signup/code", url.Values{fCode: {"12 34"}})
	wantRedirect(t, right, "/signup/done")
	if got := f.verified; len(got) != 2 || got[1] != rightCode {
		t.Fatalf("Verify got codes %q, want spaces dropped", got)
	}
	for i := range f.tokens {
		if f.tokens[i] != fakeToken || f.customerIDs[i] != fakeCustomerID {
			t.Fatalf("a code step carried %q/%q", f.tokens[i], f.customerIDs[i])
		}
	}

	done := b.get("/signup/done")
	wantStatus(t, done, http.StatusOK)
	wantBody(t, done, "Your phone is verified")
	if c := cookieOf(done, cookieSession); c == nil || c.MaxAge >= 0 {
		t.Fatalf("the done page did not clear the session cookie: %+v", c)
	}
	wantRedirect(t, b.get("/signup/code"), "/signup")
}

func TestDoubleSubmitKeepsRequestID(t *testing.T) {
	f := newFake()
	b := newBrowser(t, f, Config{})
	page := b.get("/signup")
	form := person()
	form.Set("csrf", hidden(t, page.body, "csrf"))
	form.Set("request_id", hidden(t, page.body, "request_id"))
	wantRedirect(t, b.do(http.MethodPost, "/signup", form), "/signup/code")
	wantRedirect(t, b.do(http.MethodPost, "/signup", form), "/signup/code")
	if len(f.signUps) != 2 || f.signUps[0].RequestID != f.signUps[1].RequestID || f.signUps[0].RequestID == "" {
		t.Fatalf("request IDs %+v: want the same one twice", f.signUps)
	}
	if other := hidden(t, b.get("/signup").body, "request_id"); other == f.signUps[0].RequestID {
		t.Fatal("a new form has the same request ID")
	}
}

func TestSignUpErrors(t *testing.T) {
	invalid := func(field string) error {
		return &FieldError{Field: field, Err: coffeeshop.Errorf(coffeeshop.EINVALID, "%s: bad", field)}
	}
	guard := func(code, reason string) error {
		return &coffeeshop.Error{Code: code, Message: "no", Reason: reason, RetryAfter: 90 * time.Second}
	}
	for _, tc := range []struct {
		name       string
		err        error
		status     int
		field      string // the input marked invalid, "" for none
		want       string
		retryAfter string
	}{
		{"invalid phone", invalid(coffeeshop.FieldPhoneNumber), 422, fPhone,
			"This is not a phone number we can use. Enter a mobile number with its country code, for example &#43;34 612 345 678.", ""},
		{"invalid email", invalid(coffeeshop.FieldEmail), 422, fEmail, "Enter an email address like name@example.com.", ""},
		{"invalid first name", invalid(coffeeshop.FieldFirstName), 422, fFirstName, "This first name cannot be used.", ""},
		{"invalid last name", invalid(coffeeshop.FieldLastName), 422, fLastName, "This last name cannot be used.", ""},
		{"invalid, field unknown", coffeeshop.Errorf(coffeeshop.EINVALID, "bad"), 400, "", "Please check the details you entered", ""},
		{"country refused", guard(coffeeshop.EFORBIDDEN, coffeeshop.ReasonCountryNotAllowed), 422, fPhone,
			"We cannot send texts to phone numbers in this country.", ""},
		{"number type refused", guard(coffeeshop.EFORBIDDEN, coffeeshop.ReasonNumberTypeNotAllowed), 422, fPhone,
			"This number cannot receive our texts.", ""},
		{"prefix blocked", guard(coffeeshop.ETOOMANY, coffeeshop.ReasonPrefixBlocked), 429, fPhone,
			"We are not sending texts to numbers like this one right now. Try again in 90 seconds.", "90"},
		{"budget exhausted", guard(coffeeshop.ETOOMANY, coffeeshop.ReasonSMSBudgetExhausted), 429, fPhone,
			"We are sending too many texts right now. Try again in 90 seconds.", "90"},
		{"rate limited", tooMany(1500*time.Millisecond, ""), 429, "", "Too many tries. Try again in 2 seconds.", "2"},
		{"undeliverable", coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "no"), 422, fPhone, "We could not send a text to this number.", ""},
		{"email in use", &FieldError{Field: coffeeshop.FieldEmail, Err: coffeeshop.InUseError(coffeeshop.FieldEmail)}, 409, fEmail,
			"This email address is already signed up.", ""},
		{"phone in use", &FieldError{Field: coffeeshop.FieldPhoneNumber, Err: coffeeshop.InUseError(coffeeshop.FieldPhoneNumber)}, 409, fPhone,
			"This phone number is already signed up.", ""},
		{"conflict, field unknown", coffeeshop.Errorf(coffeeshop.ECONFLICT, "no"), 409, "", "Please check the details you entered", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.signUpErr = tc.err
			b := newBrowser(t, f, Config{PhoneExample: "+34 612 345 678"})
			form := person()
			form.Set(fPhone, "+44 7911 123456")
			a := b.post("/signup", "/signup", form)
			wantStatus(t, a, tc.status)
			wantBody(t, a, tc.want, `role="alert"`, `value="&#43;44 7911 123456"`, `value="Ada"`)
			if got := a.Header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
			if tc.field != "" {
				wantBody(t, a, `<p class="error" id="`+tc.field+`-error">`, `href="#`+tc.field+`"`)
				input := regexp.MustCompile(`<input id="` + tc.field + `"[^>]*>`).FindString(a.body)
				if !strings.Contains(input, `aria-invalid="true"`) || !strings.Contains(input, tc.field+"-error") {
					t.Errorf("the %s input is not marked invalid and described by its error: %s", tc.field, input)
				}
			} else if strings.Contains(a.body, "aria-invalid") {
				t.Error("a field is marked invalid for an error of the whole form")
			}
			if cookieOf(a, cookieSession) != nil {
				t.Error("a refused signup set the session cookie")
			}
		})
	}
}

func TestBackendFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
	}{
		{"internal", errors.New("database on fire"), 500},
		{"unavailable", coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "temporal down"), 503},
		{"unauthenticated page credential", coffeeshop.Errorf(coffeeshop.EUNAUTHENTICATED, "bad key"), 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.signUpErr = tc.err
			b := newBrowser(t, f, Config{})
			a := b.post("/signup", "/signup", person())
			wantStatus(t, a, tc.status)
			wantBody(t, a, "Something went wrong, please try again.")
			if strings.Contains(a.body, "fire") || strings.Contains(a.body, "temporal") {
				t.Error("the page shows the internal error")
			}
		})
	}

	t.Run("status fails on the code step", func(t *testing.T) {
		f := newFake()
		b := newBrowser(t, f, Config{})
		b.signUp()
		f.set(func(f *fakeBackend) { f.statusErr = errors.New("boom") })
		a := b.get("/signup/code")
		wantStatus(t, a, 500)
		wantBody(t, a, "Something went wrong")
	})

	t.Run("panic", func(t *testing.T) {
		f := newFake()
		f.panicOn = "signup"
		b := newBrowser(t, f, Config{})
		a := b.post("/signup", "/signup", person())
		wantStatus(t, a, 500)
		wantBody(t, a, "Something went wrong, please try again.")
	})
}

func TestCodeOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		result    coffeeshop.VerificationResult
		err       error
		status    coffeeshop.VerificationStatus
		code      int
		want      []string
		noCodeBox bool
	}{
		{name: "code expired", result: coffeeshop.VerificationCodeExpired, status: coffeeshop.VerificationStatusInProgress, code: 422,
			want: []string{"That code had expired; we have sent you a new one."}},
		{name: "too many", result: coffeeshop.VerificationMaxAttemptsReached, status: coffeeshop.VerificationStatusMaxAttemptsReached, code: 422,
			want: []string{"Too many wrong codes. Start again.", "Send me a new code", `action="/signup/resend"`}, noCodeBox: true},
		{name: "verification expired", result: coffeeshop.VerificationExpired, status: coffeeshop.VerificationStatusExpired, code: 422,
			want: []string{"This verification has expired. Start again.", "Send me a new code"}, noCodeBox: true},
		{name: "undeliverable", result: coffeeshop.VerificationUndeliverable, status: coffeeshop.VerificationStatusUndeliverable, code: 422,
			want: []string{"We could not send a text message to your phone.", `<a href="/signup">Start again</a>`}, noCodeBox: true},
		{name: "malformed code", err: &FieldError{Field: coffeeshop.FieldVerificationCode, Err: coffeeshop.Errorf(coffeeshop.EINVALID, "bad")},
			status: coffeeshop.VerificationStatusInProgress, code: 422, want: []string{"Enter the 4-digit code from the text message."}},
		{name: "rate limited", err: tooMany(30*time.Second, ""), status: coffeeshop.VerificationStatusInProgress, code: 429,
			want: []string{"Too many tries. Try again in 30 seconds."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			b := newBrowser(t, f, Config{})
			b.signUp()
			form := b.get("/signup/code")
			f.set(func(f *fakeBackend) { f.result, f.verifyErr, f.ver.Status = tc.result, tc.err, tc.status })
			a := b.do(http.MethodPost, "/signup/code", url.Values{"csrf": {hidden(t, form.body, "csrf")}, fCode: {"0000"}})
			wantStatus(t, a, tc.code)
			wantBody(t, a, append(tc.want, `role="alert"`)...)
			if got := strings.Contains(a.body, `id="code"`); got == tc.noCodeBox {
				t.Errorf("code input shown: %v, want %v", got, !tc.noCodeBox)
			}
			// The GET of the code step says the same of an ended verification.
			if tc.noCodeBox {
				wantBody(t, b.get("/signup/code"), tc.want[0])
			}
		})
	}

	t.Run("verified already", func(t *testing.T) {
		f := newFake()
		b := newBrowser(t, f, Config{})
		b.signUp()
		f.set(func(f *fakeBackend) { f.ver.Status = coffeeshop.VerificationStatusVerified })
		wantRedirect(t, b.get("/signup/code"), "/signup/done")
	})

	t.Run("token no longer works", func(t *testing.T) {
		f := newFake()
		b := newBrowser(t, f, Config{})
		b.signUp()
		f.set(func(f *fakeBackend) { f.statusErr = coffeeshop.Errorf(coffeeshop.EUNAUTHENTICATED, "expired token") })
		a := b.get("/signup/code")
		wantRedirect(t, a, "/signup")
		if c := cookieOf(a, cookieSession); c == nil || c.MaxAge >= 0 {
			t.Error("the dead session was not cleared")
		}
	})
}

func TestResend(t *testing.T) {
	f := newFake()
	b := newBrowser(t, f, Config{})
	b.signUp()
	a := b.post("/signup/code", "/signup/resend", nil)
	wantRedirect(t, a, "/signup/code?sent=1")
	sent := b.get("/signup/code?sent=1")
	wantBody(t, sent, `role="status"`, "A new code is on its way.")

	f.set(func(f *fakeBackend) { f.resendErr = tooMany(42*time.Second, "") })
	a = b.post("/signup/code", "/signup/resend", nil)
	wantStatus(t, a, http.StatusTooManyRequests)
	wantBody(t, a, "You can ask for a new code in 42 seconds.", `data-countdown="42"`,
		`data-wait-many="You can ask for a new code in {n} seconds."`, `data-wait-one="You can ask for a new code in 1 second."`,
		`aria-live="polite"`, `data-ready="You can ask for a new code now."`, `id="code"`,
		`id="alert" data-countdown-alert>`) // the script hides it when the countdown ends
	if a.Header.Get("Retry-After") != "42" {
		t.Errorf("Retry-After %q", a.Header.Get("Retry-After"))
	}

	// After too many wrong codes the resend button starts again.
	f.set(func(f *fakeBackend) {
		f.resendErr = nil
		f.ver.Status = coffeeshop.VerificationStatusMaxAttemptsReached
	})
	wantBody(t, b.get("/signup/code"), "Too many wrong codes. Start again.")
	wantRedirect(t, b.post("/signup/code", "/signup/resend", nil), "/signup/code?sent=1")
	wantBody(t, b.get("/signup/code?sent=1"), `id="code"`, "You have 3 tries left.")

	f.set(func(f *fakeBackend) { f.resendErr = coffeeshop.Errorf(coffeeshop.ECONFLICT, "verified") })
	wantRedirect(t, b.post("/signup/code", "/signup/resend", nil), "/signup/done")
}

func TestCodeStepNeedsSession(t *testing.T) {
	f := newFake()
	b := newBrowser(t, f, Config{})
	wantRedirect(t, b.get("/signup/code"), "/signup")
	wantRedirect(t, b.get("/signup/done"), "/signup")
	wantRedirect(t, b.post("/signup", "/signup/code", url.Values{fCode: {"1234"}}), "/signup")
	wantRedirect(t, b.post("/signup", "/signup/resend", nil), "/signup")

	// A cookie that is not one of ours counts as none.
	u, _ := url.Parse(b.srv.URL + "/signup")
	for _, v := range []string{"garbage", "a.b", "..", "%%%.x.y", b64.EncodeToString([]byte("x\n")) + ".dA.", "Yw.."} {
		b.c.Jar.SetCookies(u, []*http.Cookie{{Name: cookieSession, Value: v, Path: "/signup"}})
		wantRedirect(t, b.get("/signup/code"), "/signup")
	}
	if len(f.tokens) != 0 {
		t.Fatalf("the backend was called without a session: %q", f.tokens)
	}
	wantStatus(t, b.get("/signup/done"), http.StatusSeeOther)
}

func TestCSRF(t *testing.T) {
	f := newFake()
	b := newBrowser(t, f, Config{})
	page := b.get("/signup")
	token := hidden(t, page.body, "csrf")

	for _, tc := range []struct {
		name  string
		token string
	}{
		{"missing", ""},
		{"wrong", strings.Repeat("A", 43)},
		{"not base64", "!!!"},
		{"truncated", token[:20]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/signup", "/signup/code", "/signup/resend"} {
				form := person()
				if tc.token != "" {
					form.Set("csrf", tc.token)
				}
				a := b.do(http.MethodPost, path, form)
				wantStatus(t, a, http.StatusForbidden)
				wantBody(t, a, "This form has expired")
			}
		})
	}

	t.Run("token of another browser", func(t *testing.T) {
		other := newBrowser(t, f, Config{})
		form := person()
		form.Set("csrf", token)
		wantStatus(t, other.do(http.MethodPost, "/signup", form), http.StatusForbidden)
	})

	t.Run("token of another key", func(t *testing.T) {
		keyed := newBrowser(t, f, Config{Key: []byte(strings.Repeat("k", 32))})
		keyed.get("/signup")
		u, _ := url.Parse(b.srv.URL + "/signup")
		keyed.c.Jar.SetCookies(u, b.c.Jar.Cookies(u)) // b's cookie, not keyed's server's
		form := person()
		form.Set("csrf", token)
		wantStatus(t, keyed.do(http.MethodPost, "/signup", form), http.StatusForbidden)
	})

	if len(f.signUps) != 0 {
		t.Fatalf("a refused form reached the backend: %+v", f.signUps)
	}

	t.Run("no cookie", func(t *testing.T) {
		fresh := newBrowser(t, f, Config{})
		form := person()
		form.Set("csrf", token)
		a := fresh.do(http.MethodPost, "/signup", form)
		wantStatus(t, a, http.StatusForbidden)
		if c := cookieOf(a, cookieCSRF); c == nil {
			t.Error("the refusal did not set a CSRF cookie for the next try")
		}
	})
}

func TestCookieFlags(t *testing.T) {
	f := newFake()
	b := newBrowser(t, f, Config{Secure: true})
	// The jar would not send Secure cookies over http; read the headers.
	page := b.get("/signup?lang=es")
	for _, name := range []string{cookieCSRF, cookieLang} {
		c := cookieOf(page, name)
		if c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/signup" {
			t.Errorf("cookie %s: %+v", name, c)
		}
	}
	secret := cookieOf(page, cookieCSRF).Value
	form := person()
	form.Set("csrf", hidden(t, page.body, "csrf"))
	req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/signup", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: cookieCSRF, Value: secret})
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c := cookieOf(answer{Response: resp}, cookieSession)
	if resp.StatusCode != http.StatusSeeOther || c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Fatalf("status %d, session cookie %+v", resp.StatusCode, c)
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFake()
	b := newBrowser(t, f, Config{})
	b.signUp()
	for _, a := range []answer{
		b.get("/signup"), b.get("/signup/code"), b.get("/signup/nope"), b.do(http.MethodDelete, "/signup", nil),
		b.do(http.MethodPost, "/signup", url.Values{}), b.get("/signup/assets/signup.js"), b.get("/signup/assets/signup.css"),
	} {
		h := a.Header
		if got := h.Get("Content-Security-Policy"); got != "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'" {
			t.Errorf("%s %s: CSP %q", a.Request.Method, a.Request.URL.Path, got)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s %s: headers %v", a.Request.Method, a.Request.URL.Path, h)
		}
		if strings.HasPrefix(a.Request.URL.Path, "/signup/assets/") {
			if !strings.Contains(h.Get("Cache-Control"), "max-age=31536000") {
				t.Errorf("%s: Cache-Control %q", a.Request.URL.Path, h.Get("Cache-Control"))
			}
		} else if h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s: Cache-Control %q", a.Request.Method, a.Request.URL.Path, h.Get("Cache-Control"))
		}
	}
}

func TestAssets(t *testing.T) {
	b := newBrowser(t, newFake(), Config{})
	page := b.get("/signup")
	for _, tc := range []struct{ name, ctype, contains string }{
		{"signup.js", "text/javascript; charset=utf-8", "OTPCredential"},
		{"signup.css", "text/css; charset=utf-8", "font-size"},
	} {
		ref := regexp.MustCompile(`"(/signup/assets/` + regexp.QuoteMeta(tc.name) + `\?v=[0-9a-f]+)"`).FindStringSubmatch(page.body)
		if ref == nil {
			t.Fatalf("the page does not link %s with a version", tc.name)
		}
		a := b.get(ref[1])
		wantStatus(t, a, http.StatusOK)
		wantBody(t, a, tc.contains)
		if a.Header.Get("Content-Type") != tc.ctype {
			t.Errorf("%s: Content-Type %q", tc.name, a.Header.Get("Content-Type"))
		}
	}
	wantStatus(t, b.get("/signup/assets/other.js"), http.StatusNotFound)
	wantStatus(t, b.do(http.MethodPost, "/signup/assets/signup.js", url.Values{}), http.StatusMethodNotAllowed)
}

func TestReturnTo(t *testing.T) {
	cfg := Config{ReturnOrigins: []string{"https://shop.example", "http://localhost:8080"}}
	for _, tc := range []struct {
		returnTo string
		allowed  bool
	}{
		{"https://shop.example/welcome?x=1", true},
		{"https://SHOP.example/", true},
		{"http://localhost:8080/back", true},
		{"http://shop.example/welcome", false},        // other scheme
		{"https://shop.example:444/welcome", false},   // other port
		{"https://evil.example/", false},              // other host
		{"https://shop.example.evil.example/", false}, // suffix trick
		{"https://user@shop.example/", false},         // userinfo
		{"//shop.example/x", false},                   // scheme-relative
		{"/signup/done", false},                       // relative
		{"javascript:alert(1)", false},
	} {
		t.Run(tc.returnTo, func(t *testing.T) {
			f := newFake()
			b := newBrowser(t, f, cfg)
			page := b.get("/signup?return_to=" + url.QueryEscape(tc.returnTo))
			hasField := strings.Contains(page.body, `name="return_to"`)
			if hasField != tc.allowed {
				t.Fatalf("return_to kept in the form: %v, want %v", hasField, tc.allowed)
			}
			form := person()
			form.Set("csrf", hidden(t, page.body, "csrf"))
			form.Set("return_to", tc.returnTo) // posted even when the form did not keep it
			wantRedirect(t, b.do(http.MethodPost, "/signup", form), "/signup/code")
			f.set(func(f *fakeBackend) { f.ver.Status = coffeeshop.VerificationStatusVerified })
			done := b.get("/signup/done")
			wantStatus(t, done, http.StatusOK)
			hasLink := strings.Contains(done.body, "Back to the shop")
			if hasLink != tc.allowed {
				t.Fatalf("link back shown: %v, want %v\n%s", hasLink, tc.allowed, done.body)
			}
		})
	}

	t.Run("no origins configured", func(t *testing.T) {
		b := newBrowser(t, newFake(), Config{})
		if strings.Contains(b.get("/signup?return_to=https://shop.example/").body, "return_to") {
			t.Fatal("return_to kept with no origins configured")
		}
	})
}

func TestLanguage(t *testing.T) {
	for _, tc := range []struct{ accept, want string }{
		{"es-ES,es;q=0.9,en;q=0.8", "es"},
		{"es", "es"},
		{"fr-FR,fr;q=0.9,es;q=0.5,en;q=0.4", "es"},
		{"en;q=0.5,es;q=0.8", "es"},
		{"es;q=0,en", "en"},
		{"de", "en"},
		{"", "en"},
		{"*", "en"},
		{"es;q=abc", "en"},
	} {
		b := newBrowser(t, newFake(), Config{})
		b.lang = tc.accept
		a := b.get("/signup")
		wantBody(t, a, `<html lang="`+tc.want+`">`)
	}

	b := newBrowser(t, newFake(), Config{})
	b.lang = "es"
	a := b.get("/signup")
	wantBody(t, a, "Únete a GoCoffee", "Nombre", "Número de móvil", `href="/signup?lang=en"`)
	if strings.Contains(a.body, "First name") {
		t.Error("English on the Spanish page")
	}

	// The switch sets a cookie that wins over Accept-Language from then on.
	a = b.get("/signup?lang=en")
	wantBody(t, a, `<html lang="en">`, "Join GoCoffee", `aria-current="true">English`)
	wantBody(t, b.get("/signup"), `<html lang="en">`)
	b.signUp()
	wantBody(t, b.get("/signup/code"), `<html lang="en">`, `href="/signup/code?lang=es"`)
	wantBody(t, b.get("/signup/code?lang=es"), `<html lang="es">`, "Código del SMS", "Te quedan 3 intentos.")

	// Spanish outcomes too.
	wrong := b.post("/signup/code", "/signup/code", url.Values{fCode: {"0000"}})
	wantBody(t, wrong, "Ese código no es correcto. Te quedan 2 intentos.")
}

func TestRouting(t *testing.T) {
	b := newBrowser(t, newFake(), Config{})
	for _, p := range []string{"/", "/signup/", "/signup/x", "/signupx", "/signup/assets/", "/signup/assets/../signup.go"} {
		a := b.get(p)
		wantStatus(t, a, http.StatusNotFound)
	}
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodPut, "/signup", "GET, HEAD, POST"},
		{http.MethodDelete, "/signup/code", "GET, HEAD, POST"},
		{http.MethodGet, "/signup/resend", "POST"},
		{http.MethodPost, "/signup/done", "GET, HEAD"},
		{http.MethodPatch, "/signup/assets/signup.css", "GET, HEAD"},
	} {
		a := b.do(tc.method, tc.path, nil)
		wantStatus(t, a, http.StatusMethodNotAllowed)
		if got := a.Header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
	head := b.do(http.MethodHead, "/signup", nil)
	wantStatus(t, head, http.StatusOK)

	// A body over the limit is 413, as the API answers one; a body that is
	// no form is 400. Each says so in words.
	big := url.Values{"x": {strings.Repeat("a", 20<<10)}}
	for _, path := range []string{"/signup", "/signup/code", "/signup/resend"} {
		a := b.do(http.MethodPost, path, big)
		wantStatus(t, a, http.StatusRequestEntityTooLarge)
		wantBody(t, a, "The form is too large", `<html lang="en">`)
	}
	b.lang = "es"
	wantBody(t, b.do(http.MethodPost, "/signup", big), "El formulario es demasiado grande")
	b.lang = ""
	req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/signup", strings.NewReader("first_name=%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantStatus(t, answer{resp, string(raw)}, http.StatusBadRequest)
	wantBody(t, answer{resp, string(raw)}, "The form could not be read.")
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Backend: newFake(), ReturnOrigins: []string{"shop.example"}},
		{Backend: newFake(), ReturnOrigins: []string{"https://shop.example/path"}},
		{Backend: newFake(), ReturnOrigins: []string{"ftp://shop.example"}},
		{Backend: newFake(), Key: []byte("short")},
		{Backend: newFake(), CodeLength: 40},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestFieldOf(t *testing.T) {
	inner := coffeeshop.Errorf(coffeeshop.EINVALID, "bad phone")
	err := &FieldError{Field: coffeeshop.FieldPhoneNumber, Err: inner}
	wrapped := errors.Join(errors.New("context"), err)
	if FieldOf(wrapped) != coffeeshop.FieldPhoneNumber || FieldOf(inner) != "" || FieldOf(nil) != "" {
		t.Fatal("FieldOf did not find the field")
	}
	if err.Error() != inner.Error() || coffeeshop.ErrorCode(wrapped) != coffeeshop.EINVALID {
		t.Fatal("FieldError hides its error")
	}
}

// Without Config.Secure a cookie is Secure when its request came over TLS,
// to the page or (HTTPS) to a proxy in front of it.
func TestCookieSecureOverTLS(t *testing.T) {
	f := newFake()
	for _, tc := range []struct {
		name   string
		tls    bool
		https  func(*http.Request) bool
		secure bool
	}{
		{"plain http", false, nil, false},
		{"TLS to the page", true, nil, true},
		{"TLS to a proxy", false, func(r *http.Request) bool { return r.Header.Get("X-Forwarded-Proto") == "https" }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := New(Config{Backend: f, HTTPS: tc.https, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			var srv *httptest.Server
			if tc.tls {
				srv = httptest.NewTLSServer(h)
			} else {
				srv = httptest.NewServer(h)
			}
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/signup", nil)
			req.Header.Set("X-Forwarded-Proto", "https")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			c := cookieOf(answer{Response: resp}, cookieCSRF)
			if c == nil || c.Secure != tc.secure {
				t.Errorf("CSRF cookie %+v, want Secure %v", c, tc.secure)
			}
		})
	}
}
