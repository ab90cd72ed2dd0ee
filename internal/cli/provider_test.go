package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/email"
	"github.com/coffeeshop/coffeeshop/sms"
)

const testWebhookSecret = "0123456789abcdef0123456789abcdef"

func TestWebhookSettings(t *testing.T) {
	clearSMSEnv(t)
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	got := make(chan error, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- sms.VerifyWebhookSignature([]byte(testWebhookSecret), r.Header, body, time.Now(), 0)
	}))
	defer recv.Close()
	t.Setenv(envSMSWebhookSecret, testWebhookSecret)
	t.Setenv("COFFEESHOP_SMS_WEBHOOK_URL", recv.URL+"/texts")
	cfg := parsed[*Worker](t, "worker", "--sms-provider", "webhook")
	w, ok := sms.New(cfg.SMS(), nil).(*sms.Webhook)
	if !ok || w.URL != recv.URL+"/texts" || string(w.Secret) != testWebhookSecret {
		t.Fatalf("sender %#v", sms.New(cfg.SMS(), nil))
	}
	if err := w.SendSMS(context.Background(), "+447400123456", "hi"); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("the receiver refused the signature: %v", err)
	}
}

func TestProviderListMakesAFailover(t *testing.T) {
	clearSMSEnv(t)
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	t.Setenv(envTwilioAuthToken, testAuthToken)
	t.Setenv(envSMSWebhookSecret, testWebhookSecret)
	cfg := parsed[*Dev](t, "dev", "--sms-provider", " twilio , webhook", "--twilio-account-sid", testAccountSID,
		"--twilio-from", "+15005550006", "--sms-webhook-url", "https://sms.example.com/send",
		"--sms-failover-after", "5", "--sms-failover-cooldown", "30s")
	f, ok := sms.New(cfg.SMS(), nil).(*sms.Failover)
	if !ok || len(f.Providers) != 2 || f.Providers[0].Name != "twilio" || f.Providers[1].Name != "webhook" ||
		f.After != 5 || f.Cooldown != 30*time.Second {
		t.Fatalf("sender %#v", sms.New(cfg.SMS(), nil))
	}
	// Defaults.
	cfg = parsed[*Dev](t, "dev", "--sms-provider", "webhook,twilio", "--twilio-account-sid", testAccountSID,
		"--twilio-from", "+15005550006", "--sms-webhook-url", "https://sms.example.com/send")
	if f := sms.New(cfg.SMS(), nil).(*sms.Failover); f.After != 3 || f.Cooldown != time.Minute || f.Providers[0].Name != "webhook" {
		t.Fatalf("failover %+v", f)
	}
}

func TestBadWebhookAndListSettings(t *testing.T) {
	clearSMSEnv(t)
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	for _, tc := range []struct {
		name   string
		secret string
		args   []string
		want   []string
	}{
		{"no URL, no secret", "", []string{"worker", "--sms-provider", "webhook"}, []string{"--sms-webhook-url", envSMSWebhookSecret}},
		{"short secret", "short", []string{"worker", "--sms-provider", "webhook", "--sms-webhook-url", "https://x.example/s"},
			[]string{envSMSWebhookSecret, "32 bytes"}},
		{"not a URL", testWebhookSecret, []string{"worker", "--sms-provider", "webhook", "--sms-webhook-url", "ftp://x.example/s?token=hush"},
			[]string{"--sms-webhook-url"}},
		{"twice", "", []string{"worker", "--sms-provider", "webhook,webhook"}, []string{"twice"}},
		{"console in a list", "", []string{"worker", "--sms-provider", "console,twilio"}, []string{"console"}},
		{"empty entry", "", []string{"worker", "--sms-provider", "twilio,,webhook"}, []string{"--sms-provider"}},
		{"twilio in a list still checked", testWebhookSecret, []string{"worker", "--sms-provider", "webhook,twilio", "--sms-webhook-url", "https://x.example/s"},
			[]string{"--twilio-account-sid"}},
		{"failover after 0", "", []string{"worker", "--sms-failover-after", "0"}, []string{"--sms-failover-after"}},
		{"cooldown too long", "", []string{"worker", "--sms-failover-cooldown", "2h"}, []string{"--sms-failover-cooldown"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.secret != "" {
				t.Setenv(envSMSWebhookSecret, tc.secret)
			}
			code, out := runArgs(t, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2; output %q", code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output %q does not name %s", out, w)
				}
			}
			if strings.Contains(out, "hush") || (tc.secret != "" && strings.Contains(out, tc.secret)) {
				t.Errorf("output %q shows a secret", out)
			}
		})
	}
}

