package api

import (
	"slices"
	"strings"
	"testing"
)

// A create's locale is checked (400 naming the field, nothing started) and
// handed to the Verifier as given.
func TestCreateCustomerLocale(t *testing.T) {
	h := newHarness(t)
	body := func(n int, locale string) string {
		return `{"customer":{"first_name":"Lucía","last_name":"G","email":"l` + string(rune('a'+n)) + `@example.com",` +
			`"phone_number":"+44740012300` + string(rune('0'+n)) + `"},"locale":` + locale + `}`
	}
	bad := func(msg string) string { return `{"code":3,"message":"` + msg + `","details":[]}` }
	const notATag = "locale must be a BCP 47 language tag such as es or de-AT"
	for _, tc := range []struct{ name, locale, want string }{
		{"words", `"Spanish please"`, bad(notATag)},
		{"unknown language", `"qq"`, bad(notATag)},
		{"bad subtag", `"es-"`, bad(notATag)},
		{"too long", `"` + "de-AT-" + strings.Repeat("x-abcdefgh-", 3) + `"`, bad("locale must be at most 35 characters")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.do(t, "POST", "/v1/customers", body(0, tc.locale)).want(t, 400, tc.want)
		})
	}
	if got := h.verifier.startedIDs(); len(got) != 0 {
		t.Fatalf("bad locales started verifications %v", got)
	}
	for i, locale := range []string{`"es"`, `"es-MX"`, `"de-AT"`, `""`} {
		created(t, h.do(t, "POST", "/v1/customers", body(i+1, locale)))
	}
	h.verifier.mu.Lock()
	defer h.verifier.mu.Unlock()
	if want := []string{"es", "es-MX", "de-AT", ""}; !slices.Equal(h.verifier.locales, want) {
		t.Errorf("the Verifier got locales %q, want %q", h.verifier.locales, want)
	}
}
