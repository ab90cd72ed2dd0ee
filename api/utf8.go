package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
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

// decodeUTF8 decodes a JSON request body with dec, first making sure the
// body is valid UTF-8. protojson refuses a string that is not, but its
// error names a position ("proto: syntax error (line 1:41): invalid UTF-8
// in string"); this one names the field, as the other input rules do
// (badUTF8Field). Only a body that fails utf8.Valid takes the slow path.
func decodeUTF8(r io.Reader, v any, dec func(io.Reader) runtime.Decoder) error {
	b, err := io.ReadAll(r) // limitBody has read it into memory already
	if err != nil {
		return err
	}
	if !utf8.Valid(b) {
		return errors.New(badUTF8Field(b))
	}
	return dec(bytes.NewReader(b)).Decode(v)
}

// jsonFrame is an object or array being read by badUTF8Field: an object's
// current key, or how many values of an array have started.
type jsonFrame struct {
	array     bool
	key       string
	n         int
	expectKey bool
}

// badUTF8Field returns the message for a JSON body that is not valid UTF-8:
// the path of the first string (key or value) holding invalid UTF-8, in
// the names the client wrote (customer.first_name, customer.firstName,
// ids[2]), followed by "must be valid UTF-8". A key is quoted, with its bad
// bytes shown as U+FFFD, and named by the object it is in. A body whose bad
// bytes are outside any string, or that is not JSON before them, gets "the
// request body must be valid UTF-8".
func badUTF8Field(body []byte) string {
	const whole = "the request body must be valid UTF-8"
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // a number too large for float64 is no error here
	var stack []jsonFrame
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			return whole // end of the body, or not JSON
		}
		end := dec.InputOffset()
		// Between prev and end lie the token and the ASCII whitespace,
		// commas and colons before it; a byte outside ASCII is a syntax
		// error there, so any invalid UTF-8 is in the token.
		bad := !utf8.Valid(body[prev:end])
		prev = end
		var top *jsonFrame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && !top.array && top.expectKey {
			if bad {
				if p := jsonPath(stack[:len(stack)-1]); p != "" {
					return fmt.Sprintf("field name %q in %s must be valid UTF-8", echo(s), p)
				}
				return fmt.Sprintf("field name %q must be valid UTF-8", echo(s))
			}
			top.key, top.expectKey = s, false
			continue
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		// A value starts: a scalar, or an object or array.
		if top != nil {
			if top.array {
				top.n++
			} else {
				top.expectKey = true // after this value
			}
		}
		if bad {
			if p := jsonPath(stack); p != "" {
				return p + " must be valid UTF-8"
			}
			return whole
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, jsonFrame{array: d == '[', expectKey: d == '{'})
		}
	}
}

// jsonPath names the value being read in the innermost frame of stack:
// keys joined by dots, array indexes in brackets. It is "" for the top
// level.
func jsonPath(stack []jsonFrame) string {
	var b strings.Builder
	for _, f := range stack {
		if f.array {
			fmt.Fprintf(&b, "[%d]", f.n-1)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(f.key)
	}
	return b.String()
}
