package codec

import (
	"net/http"
	"slices"

	"go.temporal.io/sdk/converter"
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
// browser decrypt payloads for it. Preflight requests (OPTIONS) are answered
// here. The handler does no authentication: serve it only where operators,
// and only they, can reach it.
func Handler(c *Codec, allowedOrigins ...string) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := origin != "" && slices.Contains(allowedOrigins, origin)
		if allowed {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			// The UI sends the namespace and, when configured, the user's token.
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			h.Set("Access-Control-Max-Age", "600")
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			if !allowed {
				http.Error(w, "origin not allowed", http.StatusForbidden)
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if origin != "" && !allowed {
			// A browser would hide the answer from the page anyway, but the
			// request would still be served; refuse it outright.
			http.Error(w, "origin not allowed", http.StatusForbidden)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBytes)
		inner.ServeHTTP(w, r)
	})
}
