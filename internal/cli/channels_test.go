package cli

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/email"
	"github.com/coffeeshop/coffeeshop/sms"
	"github.com/coffeeshop/coffeeshop/sms/webhooktest"
)

// clearChannelEnv is clearSMSEnv with the WhatsApp and email lists' and
// the WhatsApp sender's and templates' variables unset too.
func clearChannelEnv(t *testing.T) {
	t.Helper()
	clearSMSEnv(t)
	for _, env := range []string{"COFFEESHOP_WHATSAPP_PROVIDER", "COFFEESHOP_EMAIL_PROVIDER", "TWILIO_WHATSAPP_FROM", envWhatsAppTemplates, "COFFEESHOP_CHANNELS"} {
		t.Setenv(env, "")
		os.Unsetenv(env)
	}
}

// Who sets nothing gets what came before the lists: no WhatsApp sender, and
// email printed by dev and not sent by worker.
func TestChannelListDefaults(t *testing.T) {
	clearChannelEnv(t)
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	d := parsed[*Dev](t, "dev")
	c := Senders(&d.SMSFlags, &d.EmailFlags, true)
	if c.Provider != "console" || c.WhatsAppProvider != "" || c.EmailProvider != "console" {
		t.Errorf("dev: lists %q, %q, %q; want console, none, console", c.Provider, c.WhatsAppProvider, c.EmailProvider)
	}
	w := parsed[*Worker](t, "worker")
	if c := Senders(&w.SMSFlags, &w.EmailFlags, false); c.WhatsAppProvider != "" || c.EmailProvider != "" {
		t.Errorf("worker: lists %q, %q; want none", c.WhatsAppProvider, c.EmailProvider)
	}
	// --twilio-whatsapp-from alone chooses the default, twilio; --smtp-addr
	// alone chooses smtp.
	w = parsed[*Worker](t, "worker", "--twilio-whatsapp-from", "+15005550006", "--smtp-addr", "smtp.example.com:587")
	if c := Senders(&w.SMSFlags, &w.EmailFlags, false); c.WhatsAppProvider != "twilio" || c.EmailProvider != "smtp" {
		t.Errorf("worker: lists %q, %q; want twilio, smtp", c.WhatsAppProvider, c.EmailProvider)
	}
}

