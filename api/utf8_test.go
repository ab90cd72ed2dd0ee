package api

import (
	"bytes"
	"context"
	"math/rand"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// badStringField names the first string holding invalid UTF-8 by its path,
// as the client wrote it, whatever surrounds it.
func TestBadStringFieldUTF8(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"nested value", `{"customer":{"first_name":"A` + "\xff" + `"}}`, "customer.first_name must be valid UTF-8"},
		{"camelCase", `{"customer":{"lastName":"` + "\xce" + `"}}`, "customer.lastName must be valid UTF-8"},
		{"after other fields", `{"request_id":"r1","customer":{"first_name":"Ann","email":"a` + "\xc0\xaf" + `@b.c"},"locale":"en"}`,
			"customer.email must be valid UTF-8"},
		{"top-level value", `{"locale":"` + "\xed\xa0\x80" + `"}`, "locale must be valid UTF-8"},
		{"first of two bad", `{"a":"` + "\xff" + `","b":"` + "\xff" + `"}`, "a must be valid UTF-8"},
		{"array element", `{"ids":["a","b",{"x":["` + "\xff" + `"]}]}`, "ids[2].x[0] must be valid UTF-8"},
		{"after arrays and numbers", `{"n":[1e999,[true,null]],"m":{"k":-0.5},"s":"` + "\xff" + `"}`, "s must be valid UTF-8"},
		{"escapes before", `{"a\"b":"\u00e9\n","c":"` + "\xff" + `"}`, "c must be valid UTF-8"},
		{"key", `{"fir` + "\xff" + `st":"Ann"}`, `field name "fir` + "\uFFFD" + `st" must be valid UTF-8`},
		{"nested key", `{"customer":{"first_name":"Ann","` + "\xff" + `":1}}`, `field name "` + "\uFFFD" + `" in customer must be valid UTF-8`},
		{"truncated after", `{"customer":{"first_name":"` + "\xff", "the request body must be valid UTF-8"},
		{"truncated string", `{"customer":{"first_name":"` + "\xff" + `"`, "customer.first_name must be valid UTF-8"},
		{"outside strings", `{"customer":` + "\xff" + `}`, "the request body must be valid UTF-8"},
		{"after the value", `{"locale":"en"}` + "\xff", "the request body must be valid UTF-8"},
		{"top-level string", `"` + "\xff" + `"`, "the request body must be valid UTF-8"},
		{"syntax error first", `{"a":1,,"b":"` + "\xff" + `"}`, "the request body must be valid UTF-8"},
		{"only bad bytes", "\xff\xfe", "the request body must be valid UTF-8"},
		{"deep", strings.Repeat("[", 20000) + "\xff", "the request body must be valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := badStringField([]byte(tc.body))
			if got == "" {
				got = "the request body must be valid UTF-8"
			}
			if got != tc.want {
				t.Errorf("badStringField(%q) = %q, want %q", tc.body, got, tc.want)
			}
		})
	}
}

// The gateway's decoder against protojson's, over bodies with invalid
// UTF-8 and lone surrogate escapes put in at random places (a fixed seed):
// where protojson refuses a string for either, the answer names a field;
// where protojson accepts a body that has neither, so does the gateway.
func TestDecodeUTF8AgreesWithProtojson(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	seeds := []string{
		`{"request_id":"r1","customer":{"first_name":"Ann","last_name":"Lee","email":"a@b.co","phone_number":"+447400123456"},"locale":"en"}`,
		`{"customer":{"firstName":"A\u00e9\ud83d\ude00","x":[1,{"y":"z"},"w\\"]}}`,
	}
	inserts := []string{"\xff", "\xce", "\xed\xa0\x80", `\ud800`, `\udc00`, `\ud83d\u0041`}
	m := gatewayMarshaler()
	named := 0
	for i := 0; i < 5000; i++ {
		b := []byte(seeds[rng.Intn(len(seeds))])
		for j := rng.Intn(3); j >= 0; j-- {
			p := rng.Intn(len(b) + 1)
			b = append(b[:p:p], append([]byte(inserts[rng.Intn(len(inserts))]), b[p:]...)...)
		}
		perr := m.JSONPb.NewDecoder(bytes.NewReader(b)).Decode(&customerv1.CreateCustomerRequest{})
		err := m.NewDecoder(bytes.NewReader(b)).Decode(&customerv1.CreateCustomerRequest{})
		switch {
		case perr == nil:
			if err != nil && stringProblem(b) == "" {
				t.Errorf("%q: protojson accepts it, the gateway says %v", b, err)
			}
		case strings.Contains(perr.Error(), "invalid UTF-8") || strings.Contains(perr.Error(), "invalid escape code"):
			named++
			if err == nil || strings.HasPrefix(err.Error(), "the request body") || strings.HasPrefix(err.Error(), "proto:") {
				t.Errorf("%q: protojson says %v, the gateway %v", b, perr, err)
			}
		}
	}
	if named < 1000 {
		t.Errorf("only %d of 5000 bodies refused by protojson for invalid UTF-8 or escapes", named)
	}
}

// loneSurrogate finds half a surrogate pair among a string's escapes.
func TestLoneSurrogate(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want bool
	}{
		{`"\ud800"`, true},
		{`, "a\uDBFFb"`, true},
		{`"\udc00"`, true},
		{`"\ude00\ud83d"`, true},
		{`"\ud83d\u0041"`, true},
		{`"\ud83d\ud83d\ude00"`, true},
		{`"\ud83d"` + "\n", true},
		{`"\ud83d\ude00"`, false},
		{`"\uD83D\uDE00 \u00e9"`, false},
		{`"\\ud800"`, false}, // an escaped backslash, then "ud800"
		{`"\\\ud800"`, true},
		{`"\n\t\"\/\u0000"`, false},
		{`"\ud8"`, false},
		{`"plain"`, false},
	} {
		if got := loneSurrogate([]byte(tc.raw)); got != tc.want {
			t.Errorf("loneSurrogate(%s) = %v, want %v", tc.raw, got, tc.want)
		}
	}
}

