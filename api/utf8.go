package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"
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

// decodeUTF8 decodes a JSON request body with dec, first making sure
// every string in it is Unicode text. protojson refuses a body that is not
// valid UTF-8, and a string escaping half of a UTF-16 surrogate pair
// ("\ud800"), but its errors name a position ("proto: syntax error (line
// 1:41): invalid UTF-8 in string"); these name the field, as the other
// input rules do (badStringField). The common body, valid UTF-8 without a
// lone surrogate escape, costs one utf8.Valid and one search for `\ud`.
func decodeUTF8(r io.Reader, v any, dec func(io.Reader) runtime.Decoder) error {
	b, err := io.ReadAll(r) // limitBody has read it into memory already
	if err != nil {
		return err
	}
	valid := utf8.Valid(b)
	// A surrogate escape is most often a pair (an emoji): only a lone one
	// needs the walk that names its field. Outside strings valid JSON has
	// no backslash, so the whole body has one exactly when a string has.
	surrogate := bytes.Contains(b, []byte(`\ud`)) || bytes.Contains(b, []byte(`\uD`))
	if !valid || surrogate && loneSurrogate(b) {
		if msg := badStringField(b); msg != "" {
			return errors.New(msg)
		}
		if !valid {
			return errors.New("the request body must be valid UTF-8")
		}
	}
	return dec(bytes.NewReader(b)).Decode(v)
}

// stringProblem returns what is wrong with raw, a JSON string with the
// whitespace, commas and colons before it, worded to follow its name: ""
// when nothing is.
func stringProblem(raw []byte) string {
	switch {
	case !utf8.Valid(raw):
		return "must be valid UTF-8"
	case loneSurrogate(raw):
		return "must not contain half of a UTF-16 surrogate pair"
	}
	return ""
}

// loneSurrogate reports whether raw, a JSON string with the whitespace,
// commas and colons before it, escapes a UTF-16 surrogate that is not part
// of a pair (\ud83d\ude00 is one character; \ud83d alone or \ude00 first
// is none).
func loneSurrogate(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		r, ok := escapedRune(raw, i)
		if !ok {
			i++ // another escape: skip its second byte (\\ or \")
			continue
		}
		i += 5
		switch {
		case !utf16.IsSurrogate(r):
		case r >= 0xdc00: // a low half without a high one
			return true
		default:
			low, ok := escapedRune(raw, i+1)
			if !ok || low < 0xdc00 || low > 0xdfff {
				return true
			}
			i += 6
		}
	}
	return false
}

// escapedRune returns the rune of the \uXXXX escape at raw[i:], if there
// is one.
func escapedRune(raw []byte, i int) (rune, bool) {
	if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
	return rune(n), err == nil
}

// jsonFrame is an object or array being read by badStringField: an
// object's current key, or how many values of an array have started.
type jsonFrame struct {
	array     bool
	key       string
	n         int
	expectKey bool
}

// badStringField returns the message for the first string (key or value)
// of a JSON body that has a stringProblem: its path in the names the
// client wrote (customer.first_name, customer.firstName, ids[2]) followed
// by the problem. A key is quoted, with any invalid UTF-8 shown as U+FFFD,
// and named by the object it is in. It returns "" when there is no such
// string before the body ends or stops being JSON, and when the bad
// string is the whole body.
func badStringField(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // a number too large for float64 is no error here
	var stack []jsonFrame
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			return "" // end of the body, or not JSON
		}
		end := dec.InputOffset()
		// Between prev and end lie the token and the ASCII whitespace,
		// commas and colons before it (any other byte is a syntax error
		// there), so what is bad is in the token.
		problem := stringProblem(body[prev:end])
		prev = end
		var top *jsonFrame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && !top.array && top.expectKey {
			if problem != "" {
				if p := jsonPath(stack[:len(stack)-1]); p != "" {
					return fmt.Sprintf("field name %q in %s %s", echo(s), p, problem)
				}
				return fmt.Sprintf("field name %q %s", echo(s), problem)
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
		if problem != "" {
			if p := jsonPath(stack); p != "" {
				return p + " " + problem
			}
			return ""
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
