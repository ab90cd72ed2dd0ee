package verify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
)

// The texts of a code message, per locale. The built-in ones (texts/*.tmpl,
// one text/template per locale named by its BCP 47 tag) are English,
// Spanish, French and German; an operator's directory of <locale>.tmpl files
// replaces any of them and may add locales. A message's locale is the one
// its verification asked for (Params.Locale, matched to the available
// locales), else the main language of the phone number's country, else
// English. The rendered body holds the code: it is sent and never logged.

//go:embed texts/*.tmpl
var builtinTexts embed.FS

// Brand is the name the built-in texts give the service.
const Brand = "coffeeshop"

// MaxLocaleLen bounds a create's locale (BCP 47 allows long tags; 35
// characters holds every tag a person's language needs).
const MaxLocaleLen = 35

// TextData is what a text template sees.
type TextData struct {
	// Code is the one-time code; a template must show it.
	Code string
	// Minutes is how long the code lasts in whole minutes (rounded down;
	// 0 under a minute), Seconds the same in seconds, TTL as Go writes
	// a duration ("2m0s").
	Minutes int
	Seconds int
	TTL     time.Duration
	// Brand is the service's name (Brand).
	Brand string
}

// Texts are the code message's templates by locale, parsed and checked
// once. Safe for concurrent use.
type Texts struct {
	tags    []language.Tag
	tmpls   []*template.Template // tmpls[i] is the template of tags[i]
	matcher language.Matcher
	// webOTP, when set, is the domain of the WebOTP line the SMS ends with.
	webOTP string
}

// probeCode is the code a template is tried with when it is loaded: a
// template whose output does not contain it does not show the code.
const probeCode = "90817263"

var defaultTexts = sync.OnceValue(func() *Texts {
	t, err := NewTexts("", "")
	if err != nil {
		panic(err) // the embedded templates are broken: a build error
	}
	return t
})

// DefaultTexts are the built-in texts without a WebOTP line.
func DefaultTexts() *Texts { return defaultTexts() }

// NewTexts parses the built-in templates and, when dir is not empty, the
// files dir/<locale>.tmpl, which replace the built-in template of their
// locale or add one. Every template is tried once: one that does not
// parse, fails to run or does not show {{.Code}} is an error naming its
// file. webOTPDomain, when not empty, must be a host name (ValidWebOTPDomain);
// SMS texts then end with the line "@<domain> #<code>".
func NewTexts(dir, webOTPDomain string) (*Texts, error) {
	if webOTPDomain != "" && !ValidWebOTPDomain(webOTPDomain) {
		return nil, fmt.Errorf("WebOTP domain %q is not a host name (such as example.com)", webOTPDomain)
	}
	byTag := map[string]*template.Template{}
	var order []string
	add := func(fsys interface {
		ReadFile(string) ([]byte, error)
	}, file, shown string) error {
		name := strings.TrimSuffix(filepath.Base(file), ".tmpl")
		tag, err := language.Parse(name)
		if err != nil {
			return fmt.Errorf("%s: the file name must be a BCP 47 language tag and .tmpl (such as es.tmpl or de-AT.tmpl): %v", shown, err)
		}
		src, err := fsys.ReadFile(file)
		if err != nil {
			return err
		}
		t, err := parseText(shown, string(src))
		if err != nil {
			return err
		}
		key := tag.String()
		if _, ok := byTag[key]; !ok {
			order = append(order, key)
		}
		byTag[key] = t
		return nil
	}
	builtin, err := builtinTexts.ReadDir("texts")
	if err != nil {
		return nil, err
	}
	for _, e := range builtin {
		if err := add(builtinTexts, "texts/"+e.Name(), "texts/"+e.Name()); err != nil {
			return nil, err
		}
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".tmpl") {
				names = append(names, e.Name())
			}
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("%s has no <locale>.tmpl file", dir)
		}
		sort.Strings(names)
		for _, n := range names {
			if err := add(osFS{}, filepath.Join(dir, n), filepath.Join(dir, n)); err != nil {
				return nil, err
			}
		}
	}
	// English first: the matcher falls back to its first tag.
	sort.SliceStable(order, func(i, j int) bool { return order[i] == "en" && order[j] != "en" })
	if len(order) == 0 || order[0] != "en" {
		return nil, errors.New("no English text (en.tmpl)")
	}
	t := &Texts{webOTP: webOTPDomain}
	for _, k := range order {
		t.tags = append(t.tags, language.MustParse(k))
		t.tmpls = append(t.tmpls, byTag[k])
	}
	t.matcher = language.NewMatcher(t.tags)
	return t, nil
}

