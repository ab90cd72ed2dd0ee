package sms

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// WhatsAppTemplate is a WhatsApp template approved for one locale: a
// Content Template Builder template of Twilio's (whatsapp/authentication)
// whose one variable, "1", is the code. WhatsApp lets a business write
// free text only to someone who has written to it in the last 24 hours;
// a code to anyone else must be such a template.
type WhatsAppTemplate struct {
	// Locale is a BCP 47 tag in canonical form ("en", "pt-BR").
	Locale string
	// ContentSID is the template's SID: HX and 32 hex digits.
	ContentSID string
}

// ValidContentSID reports whether s has the form of a Twilio Content SID:
// HX and 32 hex digits.
func ValidContentSID(s string) bool { return isSID(s, "HX") }

// ParseWhatsAppTemplates reads a comma-separated list of locale=ContentSID
// ("en=HX…,es=HX…"): each locale a BCP 47 tag, named once, each SID HX
// and 32 hex digits, at least one entry. The list keeps its order.
func ParseWhatsAppTemplates(list string) ([]WhatsAppTemplate, error) {
	var out []WhatsAppTemplate
	for _, entry := range strings.Split(list, ",") {
		entry = strings.TrimSpace(entry)
		locale, sid, ok := strings.Cut(entry, "=")
		locale, sid = strings.TrimSpace(locale), strings.TrimSpace(sid)
		if !ok || locale == "" || sid == "" {
			return nil, fmt.Errorf("entry %q: must be locale=HX… (such as en=HX followed by 32 hex digits)", entry)
		}
		tag, err := language.Parse(locale)
		if err != nil {
			return nil, fmt.Errorf("entry %q: %q is not a BCP 47 locale (such as en, es or pt-BR)", entry, locale)
		}
		if !ValidContentSID(sid) {
			return nil, fmt.Errorf("entry %q: the template's Content SID must be HX followed by 32 hex digits", entry)
		}
		t := WhatsAppTemplate{Locale: tag.String(), ContentSID: sid}
		if slices.ContainsFunc(out, func(o WhatsAppTemplate) bool { return o.Locale == t.Locale }) {
			return nil, fmt.Errorf("locale %s is named twice", t.Locale)
		}
		out = append(out, t)
	}
	return out, nil
}

// whatsAppTemplate is the template of ts for locale: the one of the same
// tag, else of its base language (de for de-AT, then any de-…), else en's,
// else the first. ts is not empty.
func whatsAppTemplate(ts []WhatsAppTemplate, locale string) WhatsAppTemplate {
	find := func(ok func(language.Tag) bool) (WhatsAppTemplate, bool) {
		i := slices.IndexFunc(ts, func(t WhatsAppTemplate) bool { return ok(language.Make(t.Locale)) })
		if i < 0 {
			return WhatsAppTemplate{}, false
		}
		return ts[i], true
	}
	if tag, err := language.Parse(locale); err == nil {
		base, _ := tag.Base()
		for _, ok := range []func(language.Tag) bool{
			func(t language.Tag) bool { return t == tag },
			func(t language.Tag) bool { return t.String() == base.String() },
			func(t language.Tag) bool { b, _ := t.Base(); return b == base },
		} {
			if t, found := find(ok); found {
				return t
			}
		}
	}
	if t, found := find(func(t language.Tag) bool { return t == language.English }); found {
		return t
	}
	return ts[0]
}

// contentVariables is the ContentVariables of a template whose one
// variable is the code: {"1":"<code>"}.
func contentVariables(code string) string {
	b, _ := json.Marshal(map[string]string{"1": code}) // a map of strings always marshals
	return string(b)
}
