package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	bt "github.com/coffeeshop/coffeeshop/internal/browsertest"
)

// shopPage is a shop's page on an origin of its own: call(method, path,
// token, body) fetches the API with the token in the Authorization header,
// as a shop's script would, and answers what the page can see of the
// answer, or the error fetch threw when the browser withheld it.
const shopPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script>
window.call = async (api, method, path, token, body) => {
  const headers = {};
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body) headers['Content-Type'] = 'application/json';
  try {
    const r = await fetch(api + path, {method, headers, body: body || undefined});
    return {status: r.status, body: await r.text(), challenge: r.headers.get('WWW-Authenticate') || '',
      requestId: r.headers.get('X-Request-Id') || '', error: ''};
  } catch (e) {
    return {status: 0, body: '', challenge: '', requestId: '', error: String(e)};
  }
};
</script></head><body><main><h1>Shop</h1></main></body></html>`

// fetched is what call answers.
type fetched struct {
	Status    int    `json:"status"`
	Body      string `json:"body"`
	Challenge string `json:"challenge"`
	RequestID string `json:"requestId"`
	Error     string `json:"error"`
}

// shopOrigin serves shopPage on a loopback port of its own, an origin
// other than the API's, until the test ends.
func shopOrigin(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(shopPage))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestBrowserCORSVerify: a page on a shop's origin, listed in
// --cors-origins, runs the code steps against `coffeeshop dev --auth` with
// the customer's token through fetch() in a real browser, and can read the
// answers, refusals included; it cannot read the customer (that route
// answers no CORS), and a page on an origin not listed can call nothing.
func TestBrowserCORSVerify(t *testing.T) {
	shop, other := shopOrigin(t), shopOrigin(t)
	b := bt.Start(t)
	s := newDevStack(t)
	p, open := s.startWith(t, "--auth", "--cors-origins", shop)
	if out := p.out.String(); !strings.Contains(out, "(--cors-origins)") || !strings.Contains(out, shop) {
		t.Errorf("dev's log does not name the CORS origins:\n%s", outputEnd(out))
	}
	key, _ := createKey(t, "--data-dir", s.dataDir)
	id, token := api{t: t, base: open.base, key: key}.createWithToken("+447400123431")

	page := b.Page(t, bt.Desktop)
	page.Navigate(shop + "/")
	call := func(pg *bt.Page, method, path, token, body string) fetched {
		t.Helper()
		return bt.Eval[fetched](pg, fmt.Sprintf("call(%q, %q, %q, %q, %q)", open.base, method, path, token, body))
	}
	verify := "/v1/customers/" + id + ":verify"

	r := call(page, "POST", verify, token, `{"verification_code":"0000"}`)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "VERIFICATION_RESULT_INCORRECT_CODE") || r.RequestID == "" {
		t.Errorf("wrong code with the token: %+v; want 200 INCORRECT_CODE, X-Request-Id readable", r)
	}
	r = call(page, "POST", verify, "", `{"verification_code":"1234"}`)
	if r.Status != http.StatusUnauthorized || !strings.HasPrefix(r.Challenge, "Bearer") {
		t.Errorf("verify without the token: %+v; want 401 with a readable WWW-Authenticate", r)
	}
	r = call(page, "GET", "/v1/customers/"+id, token, "")
	if r.Error == "" || r.Status != 0 {
		t.Errorf("get customer from the page: %+v; want fetch to fail (no CORS on that route)", r)
	}

	elsewhere := b.Page(t, bt.Desktop)
	elsewhere.Navigate(other + "/")
	r = call(elsewhere, "POST", verify, token, `{"verification_code":"1234"}`)
	if r.Error == "" || r.Status != 0 {
		t.Errorf("verify from %s, not listed: %+v; want fetch to fail", other, r)
	}

	r = call(page, "POST", verify, token, `{"verification_code":"1234"}`)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "VERIFICATION_RESULT_SUCCESS") {
		t.Errorf("right code with the token: %+v; want 200 SUCCESS", r)
	}
	r = call(page, "GET", "/v1/customers/"+id+"/verification", token, "")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"customerId":"`+id+`"`) {
		t.Errorf("verification status with the token: %+v", r)
	}
}
