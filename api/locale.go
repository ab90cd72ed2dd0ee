package api

import (
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
	if len(s) > maxLocaleLen {
		return invalid("%s must be at most %d characters", coffeeshop.FieldLocale, maxLocaleLen)
	}
	if _, err := language.Parse(s); err != nil {
		return invalid("%s must be a BCP 47 language tag such as es or de-AT", coffeeshop.FieldLocale)
	}
	return nil
}
