package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// TestDevTextsInTheirLanguage: through dev's API and console sender, a
// create with locale "es" is texted in Spanish, a German number without a
// locale in German, each SMS ends with the WebOTP line, and a locale that
// is not a language tag is refused with 400.
func TestDevTextsInTheirLanguage(t *testing.T) {
	s := newDevStack(t)
	p, stdout, _ := devWithStdout(t, s, nil, "--allowed-countries", "GB,DE,ES", "--webotp-domain", "shop.example.com")
	a := api{t: t, base: "http://" + s.http}
	waitHTTP(t, p, a.base)

	const es, de = "+447400123456", "+4915112345678"
	create := func(phone, locale string) reply {
		body := `{"customer":{"first_name":"A","last_name":"B","email":"c` + strings.TrimPrefix(phone, "+") +
			`@example.com","phone_number":"` + phone + `"}` + locale + `}`
		return a.send("POST", "/v1/customers", body)
	}
	if r := create("+447400123457", `,"locale":"castellano por favor"`); r.status != http.StatusBadRequest ||
		!strings.Contains(r.body["message"].(string), "locale") {
		t.Fatalf("bad locale: %d %v, want 400 naming locale", r.status, r.body)
	}
	for _, c := range []struct{ phone, locale string }{{es, `,"locale":"es-MX"`}, {de, ``}} {
		if r := create(c.phone, c.locale); r.status != http.StatusOK {
			t.Fatalf("create %s: %d %v", c.phone, r.status, r.body)
		}
	}
	for _, c := range []struct{ phone, text string }{
		{es, `Tu código de verificación de coffeeshop es (\d{10})\. Caduca en 2 minutos\. .* @shop\.example\.com #(\d{10})\n`},
		{de, `Ihr coffeeshop-Bestätigungscode lautet (\d{10})\. Er läuft in 2 Minuten ab\. .* @shop\.example\.com #(\d{10})\n`},
	} {
		re := regexp.MustCompile(regexp.QuoteMeta("SMS to "+coffeeshop.MaskPhone(c.phone)+": ") + c.text)
		var m []string
		waitFor(t, p, "text to "+c.phone, time.Minute, func() bool {
			m = re.FindStringSubmatch(stdout.String())
			return m != nil
		})
		if m[1] != m[2] {
			t.Errorf("text to %s: code %s, WebOTP line's %s", c.phone, m[1], m[2])
		}
	}
	if strings.Contains(p.out.String(), "Caduca") || strings.Contains(p.out.String(), "läuft") {
		t.Error("a text is in the log")
	}
}
