package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// shopOrigin is the one origin the CORS tests allow.
const shopOrigin = "https://shop.example"

// preflight sends a CORS preflight for method at path from origin.
func (h *harness) preflight(t *testing.T, path, origin, method string) response {
	t.Helper()
	return h.do(t, http.MethodOptions, path, "", "Origin", origin,
		"Access-Control-Request-Method", method,
		"Access-Control-Request-Headers", "authorization,content-type,idempotency-key")
}

// commaList is a header's comma-separated values, over all its lines.
func commaList(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values(name) {
		for _, f := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(f))
		}
	}
	return out
}

// noCORS fails the test if r carries any CORS response header.
func noCORS(t *testing.T, what string, r response) {
	t.Helper()
	for name := range r.header {
		if strings.HasPrefix(name, "Access-Control-") {
			t.Errorf("%s: %s: %q, want no CORS header", what, name, r.header.Get(name))
		}
	}
}

// varyOrigin fails the test unless r says Vary: Origin, once.
func varyOrigin(t *testing.T, what string, r response) {
	t.Helper()
	n := 0
	for _, v := range commaList(r.header, "Vary") {
		if strings.EqualFold(v, "Origin") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%s: Vary %q, want Origin once", what, r.header.Values("Vary"))
	}
}

// A page on an allowed origin may call the token's routes: their
// preflight is answered 204 with the route's method, the headers the API
// reads and a max age, and their answers name the origin and expose the
// headers a page needs. Every other route keeps its answers without CORS
// (405 to a preflight, no Access-Control-Allow-Origin), whatever the
// credential; and so does every route for another origin. No answer
// allows credentials mode.
func TestCORSTokenRoutes(t *testing.T) {
	e := newAuthEnv(t, newFakeKeys(), WithCORSOrigins([]string{"https://other.example", shopOrigin}))
	plain := newAuthEnv(t, newFakeKeys()) // today's answers, without CORS
	for _, rpc := range authRPCs {
		method, path, body := rpc.http(e, e.a)
		t.Run(rpc.name, func(t *testing.T) {
			pre := e.h.preflight(t, path, shopOrigin, method)
			if rpc.tokenOK {
				if pre.status != http.StatusNoContent || pre.body != "" {
					t.Errorf("preflight: %d %s, want 204 and no body", pre.status, pre.body)
				}
				if got := pre.header.Get("Access-Control-Allow-Origin"); got != shopOrigin {
					t.Errorf("preflight: Access-Control-Allow-Origin %q, want %q", got, shopOrigin)
				}
				if got := commaList(pre.header, "Access-Control-Allow-Methods"); !slices.Equal(got, []string{method}) {
					t.Errorf("preflight: Access-Control-Allow-Methods %q, want %s", got, method)
				}
				if got := commaList(pre.header, "Access-Control-Allow-Headers"); !slices.Equal(got, []string{"Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"}) {
					t.Errorf("preflight: Access-Control-Allow-Headers %q", got)
				}
				if got := pre.header.Get("Access-Control-Max-Age"); got != "600" {
					t.Errorf("preflight: Access-Control-Max-Age %q, want 600", got)
				}
				varyOrigin(t, "preflight", pre)
			} else {
				want := plain.h.preflight(t, path, shopOrigin, method)
				if pre.status != http.StatusMethodNotAllowed || pre.status != want.status || pre.body != want.body ||
					pre.header.Get("Allow") != want.header.Get("Allow") {
					t.Errorf("preflight: %d %s (Allow %q), want today's %d %s (Allow %q)", pre.status, pre.body,
						pre.header.Get("Allow"), want.status, want.body, want.header.Get("Allow"))
				}
				noCORS(t, "preflight", pre)
			}
			if got := pre.header.Get("Access-Control-Allow-Credentials"); got != "" {
				t.Errorf("preflight: Access-Control-Allow-Credentials %q", got)
			}

			// The request itself, from the page, with the customer's
			// token where it is allowed and a backend's key elsewhere
			// (which no browser should hold, but the route must still
			// not answer CORS).
			cred := "Bearer " + e.full
			if rpc.tokenOK {
				cred = "Bearer " + e.token(e.a)
			}
			_, path, body = rpc.http(e, e.a) // a create needs a new customer
			res := e.h.do(t, method, path, body, "Origin", shopOrigin, "Authorization", cred)
			if res.status != http.StatusOK {
				t.Fatalf("from %s: %d %s, want 200", shopOrigin, res.status, res.body)
			}
			if rpc.tokenOK {
				if got := res.header.Get("Access-Control-Allow-Origin"); got != shopOrigin {
					t.Errorf("answer: Access-Control-Allow-Origin %q, want %q", got, shopOrigin)
				}
				if got := commaList(res.header, "Access-Control-Expose-Headers"); !slices.Equal(got, []string{"Retry-After", "WWW-Authenticate", "X-Request-Id"}) {
					t.Errorf("answer: Access-Control-Expose-Headers %q", got)
				}
				if res.header.Get("Access-Control-Allow-Methods") != "" || res.header.Get("Access-Control-Allow-Credentials") != "" {
					t.Errorf("answer: preflight or credentials headers %v", res.header)
				}
				varyOrigin(t, "answer", res)
			} else {
				noCORS(t, "answer", res)
			}

			// Another origin: no CORS header anywhere, the preflight
			// answered as without CORS; the token still works (CORS is no
			// authentication), but the browser withholds the answer.
			evil := "https://shop.example.evil"
			if pre := e.h.preflight(t, path, evil, method); pre.status != http.StatusMethodNotAllowed {
				t.Errorf("preflight from %s: %d %s, want 405", evil, pre.status, pre.body)
			} else {
				noCORS(t, "preflight from "+evil, pre)
			}
			_, path, body = rpc.http(e, e.a)
			res = e.h.do(t, method, path, body, "Origin", evil, "Authorization", cred)
			if res.status != http.StatusOK {
				t.Errorf("from %s: %d %s, want 200", evil, res.status, res.body)
			}
			noCORS(t, "answer to "+evil, res)
			if rpc.tokenOK {
				varyOrigin(t, "answer to "+evil, res)
			}
		})
	}
}

