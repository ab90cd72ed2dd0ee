package codec

import (
	"net/http"
	"time"

	"go.temporal.io/sdk/converter"

	"github.com/coffeeshop/coffeeshop/internal/cors"
)

// MaxRequestBytes bounds the body of a codec request. The UI sends the
// payloads of one history page or one event at a time; Temporal's own limit
// on a payload is 2 MiB by default.
const MaxRequestBytes = 16 << 20

// Handler serves c in Temporal's remote codec protocol: POST .../encode and
// POST .../decode with a JSON body {"payloads":[...]} answer the payloads
// encoded or decoded, 400 with the reason when a payload cannot be decoded.
// Mount it under a prefix such as "/codec/" (the protocol matches the
// path's suffix), and point the Web UI's codec endpoint at that prefix.
//
// allowedOrigins are the browser origins (e.g. "http://127.0.0.1:8233", the
// UI) allowed to call it cross-origin: CORS answers name only them, so that
// another web page open in an operator's browser cannot make the operator's
// browser decrypt payloads for it (internal/cors writes the headers; a
// request from another origin is refused with 403). Preflight requests
// (OPTIONS) are answered here. The handler does no authentication: serve
// it only where operators, and only they, can reach it.
func Handler(c *Codec, allowedOrigins ...string) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(c)
	policy := &cors.Policy{
		Origins: allowedOrigins,
		// The UI sends the namespace and, when configured, the user's token.
		AllowHeaders: []string{"Content-Type", "X-Namespace", "Authorization"},
		MaxAge:       10 * time.Minute,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allowed := policy.Allows(r)
		if r.Method == http.MethodOptions {
			if !allowed {
				http.Error(w, "origin not allowed", http.StatusForbidden)
				return
			}
			policy.Preflight(w.Header(), r, []string{http.MethodPost, http.MethodOptions})
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Header.Get("Origin") != "" && !allowed {
			// A browser would hide the answer from the page anyway, but the
			// request would still be served; refuse it outright.
			http.Error(w, "origin not allowed", http.StatusForbidden)
			return
		}
		if allowed {
			policy.Actual(w.Header(), r)
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBytes)
		inner.ServeHTTP(w, r)
	})
}
