package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// createBody is a create request for a valid customer with field set to
// value, encoded by encoding/json (so control characters arrive escaped).
func createBody(t *testing.T, field, value string) string {
	t.Helper()
	c := map[string]string{"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com", "phone_number": "+447400123456"}
	c[field] = value
	b, err := json.Marshal(map[string]any{"customer": c})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The input rules (docs/operations.md, "Input rules") over HTTP: each bad
// value is a 400 naming the field and the rule, and nothing is started.
func TestCreateCustomerInputRules(t *testing.T) {
	h := newHarness(t)
	bad := func(msg string) string { return `{"code":3,"message":"` + msg + `","details":[]}` }
	for _, tc := range []struct{ name, field, value, want string }{
		{"NUL", "first_name", "\x00", "customer.first_name must not contain control characters"},
		{"NUL inside", "last_name", "Le\x00e", "customer.last_name must not contain control characters"},
		{"tab", "first_name", "An\tn", "customer.first_name must not contain control characters"},
		{"trailing newline", "first_name", "Ann\n", "customer.first_name must not contain control characters"},
		{"DEL", "last_name", "Lee\x7f", "customer.last_name must not contain control characters"},
		{"C1", "first_name", "A\u0085nn", "customer.first_name must not contain control characters"},
		{"RLO", "first_name", "\u202eAnn", "customer.first_name must not contain bidirectional control characters"},
		{"RLI", "last_name", "Lee\u2067", "customer.last_name must not contain bidirectional control characters"},
		{"RLM", "last_name", "L\u200fee", "customer.last_name must not contain bidirectional control characters"},
		{"ALM", "first_name", "\u061cAnn", "customer.first_name must not contain bidirectional control characters"},
		{"line separator", "last_name", "Lee\u2028Ann", "customer.last_name must not contain control characters"},
		{"paragraph separator", "first_name", "Ann\u2029", "customer.first_name must not contain control characters"},
		{"101 runes", "first_name", strings.Repeat("漢", 101), "customer.first_name must be at most 100 characters"},
		{"101 after NFC", "first_name", strings.Repeat("é", 100) + "x", "customer.first_name must be at most 100 characters"},
		{"email NUL", "email", "ann\x00@example.com", "customer.email must not contain control characters"},
		{"email bidi", "email", "ann\u202e@example.com", "customer.email must not contain bidirectional control characters"},
		{"email a@b", "email", "a@b", "customer.email must have a domain with a dot, like example.com"},
		{"email empty label", "email", "a@b..c", "customer.email must be an address like name@example.com"},
		{"email hyphen label", "email", "a@-b.c", "customer.email must be an address like name@example.com"},
		{"email long local", "email", strings.Repeat("a", 65) + "@b.c", "customer.email must have at most 64 characters before the @"},
		{"phone NUL", "phone_number", "+447400123456\x00", "customer.phone_number must not contain control characters"},
		{"phone 65 characters", "phone_number", "+447400123456" + strings.Repeat("-", 52), "customer.phone_number must be at most 64 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.do(t, "POST", "/v1/customers", createBody(t, tc.field, tc.value)).want(t, 400, bad(tc.want))
		})
	}
	for _, tc := range []struct{ name, body, want string }{
		{"request_id NUL", `{"request_id":"a\u0000","customer":{}}`, "customer.first_name is required"},
		{"locale NUL", strings.Replace(createBody(t, "first_name", "Ann"), `{"customer"`, `{"locale":"en\u0000","customer"`, 1),
			"locale must not contain control characters"},
		{"request_id control", strings.Replace(createBody(t, "first_name", "Ann"), `{"customer"`, `{"request_id":"a\u0001","customer"`, 1),
			"request_id must not contain control characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.do(t, "POST", "/v1/customers", tc.body).want(t, 400, bad(tc.want))
		})
	}
	if got := h.verifier.startedIDs(); len(got) != 0 {
		t.Errorf("verifications started: %v, want none", got)
	}
}

// Names and email are stored NFC-normalised, and a name of 100 characters
// is accepted however many bytes they take.
func TestCreateCustomerStoresNFC(t *testing.T) {
	h := newHarness(t)
	id := created(t, h.do(t, "POST", "/v1/customers", createBody(t, "first_name", "Rene\u0301")))
	c, err := h.store.GetCustomer(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.FirstName != "Ren\u00e9" {
		t.Errorf("first name stored as %q, want NFC %q", c.FirstName, "Ren\u00e9")
	}
	long := strings.Repeat("e\u0301", 100) // 100 characters after NFC, 200 before
	body := strings.Replace(createBody(t, "last_name", long), "ann@example.com", "b@a.c", 1)
	body = strings.Replace(body, "+447400123456", "+447400123457", 1)
	id = created(t, h.do(t, "POST", "/v1/customers", body))
	if c, err = h.store.GetCustomer(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if c.LastName != strings.Repeat("\u00e9", 100) || c.Email != "b@a.c" {
		t.Errorf("stored %q %q", c.LastName, c.Email)
	}
}

// A phone number's limit counts characters, not bytes: full-width digits
// with ideographic spaces, 25 characters in 75 bytes, are read.
func TestCreateCustomerPhoneLimitInCharacters(t *testing.T) {
	h := newHarness(t)
	const wide = "＋　４　４　７　４　０　０　１　２　３　４　５　６"
	if n, b := len([]rune(wide)), len(wide); n > maxPhoneLen || b <= maxPhoneLen {
		t.Fatalf("test number of %d characters in %d bytes", n, b)
	}
	id := created(t, h.do(t, "POST", "/v1/customers", createBody(t, "phone_number", wide)))
	c, err := h.store.GetCustomer(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.PhoneNumber != "+447400123456" {
		t.Errorf("phone number stored as %q", c.PhoneNumber)
	}
}

func TestVerifyCustomerCodeControl(t *testing.T) {
	h := newHarness(t)
	h.do(t, "POST", "/v1/customers/0ddbdea9-1d13-4224-98f7-efe3289ac9fc:verify", `{"verification_code":"12\u000034"}`).
		want(t, 400, `{"code":3,"message":"verification_code must not contain control characters","details":[]}`)
}