// CORS lets a page send; it does not authenticate. From an allowed origin
// a verify without a credential is 401, with another customer's token 403,
// and a page can read why (WWW-Authenticate is exposed). A preflight for
// a method the route does not serve, or from an origin that differs in
// case or port, gets today's 405.
func TestCORSDoesNotAuthenticate(t *testing.T) {
	e := newAuthEnv(t, newFakeKeys(), WithCORSOrigins([]string{shopOrigin}))
	path := "/v1/customers/" + e.a + ":verify"
	body := `{"verification_code":"1234"}`
	for _, c := range []struct {
		name, cred string
		status     int
	}{{"no credential", "", 401}, {"another customer's token", "Bearer " + e.token(e.b), 403}, {"an expired token", "Bearer " + e.tokens.Issue(e.a, e.clock.Now().Add(-time.Second)), 401}} {
		hdr := []string{"Origin", shopOrigin}
		if c.cred != "" {
			hdr = append(hdr, "Authorization", c.cred)
		}
		res := e.h.do(t, http.MethodPost, path, body, hdr...)
		if res.status != c.status || !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: %d (WWW-Authenticate %q) %s, want %d with a challenge", c.name, res.status, res.header.Get("WWW-Authenticate"), res.body, c.status)
		}
		if res.header.Get("Access-Control-Allow-Origin") != shopOrigin || !slices.Contains(commaList(res.header, "Access-Control-Expose-Headers"), "WWW-Authenticate") {
			t.Errorf("%s: the page cannot read the refusal: %v", c.name, res.header)
		}
		for _, pii := range []string{piiFirst, piiLast, piiEmail, piiPhone} {
			if strings.Contains(res.body, pii) {
				t.Errorf("%s: the refusal holds %q: %s", c.name, pii, res.body)
			}
		}
	}
	if res := e.h.preflight(t, path, shopOrigin, http.MethodGet); res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") != "POST" {
		t.Errorf("preflight for GET :verify: %d (Allow %q), want 405 with Allow POST", res.status, res.header.Get("Allow"))
	} else {
		noCORS(t, "preflight for GET", res)
	}
	for _, o := range []string{"https://SHOP.example", "https://shop.example:8443", "http://shop.example", "null"} {
		if res := e.h.preflight(t, path, o, http.MethodPost); res.status != http.StatusMethodNotAllowed {
			t.Errorf("preflight from %s: %d, want 405", o, res.status)
		} else {
			noCORS(t, "preflight from "+o, res)
		}
	}
	// A request with the token from the allowed origin goes through, and
	// its answer names the origin.
	res := e.h.do(t, http.MethodPost, path, body, "Origin", shopOrigin, "Authorization", "Bearer "+e.token(e.a))
	if res.status != http.StatusOK || !strings.Contains(res.body, "SUCCESS") || res.header.Get("Access-Control-Allow-Origin") != shopOrigin {
		t.Errorf("verify with the token: %d %s %v", res.status, res.body, res.header)
	}
}

// Without origins (the default) no answer carries a CORS header or Vary:
// Origin, and a preflight gets 405 as before.
func TestCORSOffByDefault(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer(t, "5c0e2b7e-93a4-4f43-a0f1-7d1f6a4b9e01", "Ada", false)
	path := "/v1/customers/" + id + ":verify"
	if res := h.preflight(t, path, shopOrigin, http.MethodPost); res.status != http.StatusMethodNotAllowed {
		t.Errorf("preflight: %d %s, want 405", res.status, res.body)
	} else {
		noCORS(t, "preflight", res)
	}
	res := h.do(t, http.MethodPost, path, `{"verification_code":"1234"}`, "Origin", shopOrigin)
	if res.status != http.StatusOK {
		t.Errorf("verify: %d %s", res.status, res.body)
	}
	noCORS(t, "verify", res)
	if v := res.header.Values("Vary"); slices.Contains(commaList(res.header, "Vary"), "Origin") {
		t.Errorf("verify: Vary %q", v)
	}
}

// Listen passes ListenConfig.CORSOrigins to the gateway, behind
// WrapGateway.
func TestListenCORSOrigins(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer(t, "5c0e2b7e-93a4-4f43-a0f1-7d1f6a4b9e01", "Ada", false)
	cfg := listenTest(t, h.store)
	cfg.CORSOrigins = []string{shopOrigin}
	cfg.WrapGateway = func(gw http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/", gw)
		return mux
	}
	l, err := Listen(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Shutdown(time.Minute)
	lh := &harness{url: "http://" + l.HTTPAddr()}
	res := lh.preflight(t, "/v1/customers/"+id+"/verification", shopOrigin, http.MethodGet)
	if res.status != http.StatusNoContent || res.header.Get("Access-Control-Allow-Origin") != shopOrigin ||
		res.header.Get("Access-Control-Allow-Methods") != "GET" {
		t.Errorf("preflight through Listen: %d %v", res.status, res.header)
	}
}
