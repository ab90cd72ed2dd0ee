package verify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/verify"
)

const (
	gbMobile = "+447400123456"
	deMobile = "+4915112345678"
	esMobile = "+34612345678"
	frMobile = "+33612345678"
	brMobile = "+5511912345678"
)

// Each built-in locale renders the code and its lifetime in its language.
func TestBuiltinTexts(t *testing.T) {
	texts := verify.DefaultTexts()
	if got := texts.Locales(); strings.Join(got, ",") != "en,de,es,fr" {
		t.Fatalf("locales %v, want en first then de, es, fr", got)
	}
	for _, tc := range []struct {
		locale string
		ttl    time.Duration
		want   string
	}{
		{"en", 2 * time.Minute, "Your coffeeshop verification code is 4821. It expires in 2 minutes. Do not share it with anyone."},
		{"en", time.Minute, "It expires in 1 minute."},
		{"en", 30 * time.Second, "It expires in 30 seconds."},
		{"es", 2 * time.Minute, "Tu código de verificación de coffeeshop es 4821. Caduca en 2 minutos."},
		{"es", time.Minute, "Caduca en 1 minuto."},
		{"fr", 10 * time.Minute, "Votre code de vérification coffeeshop est 4821. Il expire dans 10 minutes."},
		{"de", 2 * time.Minute, "Ihr coffeeshop-Bestätigungscode lautet 4821. Er läuft in 2 Minuten ab."},
		{"de", 45 * time.Second, "Er läuft in 45 Sekunden ab."},
	} {
		got, err := texts.SMS(tc.locale, gbMobile, "4821", tc.ttl)
		if err != nil {
			t.Fatalf("%s: %v", tc.locale, err)
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s, %s: %q, want it to contain %q", tc.locale, tc.ttl, got, tc.want)
		}
		if strings.Contains(got, "\n") {
			t.Errorf("%s: %q has a line break without a WebOTP domain", tc.locale, got)
		}
	}
}

// An email's subject is in the message's language, never shows the code,
// and falls back to the English one, then to DefaultSubject, for a locale
// whose file defines none.
func TestEmailSubjects(t *testing.T) {
	for _, tc := range []struct{ locale, phone, want string }{
		{"", gbMobile, "Your coffeeshop verification code"},
		{"es", gbMobile, "Tu código de verificación de coffeeshop"},
		{"", frMobile, "Votre code de vérification coffeeshop"},
		{"", deMobile, "Ihr coffeeshop-Bestätigungscode"},
		{"de-CH", gbMobile, "Ihr coffeeshop-Bestätigungscode"},
	} {
		if got, err := verify.DefaultTexts().Subject(tc.locale, tc.phone); err != nil || got != tc.want {
			t.Errorf("Subject(%q, %s) = %q, %v; want %q", tc.locale, tc.phone, got, err, tc.want)
		}
	}
	// An operator's Portuguese file without a subject: English's. An
	// operator's English file without one as well: DefaultSubject.
	texts, err := verify.NewTexts(writeTemplates(t, map[string]string{"pt.tmpl": "Seu código: {{.Code}}\n",
		"it.tmpl": "Codice {{.Code}}\n{{define \"subject\"}}Il tuo codice {{.Brand}}{{end}}"}), "")
	if err != nil {
		t.Fatal(err)
	}
	for locale, want := range map[string]string{"pt": "Your coffeeshop verification code", "it": "Il tuo codice coffeeshop"} {
		if got, err := texts.Subject(locale, gbMobile); err != nil || got != want {
			t.Errorf("overrides: Subject(%q) = %q, %v; want %q", locale, got, err, want)
		}
	}
	texts, err = verify.NewTexts(writeTemplates(t, map[string]string{"en.tmpl": "Code {{.Code}}"}), "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := texts.Subject("pt", brMobile); err != nil || got != verify.DefaultSubject {
		t.Errorf("no subject anywhere: %q, %v; want %q", got, err, verify.DefaultSubject)
	}
}

// The locale asked for wins when it matches an available one; else the
// number's country's language; else English.
func TestTextLocaleChoice(t *testing.T) {
	texts := verify.DefaultTexts()
	for _, tc := range []struct{ locale, phone, want string }{
		{"es", gbMobile, "es"},
		{"es-MX", gbMobile, "es"},
		{"es-419", gbMobile, "es"},
		{"de-AT", gbMobile, "de"},
		{"fr-CA", deMobile, "fr"},
		{"EN-gb", deMobile, "en"},
		{"", deMobile, "de"},
		{"", esMobile, "es"},
		{"", frMobile, "fr"},
		{"", "+43664123456", "de"},   // Austria
		{"", "+5215512345678", "es"}, // Mexico
		{"", gbMobile, "en"},
		{"", "+12025550123", "en"},
		{"pt", deMobile, "de"},    // no Portuguese texts: the country's
		{"pt", gbMobile, "en"},    // and then English
		{"pt-BR", brMobile, "en"}, // Brazil's language has no texts either
		{"zz-not-a-tag", esMobile, "es"},
		{"", "not a number", "en"},
	} {
		if got := texts.Locale(tc.locale, tc.phone); got != tc.want {
			t.Errorf("Locale(%q, %s) = %s, want %s", tc.locale, tc.phone, got, tc.want)
		}
	}
}