// osFS reads files by their path.
type osFS struct{}

func (osFS) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

// subjectTemplate names the template, defined in a locale's file, of an
// email's subject ({{define "subject"}}…{{end}}); optional.
const subjectTemplate = "subject"

// MaxSubjectLen bounds a rendered subject, in bytes.
const MaxSubjectLen = 200

// parseText parses src as the template of file and tries it: it must run
// and show the code; its subject, if it defines one, must be one line of
// at most MaxSubjectLen bytes without the code (mail servers log
// subjects).
func parseText(file, src string) (*template.Template, error) {
	t, err := template.New(filepath.Base(file)).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	for _, ttl := range []time.Duration{30 * time.Second, time.Minute, 10 * time.Minute} {
		out, err := render(t, probeCode, ttl)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		if !strings.Contains(out, probeCode) {
			return nil, fmt.Errorf("%s: the text must show the code: use {{.Code}}", file)
		}
		if t.Lookup(subjectTemplate) == nil {
			continue
		}
		subject, err := render(t.Lookup(subjectTemplate), probeCode, ttl)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%s: subject: %v", file, err)
		case subject == "" || strings.ContainsAny(subject, "\r\n") || len(subject) > MaxSubjectLen:
			return nil, fmt.Errorf("%s: the subject must be one line of 1 to %d bytes", file, MaxSubjectLen)
		case strings.Contains(subject, probeCode):
			return nil, fmt.Errorf("%s: the subject must not show the code: mail servers log subjects", file)
		}
	}
	return t, nil
}