func TestEmailSettings(t *testing.T) {
	clearSMSEnv(t)
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dev := func(c *Dev) coffeeshop.EmailSender { return Senders(&c.SMSFlags, &c.EmailFlags, true).Email(log) }
	worker := func(c *Worker) coffeeshop.EmailSender { return Senders(&c.SMSFlags, &c.EmailFlags, false).Email(log) }

	// Without --smtp-addr: the console in dev, nothing in worker.
	if _, ok := dev(parsed[*Dev](t, "dev")).(*email.Console); !ok {
		t.Errorf("dev without --smtp-addr: not the console")
	}
	if s := worker(parsed[*Worker](t, "worker")); s != nil {
		t.Errorf("worker without --smtp-addr: %T, want none", s)
	}

	t.Setenv(envSMTPPassword, "hunter2hunter2")
	t.Setenv("COFFEESHOP_SMTP_ADDR", "smtp.example.com:587")
	w := parsed[*Worker](t, "worker", "--smtp-from", "Coffeeshop <codes@example.com>", "--smtp-username", "apikey")
	s, ok := worker(w).(*email.SMTP)
	if !ok || s.Addr != "smtp.example.com:587" || s.From != "Coffeeshop <codes@example.com>" || s.Username != "apikey" ||
		s.Password != "hunter2hunter2" || !s.RequireTLS || s.Logger != log {
		t.Fatalf("sender %#v", worker(w))
	}
	// TLS off is allowed with a loopback server.
	d := parsed[*Dev](t, "dev", "--smtp-addr", "127.0.0.1:2525", "--smtp-from", "codes@example.com", "--smtp-username", "u", "--smtp-tls=false")
	if s := dev(d).(*email.SMTP); s.RequireTLS {
		t.Errorf("--smtp-tls=false: RequireTLS still set")
	}
}

func TestBadEmailSettings(t *testing.T) {
	clearSMSEnv(t)
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	for _, tc := range []struct {
		name     string
		password string
		args     []string
		want     []string
	}{
		{"no from", "", []string{"worker", "--smtp-addr", "smtp.example.com:587"}, []string{"--smtp-from"}},
		{"bad from", "", []string{"worker", "--smtp-addr", "smtp.example.com:587", "--smtp-from", "codes"}, []string{"--smtp-from"}},
		{"from without addr", "", []string{"dev", "--smtp-from", "codes@example.com"}, []string{"--smtp-addr"}},
		{"bad addr", "", []string{"worker", "--smtp-addr", "smtp.example.com"}, []string{"--smtp-addr"}},
		{"user without password", "", []string{"worker", "--smtp-addr", "smtp.example.com:587", "--smtp-from", "c@example.com",
			"--smtp-username", "u"}, []string{envSMTPPassword}},
		{"password in clear to a remote server", "s3cret-pass", []string{"worker", "--smtp-addr", "smtp.example.com:587",
			"--smtp-from", "c@example.com", "--smtp-username", "u", "--smtp-tls=false"}, []string{"--smtp-tls"}},
		{"not on api", "", []string{"api", "--smtp-addr", "smtp.example.com:587"}, []string{"unknown flag --smtp-addr"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.password != "" {
				t.Setenv(envSMTPPassword, tc.password)
			}
			code, out := runArgs(t, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2; output %q", code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output %q does not name %s", out, w)
				}
			}
			if tc.password != "" && strings.Contains(out, tc.password) {
				t.Errorf("output %q shows the password", out)
			}
		})
	}
}