// With a WebOTP domain the SMS's last line is exactly "@domain #code";
// Body, for other channels, never has it.
func TestWebOTPLine(t *testing.T) {
	texts, err := verify.NewTexts("", "shop.example.com")
	if err != nil {
		t.Fatal(err)
	}
	sms, err := texts.SMS("fr", gbMobile, "735194", 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(sms, "\n")
	if last := lines[len(lines)-1]; last != "@shop.example.com #735194" {
		t.Errorf("last line %q of %q", last, sms)
	}
	if !strings.HasPrefix(sms, "Votre code") {
		t.Errorf("SMS %q does not start with the French text", sms)
	}
	body, err := texts.Body("fr", gbMobile, "735194", 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, "@") || strings.Contains(body, "\n") {
		t.Errorf("body %q has the WebOTP line", body)
	}
	for _, bad := range []string{"https://shop.example.com", "shop.example.com:443", "Shop.Example.com", "shop..example.com",
		"-shop.example.com", "shop example.com", "shop.example.com/x", strings.Repeat("a", 64) + ".com"} {
		if verify.ValidWebOTPDomain(bad) {
			t.Errorf("ValidWebOTPDomain(%q) = true", bad)
		}
		if _, err := verify.NewTexts("", bad); err == nil {
			t.Errorf("NewTexts with WebOTP domain %q: no error", bad)
		}
	}
	for _, good := range []string{"localhost", "example.com", "a-b.example.co.uk", "xn--bcher-kva.example"} {
		if !verify.ValidWebOTPDomain(good) {
			t.Errorf("ValidWebOTPDomain(%q) = false", good)
		}
	}
}

func writeTemplates(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// An operator's files replace built-in locales and add new ones, which
// the matching and the country fallback then find.
func TestTextOverrides(t *testing.T) {
	dir := writeTemplates(t, map[string]string{
		"es.tmpl":    "Hola: {{.Code}} ({{.Minutes}} min)\n",
		"pt.tmpl":    "Seu código {{.Brand}}: {{.Code}}\n",
		"de-AT.tmpl": "Servus, {{.Code}}\n",
		"README.md":  "not a template",
	})
	texts, err := verify.NewTexts(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ locale, phone, want string }{
		{"es", gbMobile, "Hola: 4821 (2 min)"},
		{"pt-BR", gbMobile, "Seu código coffeeshop: 4821"},
		{"", brMobile, "Seu código coffeeshop: 4821"},
		{"de-AT", gbMobile, "Servus, 4821"},
		{"de", gbMobile, "Ihr coffeeshop-Bestätigungscode lautet 4821. Er läuft in 2 Minuten ab. Geben Sie ihn an niemanden weiter."},
		{"", deMobile, "Ihr coffeeshop-Bestätigungscode lautet 4821. Er läuft in 2 Minuten ab. Geben Sie ihn an niemanden weiter."},
	} {
		got, err := texts.SMS(tc.locale, tc.phone, "4821", 2*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("SMS(%q, %s) = %q, want %q", tc.locale, tc.phone, got, tc.want)
		}
	}
	// The built-in texts are untouched by another Texts' overrides.
	if got, _ := verify.DefaultTexts().SMS("es", gbMobile, "4821", 2*time.Minute); strings.HasPrefix(got, "Hola") {
		t.Errorf("default texts changed: %q", got)
	}
}

// A template that does not parse, does not run, does not show the code or
// is not named by a language tag is refused, naming its file.
func TestBadTextOverrides(t *testing.T) {
	for name, tc := range map[string]struct{ file, src, want string }{
		"syntax":                 {"fr.tmpl", "Code {{.Code", "fr.tmpl"},
		"no code":                {"fr.tmpl", "Votre code arrive.", "use {{.Code}}"},
		"unknown":                {"de.tmpl", "{{.Code}} {{.Name}}", "de.tmpl"},
		"not a tag":              {"spanish.tmpl", "{{.Code}}", "BCP 47"},
		"code as text":           {"en.tmpl", "Your code is .Code", "use {{.Code}}"},
		"subject shows the code": {"fr.tmpl", "{{.Code}}{{define \"subject\"}}Code {{.Code}}{{end}}", "must not show the code"},
		"subject of two lines":   {"fr.tmpl", "{{.Code}}{{define \"subject\"}}Votre\ncode{{end}}", "one line"},
		"subject too long":       {"fr.tmpl", "{{.Code}}{{define \"subject\"}}" + strings.Repeat("x", verify.MaxSubjectLen+1) + "{{end}}", "one line"},
		"subject fails":          {"fr.tmpl", "{{.Code}}{{define \"subject\"}}{{.Name}}{{end}}", "subject"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeTemplates(t, map[string]string{tc.file: tc.src})
			_, err := verify.NewTexts(dir, "")
			if err == nil {
				t.Fatalf("no error for %s %q", tc.file, tc.src)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.file) {
				t.Errorf("error %q, want it to name %s and say %q", err, tc.file, tc.want)
			}
		})
	}
	if _, err := verify.NewTexts(filepath.Join(t.TempDir(), "missing"), ""); err == nil {
		t.Error("no error for a missing directory")
	}
	if _, err := verify.NewTexts(writeTemplates(t, map[string]string{"notes.txt": "x"}), ""); err == nil {
		t.Error("no error for a directory without templates")
	}
}

func TestValidLocale(t *testing.T) {
	for _, good := range []string{"es", "de-AT", "es-419", "zh-Hant-TW", "en-GB"} {
		if !verify.ValidLocale(good) {
			t.Errorf("ValidLocale(%q) = false", good)
		}
	}
	for _, bad := range []string{"", "not a tag", "e", "es-", "xx-yy-zz-ww-" + strings.Repeat("a", 30), "español"} {
		if verify.ValidLocale(bad) {
			t.Errorf("ValidLocale(%q) = true", bad)
		}
	}
}
