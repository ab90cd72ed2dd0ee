package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/coffeeshop/coffeeshop/internal/cors"
)

// corsMaxAge is how long a browser may reuse a preflight's answer.
const corsMaxAge = 10 * time.Minute

// tokenCORS returns the CORS policy of the routes a customer's
// verification token may call (verify, resendCode, GET …/verification),
// for pages on origins: such a page runs the code steps with the token in
// the Authorization header. The request headers are those the gateway
// reads: the credential, the JSON body's type, the Idempotency-Key and a
// client's own X-Request-Id (Accept-Language is safelisted). The response
// headers a page may read are those it needs: Retry-After of a 429,
// WWW-Authenticate of a 401 or 403, and X-Request-Id.
func tokenCORS(origins []string) *cors.Policy {
	return &cors.Policy{
		Origins:       origins,
		AllowHeaders:  []string{"Authorization", "Content-Type", "Idempotency-Key", RequestIDHeader},
		ExposeHeaders: []string{"Retry-After", "WWW-Authenticate", RequestIDHeader},
		MaxAge:        corsMaxAge,
	}
}

// corsHTTP answers CORS on the token's routes (tokenRouteMethods) for
// pages on p's origins: a preflight asking for one of the route's methods
// is answered 204 here, and the route's own answer to a request with one
// of them names the origin. A request from any other origin, or to any
// other route (create and get customer need a backend's API key and are
// never to be called from a browser), gets no CORS header, so the browser
// withholds the answer from the page; a preflight there gets the answer it
// gets without CORS (405). No credentials mode: the token goes in the
// Authorization header and is checked as from any client (auth.go); CORS
// only lets the browser send it.
//
// Every answer on a token's route says Vary: Origin, since it depends on
// the Origin. With no origins corsHTTP is next.
func corsHTTP(p *cors.Policy, next http.Handler) http.Handler {
	if len(p.Origins) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		methods := tokenRouteMethods(r.URL.Path)
		if len(methods) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		cors.Vary(h)
		if !p.Allows(r) {
			next.ServeHTTP(w, r)
			return
		}
		if cors.IsPreflight(r) {
			if !slices.Contains(methods, r.Header.Get("Access-Control-Request-Method")) {
				next.ServeHTTP(w, r)
				return
			}
			p.Preflight(h, r, methods)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if slices.Contains(methods, r.Method) {
			p.Actual(h, r)
		}
		next.ServeHTTP(w, r)
	})
}