// Over HTTP: invalid UTF-8 in any string of a request body is a 400 that
// names the field and the rule, and nothing is started, verified or sent.
func TestBodyInvalidUTF8(t *testing.T) {
	h := newHarness(t)
	h.verifier.verify = func(id, code string) (coffeeshop.VerificationResult, error) {
		t.Errorf("verify called for %s", id)
		return 0, nil
	}
	h.verifier.resend = func(c *coffeeshop.Customer) (*coffeeshop.Verification, error) {
		t.Errorf("resend called for %s", c.ID)
		return nil, nil
	}
	bad := func(msg string) string { return `{"code":3,"message":"` + msg + `","details":[]}` }
	const id = "0ddbdea9-1d13-4224-98f7-efe3289ac9fc"
	create := func(field string) string { return createBody(t, field, "x") }
	for _, tc := range []struct{ name, path, body, want string }{
		{"first_name", "/v1/customers", strings.Replace(create("first_name"), `"x"`, `"A`+"\xff"+`nn"`, 1), "customer.first_name must be valid UTF-8"},
		{"last_name", "/v1/customers", strings.Replace(create("last_name"), `"x"`, `"`+"\xce"+`"`, 1), "customer.last_name must be valid UTF-8"},
		{"email", "/v1/customers", strings.Replace(create("email"), `"x"`, `"a`+"\xc0\xaf"+`@example.com"`, 1), "customer.email must be valid UTF-8"},
		{"phone_number", "/v1/customers", strings.Replace(create("phone_number"), `"x"`, `"+44740012345`+"\xf8"+`"`, 1), "customer.phone_number must be valid UTF-8"},
		{"camelCase", "/v1/customers", `{"customer":{"firstName":"` + "\xed\xa0\x80" + `","lastName":"Lee"}}`, "customer.firstName must be valid UTF-8"},
		{"request_id", "/v1/customers", strings.Replace(create("first_name"), `{"customer"`, `{"request_id":"r`+"\xff"+`","customer"`, 1), "request_id must be valid UTF-8"},
		{"locale", "/v1/customers", strings.Replace(create("first_name"), `{"customer"`, `{"locale":"`+"\xff"+`","customer"`, 1), "locale must be valid UTF-8"},
		{"unknown field", "/v1/customers", `{"extra":{"x":"` + "\xff" + `"},"customer":{}}`, "extra.x must be valid UTF-8"},
		{"key", "/v1/customers", `{"customer":{"first` + "\xff" + `name":"Ann"}}`, `field name \"first` + "\uFFFD" + `name\" in customer must be valid UTF-8`},
		{"outside a string", "/v1/customers", `{"customer":` + "\xff" + `}`, "the request body must be valid UTF-8"},
		{"after the JSON", "/v1/customers", create("first_name") + "\xff", "the request body must be valid UTF-8"},
		{"verification_code", "/v1/customers/" + id + ":verify", `{"verification_code":"12` + "\xff" + `4"}`, "verification_code must be valid UTF-8"},
		{"verificationCode", "/v1/customers/" + id + ":verify", `{"verificationCode":"` + "\xff" + `"}`, "verificationCode must be valid UTF-8"},
		{"verify request_id", "/v1/customers/" + id + ":verify", `{"verification_code":"1234","request_id":"` + "\xff" + `"}`, "request_id must be valid UTF-8"},
		{"lone surrogate", "/v1/customers", `{"customer":{"first_name":"\ud800","last_name":"Lee"}}`,
			"customer.first_name must not contain half of a UTF-16 surrogate pair"},
		{"surrogate key", "/v1/customers", `{"\udfff":1}`, `field name \"` + "\uFFFD" + `\" must not contain half of a UTF-16 surrogate pair`},
		{"verify lone surrogate", "/v1/customers/" + id + ":verify", `{"verification_code":"12\uDC0034"}`,
			"verification_code must not contain half of a UTF-16 surrogate pair"},
		{"resend customer_id", "/v1/customers/" + id + ":resendCode", `{"customer_id":"` + "\xff" + `"}`, "customer_id must be valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.do(t, "POST", tc.path, tc.body).want(t, 400, bad(tc.want))
		})
	}
	if got := h.verifier.startedIDs(); len(got) != 0 {
		t.Errorf("verifications started: %v, want none", got)
	}
}

// A valid body still goes the usual way: trailing bytes after the JSON
// value are ignored as before, a surrogate pair and an escaped backslash
// before "ud800" are read as text, and an empty body is an empty request.
func TestBodyValidUTF8Decodes(t *testing.T) {
	h := newHarness(t)
	created(t, h.do(t, "POST", "/v1/customers", createBody(t, "first_name", "Zoë")+" trailing"))
	id := created(t, h.do(t, "POST", "/v1/customers", `{"customer":{"first_name":"\ud83d\ude00 \\ud800","last_name":"Lee",`+
		`"email":"b@example.com","phone_number":"+447400123457"}}`))
	c, err := h.store.GetCustomer(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.FirstName != "\U0001F600 \\ud800" {
		t.Errorf("first name stored as %q", c.FirstName)
	}
	h.do(t, "POST", "/v1/customers/0ddbdea9-1d13-4224-98f7-efe3289ac9fc:resendCode", "").
		want(t, 404, `{"code":5,"message":"customer 0ddbdea9-1d13-4224-98f7-efe3289ac9fc not found","details":[]}`)
}
