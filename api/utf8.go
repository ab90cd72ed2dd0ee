package api

import (
	"net/http"
	"net/url"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
)

// requireUTF8 answers 400 to a request whose path or query, once
// percent-decoded, is not valid UTF-8. The gateway would copy such bytes
// into a protobuf string field, which gRPC refuses to marshal, and the
// client would get a 500 naming the marshaling failure.
func requireUTF8(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !utf8.ValidString(r.URL.Path) {
			writeError(w, http.StatusBadRequest, codes.InvalidArgument, "the request path must be valid UTF-8")
			return
		}
		// A query that does not parse is left to the gateway, which
		// answers 400 itself.
		q, _ := url.ParseQuery(r.URL.RawQuery)
		for k, vs := range q {
			ok := utf8.ValidString(k)
			for _, v := range vs {
				ok = ok && utf8.ValidString(v)
			}
			if !ok {
				writeError(w, http.StatusBadRequest, codes.InvalidArgument, "the query string must be valid UTF-8")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
