package cors

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestPolicy(t *testing.T) {
	p := &Policy{Origins: []string{"https://a.example"}, AllowHeaders: []string{"Authorization", "Content-Type"},
		ExposeHeaders: []string{"Retry-After"}, MaxAge: 90 * time.Second}
	req := func(method, origin, reqMethod string) *http.Request {
		r := httptest.NewRequest(method, "/x", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if reqMethod != "" {
			r.Header.Set("Access-Control-Request-Method", reqMethod)
		}
		return r
	}
	for _, c := range []struct {
		origin string
		want   bool
	}{{"https://a.example", true}, {"", false}, {"https://A.example", false}, {"https://a.example/", false}, {"https://a.example:443", false}, {"null", false}} {
		if got := p.Allows(req("GET", c.origin, "")); got != c.want {
			t.Errorf("Allows(%q) = %v, want %v", c.origin, got, c.want)
		}
	}
	if (&Policy{}).Allows(req("GET", "https://a.example", "")) {
		t.Error("the zero Policy allows an origin")
	}
	if !IsPreflight(req("OPTIONS", "https://a.example", "POST")) || IsPreflight(req("OPTIONS", "https://a.example", "")) ||
		IsPreflight(req("OPTIONS", "", "POST")) || IsPreflight(req("POST", "https://a.example", "POST")) {
		t.Error("IsPreflight: wrong on one of its cases")
	}

	h := http.Header{}
	h.Set("Vary", "Accept-Encoding, origin")
	p.Preflight(h, req("OPTIONS", "https://a.example", "POST"), []string{"POST", "GET"})
	want := map[string]string{
		"Access-Control-Allow-Origin":  "https://a.example",
		"Access-Control-Allow-Methods": "POST, GET",
		"Access-Control-Allow-Headers": "Authorization, Content-Type",
		"Access-Control-Max-Age":       "90",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("preflight %s = %q, want %q", k, h.Get(k), v)
		}
	}
	if v := h.Values("Vary"); len(v) != 1 {
		t.Errorf("Vary = %q: Origin added although named", v)
	}
	if h.Get("Access-Control-Allow-Credentials") != "" || h.Get("Access-Control-Expose-Headers") != "" {
		t.Errorf("preflight headers: %v", h)
	}

	h = http.Header{}
	p.Actual(h, req("POST", "https://a.example", ""))
	if h.Get("Access-Control-Allow-Origin") != "https://a.example" || h.Get("Access-Control-Expose-Headers") != "Retry-After" ||
		h.Get("Vary") != "Origin" || h.Get("Access-Control-Allow-Methods") != "" || h.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("actual headers: %v", h)
	}
}
