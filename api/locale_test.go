package api

import (
	"slices"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/signup"
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

// The signup page's create carries the browser's preferred language.
func TestPageSignUpLocaleFromAcceptLanguage(t *testing.T) {
	e := newPageEnv(t, nil, coffeeshop.GuardPolicy{})
	for i, header := range []string{"es-MX,es;q=0.9,en;q=0.5", "en;q=0.2, de-AT", "", "*", "not a language, at all"} {
		r := personAt("203.0.113.9")
		if header != "" {
			r.Header.Set("Accept-Language", header)
		}
		phone := "+44740012350" + string(rune('0'+i))
		if _, _, err := e.page.SignUp(t.Context(), r, signup.NewCustomer{FirstName: "A", LastName: "B",
			Email: "p" + strings.TrimPrefix(phone, "+") + "@example.com", PhoneNumber: phone}); err != nil {
			t.Fatalf("sign-up with Accept-Language %q: %v", header, err)
		}
	}
	e.verifier.mu.Lock()
	defer e.verifier.mu.Unlock()
	if want := []string{"es-MX", "de-AT", "", "", ""}; !slices.Equal(e.verifier.locales, want) {
		t.Errorf("locales %q, want %q", e.verifier.locales, want)
	}
}