func render(t *template.Template, code string, ttl time.Duration) (string, error) {
	var b bytes.Buffer
	d := TextData{Code: code, Minutes: int(ttl / time.Minute), Seconds: int(ttl / time.Second), TTL: ttl, Brand: Brand}
	if err := t.Execute(&b, d); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

// WebOTPDomain is the domain of the WebOTP line; "" when there is none.
func (t *Texts) WebOTPDomain() string { return t.webOTP }

// Locales are the tags of the available texts, English first.
func (t *Texts) Locales() []string {
	out := make([]string, len(t.tags))
	for i, tag := range t.tags {
		out[i] = tag.String()
	}
	return out
}

// Locale returns the available locale a message to phone (E.164) is
// written in: the best match of locale, a BCP 47 tag; else, when locale is
// empty, unparsable or matches nothing, that of the main language of the
// number's country (countryLanguage); else English.
func (t *Texts) Locale(locale, phone string) string {
	return t.tags[t.pick(locale, phone)].String()
}

func (t *Texts) pick(locale, phone string) int {
	if i, ok := t.match(locale); ok {
		return i
	}
	if n, err := phonenumbers.Parse(phone, ""); err == nil {
		if lang := countryLanguage[phonenumbers.GetRegionCodeForNumber(n)]; lang != "" {
			if i, ok := t.match(lang); ok {
				return i
			}
		}
	}
	return 0
}

// match is the index of the best available tag for locale, if any fits.
func (t *Texts) match(locale string) (int, bool) {
	if locale == "" {
		return 0, false
	}
	tag, err := language.Parse(locale)
	if err != nil {
		return 0, false
	}
	_, i, conf := t.matcher.Match(tag)
	return i, conf != language.No
}

// SMS is the text message of code, which lasts ttl, to phone in locale
// (see Locale), ending with the WebOTP line when the Texts have a domain.
func (t *Texts) SMS(locale, phone, code string, ttl time.Duration) (string, error) {
	body, err := t.Body(locale, phone, code, ttl)
	if err != nil || t.webOTP == "" {
		return body, err
	}
	// WebOTP (https://wicg.github.io/web-otp/): the last line names the
	// origin the code is for, so that a browser offers it to that site only.
	return body + "\n\n@" + t.webOTP + " #" + code, nil
}

// DefaultSubject is an email's subject when neither the locale's texts
// nor the English ones define one.
const DefaultSubject = "Your " + Brand + " verification code"

// Subject is the subject of the email of a code to the customer of phone
// in locale (see Locale): the locale's "subject" template, else the
// English one's, else DefaultSubject.
func (t *Texts) Subject(locale, phone string) (string, error) {
	for _, i := range []int{t.pick(locale, phone), 0} {
		if s := t.tmpls[i].Lookup(subjectTemplate); s != nil {
			out, err := render(s, "", 0)
			if err != nil {
				return "", fmt.Errorf("email subject: %v", err)
			}
			return out, nil
		}
	}
	return DefaultSubject, nil
}

// Body is the message of code without the WebOTP line, for channels other
// than SMS.
func (t *Texts) Body(locale, phone, code string, ttl time.Duration) (string, error) {
	out, err := render(t.tmpls[t.pick(locale, phone)], code, ttl)
	if err != nil {
		// The templates ran at load; the error says which one, never the
		// code.
		return "", fmt.Errorf("code text: %v", err)
	}
	return out, nil
}

// ValidLocale reports whether s is a BCP 47 language tag that a create may
// give: well formed, known to the language registry and at most
// MaxLocaleLen characters.
func ValidLocale(s string) bool {
	if s == "" || len(s) > MaxLocaleLen {
		return false
	}
	_, err := language.Parse(s)
	return err == nil
}

var hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// ValidWebOTPDomain reports whether d is a host name for the WebOTP line:
// lowercase labels of letters, digits and hyphens separated by dots, no
// scheme, port or path, at most 253 characters.
func ValidWebOTPDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if !hostLabel.MatchString(l) {
			return false
		}
	}
	return true
}

// countryLanguage is the main language of a country (ISO 3166 region, as
// libphonenumber names a number's), where it is not English: the texts of
// a number without a locale are in it when there are texts in it. Countries
// of several languages get the one most of their people speak (Belgium:
// Dutch, Switzerland: German); an operator can add a <locale>.tmpl for
// the languages without built-in texts (pt, it, nl).
var countryLanguage = map[string]string{
	// Spanish.
	"ES": "es", "MX": "es", "AR": "es", "CO": "es", "CL": "es", "PE": "es", "VE": "es", "EC": "es",
	"GT": "es", "CU": "es", "BO": "es", "DO": "es", "HN": "es", "PY": "es", "SV": "es", "NI": "es",
	"CR": "es", "PA": "es", "UY": "es", "PR": "es", "GQ": "es",
	// French.
	"FR": "fr", "MC": "fr", "LU": "fr", "SN": "fr", "CI": "fr", "ML": "fr", "BF": "fr", "NE": "fr",
	"TG": "fr", "BJ": "fr", "GA": "fr", "CG": "fr", "CD": "fr", "GN": "fr", "RE": "fr", "GP": "fr",
	"MQ": "fr", "GF": "fr", "YT": "fr", "PM": "fr", "NC": "fr", "PF": "fr", "WF": "fr", "BL": "fr",
	"MF": "fr",
	// German.
	"DE": "de", "AT": "de", "CH": "de", "LI": "de",
	// Without built-in texts.
	"PT": "pt", "BR": "pt", "AO": "pt", "MZ": "pt", "CV": "pt",
	"IT": "it", "SM": "it", "VA": "it",
	"NL": "nl", "BE": "nl", "SR": "nl",
}
