package e2e

import (
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// browser is a person's plain HTTP client on the signup page: cookies and
// redirects as a browser without JavaScript has them.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, client: &http.Client{Jar: jar, Timeout: 2 * time.Minute}}
}

// page is an HTML answer, after redirects.
type page struct {
	status int
	path   string
	body   string
}

func (b *browser) get(path string) page {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil)
}

// post submits form, with the CSRF token of the form on from.
func (b *browser) post(path string, from page, form url.Values) page {
	b.t.Helper()
	form.Set("csrf", from.field(b.t, "csrf"))
	return b.do(http.MethodPost, path, form)
}

func (b *browser) do(method, path string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{status: resp.StatusCode, path: resp.Request.URL.Path, body: html.UnescapeString(string(raw))}
}

// field is the value of the form input named name.
func (p page) field(t *testing.T, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `"[^>]*value="([^"]*)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no input %s on %s:\n%s", name, p.path, p.body)
	}
	return m[1]
}

// customerID reads the customer of the signup page's session cookie.
func (b *browser) customerID() string {
	b.t.Helper()
	u, _ := url.Parse(b.base + "/signup/code")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "signup_session" {
			id, _, _ := strings.Cut(c.Value, ".")
			raw, err := base64.RawURLEncoding.DecodeString(id)
			if err == nil {
				return string(raw)
			}
		}
	}
	b.t.Fatal("no signup session cookie")
	return ""
}

// The signup page without JavaScript, on dev: / leads to it; the form
// signs up, a wrong code says how many tries are left, the right one ends
// on the done page, and the customer is verified in the store.
func TestDevSignupPageWithoutJavaScript(t *testing.T) {
	s := newDevStack(t)
	p, a := s.start(t)
	waitBanner(t, p, "Signup page  http://"+s.http+"/signup")
	b := newBrowser(t, a.base)

	form := b.get("/")
	if form.status != http.StatusOK || form.path != "/signup" || !strings.Contains(form.body, `autocomplete="tel"`) {
		t.Fatalf("GET /: %d at %s:\n%s", form.status, form.path, form.body)
	}
	code := b.post("/signup", form, url.Values{
		"request_id": {form.field(t, "request_id")},
		"first_name": {"Ada"}, "last_name": {"Lovelace"}, "email": {"ada@example.com"}, "phone": {"+447400123461"},
	})
	if code.status != http.StatusOK || code.path != "/signup/code" || !strings.Contains(code.body, `autocomplete="one-time-code"`) {
		t.Fatalf("sign up: %d at %s:\n%s", code.status, code.path, code.body)
	}
	id := b.customerID()
	if a.phoneVerified(id) {
		t.Fatal("verified before any code")
	}

	wrong := b.post("/signup/code", code, url.Values{"code": {"1233"}})
	if wrong.status >= 500 || wrong.path != "/signup/code" || !strings.Contains(wrong.body, "That code is not right. 2 tries left.") {
		t.Fatalf("wrong code: %d at %s:\n%s", wrong.status, wrong.path, wrong.body)
	}
	done := b.post("/signup/code", wrong, url.Values{"code": {"1234"}})
	if done.status != http.StatusOK || done.path != "/signup/done" || !strings.Contains(done.body, "Your phone is verified") {
		t.Fatalf("right code: %d at %s:\n%s", done.status, done.path, done.body)
	}
	if !a.phoneVerified(id) {
		t.Error("the customer is not verified in the store")
	}

	// Without the form's token the post is refused and nothing is created.
	other := newBrowser(t, a.base)
	first := other.get("/signup")
	refused := other.do(http.MethodPost, "/signup", url.Values{"csrf": {"forged"}, "request_id": {first.field(t, "request_id")},
		"first_name": {"Eve"}, "last_name": {"E"}, "email": {"eve@example.com"}, "phone": {"+447400123462"}})
	if refused.status != http.StatusForbidden {
		t.Errorf("post without the CSRF token: %d at %s", refused.status, refused.path)
	}
}