// The lists parse from flags and variables, in order, trimmed; a send on
// each channel goes through its own list.
func TestChannelListsFromFlagsAndEnvironment(t *testing.T) {
	clearChannelEnv(t)
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	t.Setenv("COFFEESHOP_WHATSAPP_PROVIDER", " webhook , twilio")
	t.Setenv("COFFEESHOP_EMAIL_PROVIDER", "webhook")
	w := parsed[*Worker](t, "worker")
	if w.WhatsAppProvider != "webhook,twilio" || w.EmailProvider != "webhook" {
		t.Fatalf("from the environment: %q, %q", w.WhatsAppProvider, w.EmailProvider)
	}
	w = parsed[*Worker](t, "worker", "--whatsapp-provider", "twilio", "--email-provider", "smtp,webhook")
	if w.WhatsAppProvider != "twilio" || w.EmailProvider != "smtp,webhook" {
		t.Fatalf("flags beat variables: %q, %q", w.WhatsAppProvider, w.EmailProvider)
	}

	// A worker whose SMS goes to the console sends WhatsApp and email
	// through the webhook, each message saying its channel.
	recv := webhooktest.New(t, []byte(testWebhookSecret))
	t.Setenv(envSMSWebhookSecret, testWebhookSecret)
	code, out := runArgs(t, "worker", "--code-secret", testSecretHex, "--no-encryption", "--whatsapp-provider", "webhook",
		"--email-provider", "webhook", "--sms-webhook-url", recv.URL)
	if code != 0 {
		t.Fatalf("valid settings refused: %s", out)
	}
	w = parsed[*Worker](t, "worker", "--whatsapp-provider", "webhook", "--email-provider", "webhook", "--sms-webhook-url", recv.URL)
	w.readAuthToken()
	c := Senders(&w.SMSFlags, &w.EmailFlags, false)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := c.Messages(log).SendMessage(context.Background(),
		coffeeshop.Message{Channel: coffeeshop.ChannelWhatsApp, To: "+447400123456", Body: "code"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Email(log).SendEmail(context.Background(), "ada@example.com", "Code", "code"); err != nil {
		t.Fatal(err)
	}
	got := recv.Messages()
	if len(got) != 2 || got[0]["channel"] != "whatsapp" || got[0]["to"] != "+447400123456" ||
		got[1]["channel"] != "email" || got[1]["to"] != "ada@example.com" || got[1]["subject"] != "Code" {
		t.Errorf("the webhook got %v, want the WhatsApp message and the email", got)
	}
	if d := c.Describe(); !strings.Contains(d, "WhatsApp: posted to the webhook") || !strings.Contains(d, "email: posted to the webhook") {
		t.Errorf("description %q", d)
	}
}

// An SMTP relay first and the webhook second make an email failover.
func TestEmailListMakesAFailover(t *testing.T) {
	clearChannelEnv(t)
	t.Setenv(envSMSWebhookSecret, testWebhookSecret)
	d := parsed[*Dev](t, "dev", "--email-provider", "smtp,webhook", "--smtp-addr", "smtp.example.com:587",
		"--smtp-from", "codes@example.com", "--sms-webhook-url", "https://hooks.example.com/send", "--sms-failover-after", "4")
	d.readAuthToken()
	f, ok := Senders(&d.SMSFlags, &d.EmailFlags, true).Email(nil).(*sms.Failover)
	if !ok || len(f.Providers) != 2 || f.Providers[0].Name != "smtp" || f.Providers[1].Name != "webhook" || f.After != 4 {
		t.Fatalf("email sender %#v", Senders(&d.SMSFlags, &d.EmailFlags, true).Email(nil))
	}
	if s, ok := f.Providers[0].Sender.(*email.SMTP); !ok || s.Addr != "smtp.example.com:587" {
		t.Errorf("first provider %#v", f.Providers[0].Sender)
	}
}

// Every bad list setting stops the start naming its flag, and never shows
// a secret.
func TestBadChannelListSettingsNameTheFlag(t *testing.T) {
	clearChannelEnv(t)
	secret := "--code-secret=" + testSecretHex
	t.Setenv("COFFEESHOP_NO_ENCRYPTION", "true")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"unknown WhatsApp provider", nil, []string{"worker", secret, "--whatsapp-provider", "twilio,pigeon"}, []string{"--whatsapp-provider", "pigeon"}},
		{"WhatsApp console", nil, []string{"worker", secret, "--whatsapp-provider", "console"}, []string{"--whatsapp-provider"}},
		{"WhatsApp twice", nil, []string{"worker", secret, "--whatsapp-provider", "webhook,webhook"}, []string{"--whatsapp-provider", "twice"}},
		{"unknown email provider", nil, []string{"worker", secret, "--email-provider", "sendgrid"}, []string{"--email-provider", "sendgrid"}},
		{"email twice", nil, []string{"dev", "--email-provider", "smtp,smtp"}, []string{"--email-provider", "twice"}},
		{"email variable", map[string]string{"COFFEESHOP_EMAIL_PROVIDER": "pigeon"}, []string{"worker", secret}, []string{"--email-provider", "COFFEESHOP_EMAIL_PROVIDER"}},
		{"WhatsApp webhook without URL and secret", nil, []string{"worker", secret, "--whatsapp-provider", "webhook"},
			[]string{"--whatsapp-provider (COFFEESHOP_WHATSAPP_PROVIDER) webhook needs --sms-webhook-url", envSMSWebhookSecret}},
		{"email webhook without URL", map[string]string{envSMSWebhookSecret: testWebhookSecret}, []string{"dev", "--email-provider", "webhook"},
			[]string{"--email-provider (COFFEESHOP_EMAIL_PROVIDER) webhook needs --sms-webhook-url"}},
		{"two lists name webhook", nil, []string{"worker", secret, "--sms-provider", "webhook", "--email-provider", "webhook"},
			[]string{"--sms-provider (COFFEESHOP_SMS_PROVIDER) and --email-provider (COFFEESHOP_EMAIL_PROVIDER) webhook needs --sms-webhook-url"}},
		{"WhatsApp twilio without credentials", nil, []string{"worker", secret, "--whatsapp-provider", "twilio"},
			[]string{"twilio needs --twilio-account-sid", "twilio needs " + envTwilioAuthToken, "twilio needs --twilio-whatsapp-from"}},
		{"WhatsApp twilio with a bad sender", map[string]string{envTwilioAuthToken: testAuthToken},
			[]string{"worker", secret, "--twilio-account-sid", testAccountSID, "--twilio-whatsapp-from", "Coffee"}, []string{"--twilio-whatsapp-from"}},
		{"smtp without --smtp-addr", nil, []string{"worker", secret, "--email-provider", "smtp"}, []string{"--email-provider (COFFEESHOP_EMAIL_PROVIDER) smtp needs --smtp-addr"}},
		{"whatsapp channel without a provider", nil, []string{"dev", "--channels", "sms,whatsapp"}, []string{"--channels", "--whatsapp-provider"}},
		{"public URL without Twilio on any list", map[string]string{envSMSWebhookSecret: testWebhookSecret},
			[]string{"worker", secret, "--public-url", "https://verify.example.com", "--sms-provider", "webhook", "--whatsapp-provider", "webhook",
				"--sms-webhook-url", "https://hooks.example.com/send?token=hush"}, []string{"--public-url", "--sms-provider"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			out := refused(t, tc.want[0], tc.args...)
			for _, w := range tc.want[1:] {
				if !strings.Contains(out, w) {
					t.Errorf("output %q does not name %s", out, w)
				}
			}
			if strings.Contains(out, testWebhookSecret) || strings.Contains(out, testAuthToken) || strings.Contains(out, "hush") {
				t.Errorf("output %q shows a secret", out)
			}
		})
	}
}

// WhatsApp and receipts no longer need Twilio as the one SMS provider.
func TestWhatsAppWithAnySMSProvider(t *testing.T) {
	clearChannelEnv(t)
	t.Setenv(envTwilioAuthToken, testAuthToken)
	t.Setenv(envSMSWebhookSecret, testWebhookSecret)
	for _, args := range [][]string{
		{"dev", "--channels", "sms,whatsapp", "--sms-provider", "webhook", "--sms-webhook-url", "https://hooks.example.com/send",
			"--twilio-account-sid", testAccountSID, "--twilio-whatsapp-from", "+15005550006", "--public-url", "http://127.0.0.1:8081"},
		{"dev", "--channels", "whatsapp,sms", "--whatsapp-provider", "webhook", "--sms-webhook-url", "https://hooks.example.com/send"},
		{"dev", "--channels", "sms,whatsapp", "--sms-provider", "twilio,webhook", "--whatsapp-provider", "twilio,webhook",
			"--twilio-account-sid", testAccountSID, "--twilio-from", "+15005550006", "--twilio-whatsapp-from", "+15005550006",
			"--sms-webhook-url", "https://hooks.example.com/send", "--public-url", "http://127.0.0.1:8081"},
	} {
		args = append(args, "--data-dir", t.TempDir())
		if code, out := runArgs(t, args...); code != 0 {
			t.Errorf("%v refused: %s", args, out)
		}
	}
}
