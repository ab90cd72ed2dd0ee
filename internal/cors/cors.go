// Package cors writes the CORS headers (the Fetch standard's
// Access-Control-*) of a handler that lets browser pages on a fixed list of
// origins call it. It decides nothing about routes or refusals: each
// handler says which requests are CORS requests and what a refused origin
// gets (the codec endpoint refuses it with 403; the HTTP API leaves the
// headers off and lets the browser block the answer).
//
// There is no wildcard and no credentials mode: an allowed origin is named
// back exactly, and no Access-Control-Allow-Credentials is ever sent, so
// the browser sends no cookies; a credential travels in the Authorization
// header, which the page sets itself.
package cors

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Policy is who may call and what a call may carry. Its zero value allows
// no origin.
type Policy struct {
	// Origins are the exact origins (scheme://host[:port], as browsers
	// write them in the Origin header) allowed to call.
	Origins []string
	// AllowHeaders are the request headers a page may set, answered to a
	// preflight.
	AllowHeaders []string
	// ExposeHeaders are the response headers, beyond the CORS-safelisted
	// ones, a page may read.
	ExposeHeaders []string
	// MaxAge is how long a browser may cache a preflight's answer.
	MaxAge time.Duration
}

// Allows reports whether r comes from a page on one of p's origins: its
// Origin header is one of them, exactly.
func (p *Policy) Allows(r *http.Request) bool {
	o := r.Header.Get("Origin")
	return o != "" && slices.Contains(p.Origins, o)
}

// IsPreflight reports whether r is a CORS preflight: an OPTIONS request
// with an Origin that asks, in Access-Control-Request-Method, which method
// it may use.
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// Vary adds Origin to h's Vary header, once: an answer that depends on the
// Origin must say so to caches, whether it allowed the origin or not.
func Vary(h http.Header) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Origin") {
				return
			}
		}
	}
	h.Add("Vary", "Origin")
}

// Preflight writes the headers of the answer to an allowed preflight from
// r's origin: the origin, methods, p's request headers and max age. The
// caller writes the status (204).
func (p *Policy) Preflight(h http.Header, r *http.Request, methods []string) {
	h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
	if len(p.AllowHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(p.AllowHeaders, ", "))
	}
	if p.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(int(p.MaxAge/time.Second)))
	}
	Vary(h)
}

// Actual writes the headers of the answer to an allowed request from r's
// origin: the origin and p's exposed headers.
func (p *Policy) Actual(h http.Header, r *http.Request) {
	h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	if len(p.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(p.ExposeHeaders, ", "))
	}
	Vary(h)
}
