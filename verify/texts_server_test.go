package verify_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/verify"
)

// Through the real workflow on a server: a create with locale "es" is
// texted in Spanish, also the codes after it in that verification, and a
// retry with another locale is the same create; a German number without a
// locale is texted in German; with a WebOTP domain every SMS ends with its
// line; neither the code nor its text is in the history.
func TestTextsInTheirLanguageOnServer(t *testing.T) {
	const code = "739251"
	texts, err := verify.NewTexts("", "shop.example.com")
	if err != nil {
		t.Fatal(err)
	}
	s := newStackWith(t, verify.FixedCode(code), verify.Client{CodeLength: len(code)},
		func(a *verify.Activities) { a.Texts = texts })

	es := &coffeeshop.Customer{FirstName: "Lucía", LastName: "García", Email: "lucia@example.com",
		PhoneNumber: gbMobile, Locale: "es"}
	ces, err := s.create(es, "req-es")
	if err != nil {
		t.Fatal(err)
	}
	s.waitCode(ces.ID)
	// A retry in another language is the same request: no conflict, and
	// no second text.
	again := *es
	again.Locale = "fr"
	if c, err := s.create(&again, "req-es"); err != nil || c.ID != ces.ID {
		t.Fatalf("retry with another locale: %+v, %v", c, err)
	}
	// A wrong code makes the verification send a fresh one: Spanish too.
	expect(t, "wrong code", s.verify(ces, "000000", ""), coffeeshop.VerificationIncorrectCode)
	s.waitCode(ces.ID)

	de := &coffeeshop.Customer{FirstName: "Jonas", LastName: "Weber", Email: "jonas@example.com", PhoneNumber: deMobile}
	cde, err := s.create(de, "req-de")
	if err != nil {
		t.Fatal(err)
	}
	s.waitCode(cde.ID)

	sent := s.sms.texts()
	if len(sent) != 3 {
		t.Fatalf("texts %q, want 3", sent)
	}
	for i, want := range []struct{ to, start string }{
		{gbMobile, "Tu código de verificación de coffeeshop es " + code + ". Caduca en 2 minutos."},
		{gbMobile, "Tu código de verificación de coffeeshop es " + code + "."},
		{deMobile, "Ihr coffeeshop-Bestätigungscode lautet " + code + ". Er läuft in 2 Minuten ab."},
	} {
		to, body, _ := strings.Cut(sent[i], ": ")
		if to != want.to || !strings.HasPrefix(body, want.start) {
			t.Errorf("text %d: to %s %q, want to %s starting %q", i, to, body, want.to, want.start)
		}
		if !strings.HasSuffix(body, "\n@shop.example.com #"+code) {
			t.Errorf("text %d %q does not end with the WebOTP line", i, body)
		}
	}
	expect(t, "right code", s.verify(ces, code, ""), coffeeshop.VerificationSuccess)
	for _, c := range []*coffeeshop.Customer{ces, cde} {
		events, _ := s.history(c)
		for _, e := range events {
			for _, secret := range []string{code, "Caduca", "läuft"} {
				if bytes.Contains(e, []byte(secret)) {
					t.Errorf("history of %s holds %q", c.ID, secret)
				}
			}
		}
	}
}
