package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sms"
)

const (
	envWhatsAppTemplates = "TWILIO_WHATSAPP_TEMPLATES"
	testTemplateEN       = "HX00112233445566778899aabbccddeeff"
	testTemplateES       = "HXfedcba9876543210fedcba9876543210"
)

// Without --twilio-whatsapp-templates WhatsApp goes as text; with it, from
// the flag or its variable, Twilio's WhatsApp sender has the templates in
// order, and a WhatsApp code goes as its locale's template.
func TestWhatsAppTemplateSettings(t *testing.T) {
	clearChannelEnv(t)
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	t.Setenv(envTwilioAuthToken, testAuthToken)
	twilio := []string{"--twilio-account-sid", testAccountSID, "--twilio-whatsapp-from", "+15005550006"}
	for _, cmd := range []string{"dev", "worker"} {
		var c *SMSFlags
		if cmd == "dev" {
			c = &parsed[*Dev](t, append([]string{"dev"}, twilio...)...).SMSFlags
		} else {
			c = &parsed[*Worker](t, append([]string{"worker"}, twilio...)...).SMSFlags
		}
		if c.WhatsAppTemplates != "" || c.SMS().Twilio.WhatsAppTemplates != nil {
			t.Errorf("%s: templates %q by default, want none", cmd, c.WhatsAppTemplates)
		}
	}

	t.Setenv(envWhatsAppTemplates, "en="+testTemplateEN)
	if got := parsed[*Worker](t, append([]string{"worker"}, twilio...)...).SMS().Twilio.WhatsAppTemplates; !slices.Equal(got,
		[]sms.WhatsAppTemplate{{Locale: "en", ContentSID: testTemplateEN}}) {
		t.Errorf("from %s: %+v", envWhatsAppTemplates, got)
	}

	// The flag beats the variable; the list keeps its order.
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		if form.Has("Body") || form.Get("ContentSid") != testTemplateES || form.Get("ContentVariables") != `{"1":"482915"}` {
			t.Errorf("Twilio got %v, want the es template with the code and no Body", form)
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"sid":"SM1","status":"queued"}`)
	}))
	defer fake.Close()
	args := append([]string{"dev", "--twilio-whatsapp-templates", " es=" + testTemplateES + ", en=" + testTemplateEN,
		"--twilio-base-url", fake.URL}, twilio...)
	if code, out := runArgs(t, append(args, "--data-dir", t.TempDir())...); code != 0 {
		t.Fatalf("%v refused: %s", args, out)
	}
	cfg := parsed[*Dev](t, args...).SMS()
	if want := []sms.WhatsAppTemplate{{Locale: "es", ContentSID: testTemplateES}, {Locale: "en", ContentSID: testTemplateEN}}; !slices.Equal(cfg.Twilio.WhatsAppTemplates, want) {
		t.Fatalf("templates %+v, want %+v", cfg.Twilio.WhatsAppTemplates, want)
	}
	if _, err := cfg.Messages(slog.New(slog.DiscardHandler)).SendMessage(context.Background(), coffeeshop.Message{
		Channel: coffeeshop.ChannelWhatsApp, To: "+447400123456", Body: "Tu código es 482915", Code: "482915", Locale: "es-MX"}); err != nil {
		t.Fatal(err)
	}
	if d := cfg.Describe(); !strings.Contains(d, "as approved templates (es, en)") {
		t.Errorf("description %q does not name the templates", d)
	}
}

// A bad list, or one without Twilio on the WhatsApp list, stops the start
// naming the flag and its variable.
func TestBadWhatsAppTemplateSettings(t *testing.T) {
	clearChannelEnv(t)
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	t.Setenv("COFFEESHOP_NO_ENCRYPTION", "true")
	t.Setenv(envTwilioAuthToken, testAuthToken)
	t.Setenv(envSMSWebhookSecret, testWebhookSecret)
	flag := "--twilio-whatsapp-templates"
	twilio := []string{"worker", "--twilio-account-sid", testAccountSID, "--twilio-whatsapp-from", "+15005550006", flag}
	with := func(base []string, more ...string) []string { return append(append([]string(nil), base...), more...) }
	for _, tc := range []struct {
		name string
		env  string // TWILIO_WHATSAPP_TEMPLATES; "" leaves it unset
		args []string
		want []string
	}{
		{"bad SID", "", with(twilio, "en=HX123"), []string{flag + `="en=HX123" (TWILIO_WHATSAPP_TEMPLATES)`, "32 hex digits"}},
		{"not a Content SID", "", with(twilio, "en=MGaaaabbbbccccddddeeeeffff00001111"), []string{flag, "HX followed by 32 hex digits"}},
		{"bad locale", "", with(twilio, "en_GB!="+testTemplateEN), []string{flag, "BCP 47"}},
		{"no locale", "", with(twilio, testTemplateEN), []string{flag, "locale=HX"}},
		{"empty entry", "", with(twilio, "en="+testTemplateEN+",,es="+testTemplateES), []string{flag, "locale=HX"}},
		{"duplicate", "", with(twilio, "es="+testTemplateES+",ES="+testTemplateEN), []string{flag, "es is named twice"}},
		{"bad variable", "en=nope", []string{"worker", "--twilio-account-sid", testAccountSID, "--twilio-whatsapp-from", "+15005550006"},
			[]string{flag + `="en=nope" (TWILIO_WHATSAPP_TEMPLATES)`}},
		{"no WhatsApp provider", "", []string{"dev", flag, "en=" + testTemplateEN},
			[]string{flag + " (TWILIO_WHATSAPP_TEMPLATES): is for WhatsApp through Twilio", "--twilio-whatsapp-from"}},
		{"WhatsApp through the webhook", "", []string{"worker", "--whatsapp-provider", "webhook", "--sms-webhook-url", "https://hooks.example.com/send",
			flag, "en=" + testTemplateEN}, []string{flag + " (TWILIO_WHATSAPP_TEMPLATES)", `--whatsapp-provider="webhook" (COFFEESHOP_WHATSAPP_PROVIDER) does not name twilio`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv(envWhatsAppTemplates, tc.env)
			}
			out := refused(t, tc.want[0], tc.args...)
			for _, w := range tc.want[1:] {
				if !strings.Contains(out, w) {
					t.Errorf("output %q does not say %s", out, w)
				}
			}
			if strings.Contains(out, testAuthToken) || strings.Contains(out, testWebhookSecret) {
				t.Errorf("output %q shows a secret", out)
			}
		})
	}
	// The API sends no codes: it has no such setting.
	refused(t, "unknown flag "+flag, "api", flag, "en="+testTemplateEN)
}
