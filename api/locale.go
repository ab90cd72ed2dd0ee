package api

import (
	"net/http"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/coffeeshop/coffeeshop"
)

// maxLocaleLen bounds a create's locale: BCP 47 allows long tags, a
// person's language needs far fewer characters.
const maxLocaleLen = 35

// checkLocale checks a create's optional locale: empty, or a well-formed
// BCP 47 language tag of known subtags, at most maxLocaleLen characters.
// Which texts it picks is the worker's business (verify.Texts); any valid
// tag is accepted, those without texts of their own fall back.
func checkLocale(s string) error {
	if s == "" {
		return nil
	}
	if p := checkText(s); p != "" {
		return invalid("%s %s", coffeeshop.FieldLocale, p)
	}
	if utf8.RuneCountInString(s) > maxLocaleLen {
		return invalid("%s must be at most %d characters", coffeeshop.FieldLocale, maxLocaleLen)
	}
	if _, err := language.Parse(s); err != nil {
		return invalid("%s must be a BCP 47 language tag such as es or de-AT", coffeeshop.FieldLocale)
	}
	return nil
}

// pageLocale is the locale of a signup page's create: the browser's most
// preferred language (Accept-Language), when it names one that
// checkLocale accepts; else "", and the number's country decides.
func pageLocale(r *http.Request) string {
	if r == nil {
		return ""
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return ""
	}
	// "*" reads as mul (several languages): no language at all.
	if base, _ := tags[0].Base(); base.String() == "und" || base.String() == "mul" {
		return ""
	}
	if s := tags[0].String(); checkLocale(s) == nil {
		return s
	}
	return ""
}
