package sms_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/email"
	"github.com/coffeeshop/coffeeshop/sms"
)

func TestValidSIDs(t *testing.T) {
	for _, tc := range []struct {
		s           string
		account, mg bool
	}{
		{testSID, true, false},
		{strings.ToUpper(testSID[2:]), false, false},
		{"AC" + strings.ToUpper(testSID[2:]), true, false},
		{testMG, false, true},
		{testSID[:33], false, false},
		{testSID + "0", false, false},
		{"AC0123456789abcdef0123456789abcdeg", false, false},
		{"SK0123456789abcdef0123456789abcdef", false, false},
		{"", false, false},
	} {
		if got := sms.ValidAccountSID(tc.s); got != tc.account {
			t.Errorf("ValidAccountSID(%q) = %v", tc.s, got)
		}
		if got := sms.ValidMessagingServiceSID(tc.s); got != tc.mg {
			t.Errorf("ValidMessagingServiceSID(%q) = %v", tc.s, got)
		}
	}
}

func TestValidBaseURL(t *testing.T) {
	for s, want := range map[string]bool{
		sms.DefaultTwilioBaseURL:        true,
		"http://127.0.0.1:9999":         true,
		"https://proxy.internal/twilio": true,
		"api.twilio.com":                false,
		"ftp://api.twilio.com":          false,
		"https://":                      false,
		"https://u:p@api.twilio.com":    false,
		"https://api.twilio.com/?x=1":   false,
		"https://api.twilio.com/#frag":  false,
		"":                              false,
	} {
		if got := sms.ValidBaseURL(s); got != want {
			t.Errorf("ValidBaseURL(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidSender(t *testing.T) {
	for s, want := range map[string]bool{
		testFrom:        true,
		"+447700900123": true,
		"+1 500 555":    false,
		"+0123456789":   false,
		"+":             false,
		"Coffeeshop":    true,
		"Coffee Shop":   true,
		"Coffee Shop1":  false, // 12 characters
		"2020":          false, // no letter: would read as a short code
		"Café":          false,
		"coffee-shop":   false,
		"":              false,
	} {
		if got := sms.ValidSender(s); got != want {
			t.Errorf("ValidSender(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestNewChoosesTheSender(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	for _, provider := range []string{sms.ProviderConsole, ""} {
		if c, ok := sms.New(sms.Config{Provider: provider}, log).(*sms.Console); !ok || c.Logger != log {
			t.Errorf("provider %q: sender %T; want the console with the logger", provider, c)
		}
	}
	if d := (sms.Config{Provider: sms.ProviderConsole}).Describe(); d != `each text is an "SMS to" line on stdout` {
		t.Errorf("console: %s", d)
	}

	fake, srv := newFake(t, http.StatusCreated, created)
	cfg := sms.Config{Provider: sms.ProviderTwilio,
		Twilio: sms.Twilio{AccountSID: testSID, AuthToken: testToken, MessagingServiceSID: testMG, BaseURL: srv.URL}}
	sender := sms.New(cfg, log)
	tw, ok := sender.(*sms.Twilio)
	if !ok || tw.Logger != log || cfg.Twilio.Logger != nil {
		t.Fatalf("twilio: sender %T; want Twilio's with the logger, the config left as it was", sender)
	}
	if err := sender.SendSMS(context.Background(), phone, body); err != nil {
		t.Fatalf("SendSMS: %v", err)
	}
	reqs := fake.requests()
	if len(reqs) != 1 || reqs[0].user != testSID || reqs[0].pass != testToken || reqs[0].form.Get("MessagingServiceSid") != testMG {
		t.Errorf("requests %+v", reqs)
	}
	if d := cfg.Describe(); d != "texted through Twilio ("+srv.URL+")" {
		t.Errorf("twilio: %s", d)
	}
	noSecrets(t, "log", logs.String())
}

// Describe names every channel's list in order, and no secret: not the
// webhook URL's query, the Twilio token or the SMTP password.
func TestDescribeEveryChannel(t *testing.T) {
	cfg := sms.Config{Provider: "webhook", WhatsAppProvider: "twilio,webhook", EmailProvider: "smtp,webhook",
		Twilio:  sms.Twilio{AuthToken: testToken, BaseURL: sms.DefaultTwilioBaseURL},
		Webhook: sms.Webhook{URL: "https://hooks.example.com/send?token=hush", Secret: []byte("0123456789abcdef0123456789abcdef")},
		SMTP:    email.SMTP{Addr: "smtp.example.com:587", Password: "s3cret-pass"}}
	want := "posted to the SMS webhook (https://hooks.example.com/send); " +
		"WhatsApp: sent through Twilio (https://api.twilio.com), failing over to posted to the webhook (https://hooks.example.com/send); " +
		"email: sent through the SMTP server smtp.example.com:587, failing over to posted to the webhook (https://hooks.example.com/send)"
	if d := cfg.Describe(); d != want {
		t.Errorf("Describe\n got %s\nwant %s", d, want)
	}
	// WhatsApp through Twilio's templates says their locales; SMS does not.
	cfg = sms.Config{Provider: "twilio", WhatsAppProvider: "twilio", Twilio: sms.Twilio{BaseURL: sms.DefaultTwilioBaseURL,
		WhatsAppTemplates: []sms.WhatsAppTemplate{{Locale: "en", ContentSID: hxEN}, {Locale: "es", ContentSID: hxES}}}}
	want = "texted through Twilio (https://api.twilio.com); WhatsApp: sent through Twilio (https://api.twilio.com) as approved templates (en, es)"
	if d := cfg.Describe(); d != want {
		t.Errorf("Describe with templates\n got %s\nwant %s", d, want)
	}
	if d := (sms.Config{EmailProvider: "console"}).Describe(); !strings.Contains(d, `email: each email is printed on stdout after an "Email to" line`) {
		t.Errorf("console email: %s", d)
	}
}
