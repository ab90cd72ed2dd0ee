package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/sms"
)

// The Twilio settings' variables (the auth token's is envTwilioAuthToken).
const (
	envTwilioAccountSID = "TWILIO_ACCOUNT_SID"
	envTwilioFrom       = "TWILIO_FROM_NUMBER"
	envTwilioService    = "TWILIO_MESSAGING_SERVICE_SID"
	envTwilioBaseURL    = "TWILIO_BASE_URL"
)

const (
	testAccountSID = "AC0123456789abcdef0123456789abcdef"
	testServiceSID = "MG0123456789abcdef0123456789abcdef"
	testAuthToken  = "f00dfacef00dfacef00dfacef00dface"
)

// clearSMSEnv unsets every SMS variable for the test, whatever the machine
// has set.
func clearSMSEnv(t *testing.T) {
	t.Helper()
	for _, env := range []string{"COFFEESHOP_SMS_PROVIDER", envTwilioAccountSID, envTwilioAuthToken, envTwilioFrom,
		envTwilioService, envTwilioBaseURL, envSMSWebhookSecret, "COFFEESHOP_SMS_WEBHOOK_URL",
		"COFFEESHOP_SMS_FAILOVER_AFTER", "COFFEESHOP_SMS_FAILOVER_COOLDOWN", "COFFEESHOP_SMTP_ADDR", "COFFEESHOP_SMTP_FROM",
		"COFFEESHOP_SMTP_USERNAME", "COFFEESHOP_SMTP_TLS", envSMTPPassword} {
		t.Setenv(env, "") // restores the old value after the test
		os.Unsetenv(env)
	}
}

func TestSMSSettingsDefaultToConsole(t *testing.T) {
	clearSMSEnv(t)
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	for cmd, cfg := range map[string]*CodeFlags{"dev": &parsed[*Dev](t, "dev").CodeFlags, "worker": &parsed[*Worker](t, "worker").CodeFlags} {
		if cfg.SMSProvider != smsConsole {
			t.Errorf("%s: provider %q, want console", cmd, cfg.SMSProvider)
		}
		if _, ok := sms.New(cfg.SMS(), nil).(*sms.Console); !ok {
			t.Errorf("%s: sender %T, want *sms.Console", cmd, sms.New(cfg.SMS(), nil))
		}
	}
}

func TestTwilioSettingsFromTheEnvironment(t *testing.T) {
	clearSMSEnv(t)
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	t.Setenv("COFFEESHOP_SMS_PROVIDER", "twilio")
	t.Setenv(envTwilioAccountSID, testAccountSID)
	t.Setenv(envTwilioAuthToken, testAuthToken)
	t.Setenv(envTwilioFrom, "+15005550006")
	cfg := parsed[*Worker](t, "worker")
	tw, ok := sms.New(cfg.SMS(), nil).(*sms.Twilio)
	if !ok {
		t.Fatalf("sender %T, want *sms.Twilio", sms.New(cfg.SMS(), nil))
	}
	if tw.AccountSID != testAccountSID || tw.AuthToken != testAuthToken || tw.From != "+15005550006" ||
		tw.MessagingServiceSID != "" || tw.BaseURL != sms.DefaultTwilioBaseURL {
		t.Errorf("sender %+v", tw)
	}

	// Flags beat the environment; a Messaging Service instead of a number.
	t.Setenv(envTwilioFrom, "")
	os.Unsetenv(envTwilioFrom)
	dev := parsed[*Dev](t, "dev", "--twilio-messaging-service-sid", testServiceSID,
		"--twilio-base-url", "http://127.0.0.1:9999")
	tw = sms.New(dev.SMS(), nil).(*sms.Twilio)
	if tw.MessagingServiceSID != testServiceSID || tw.From != "" || tw.BaseURL != "http://127.0.0.1:9999" {
		t.Errorf("sender %+v", tw)
	}

	// The configured sender talks to the configured base URL.
	type request struct{ path, user, pass string }
	got := make(chan request, 1)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		got <- request{r.URL.Path, user, pass}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"sid":"SM1","status":"queued"}`)
	}))
	defer fake.Close()
	cfg = parsed[*Worker](t, "worker", "--twilio-from", "Coffeeshop", "--twilio-base-url", fake.URL)
	if err := sms.New(cfg.SMS(), slog.New(slog.NewTextHandler(io.Discard, nil))).SendSMS(context.Background(), "+447700900123", "hi"); err != nil {
		t.Fatalf("SendSMS: %v", err)
	}
	if r := <-got; r.path != "/2010-04-01/Accounts/"+testAccountSID+"/Messages.json" ||
		r.user != testAccountSID || r.pass != testAuthToken {
		t.Errorf("request %s as %q", r.path, r.user)
	}
}

func TestBadSMSSettingsNameTheSetting(t *testing.T) {
	clearSMSEnv(t)
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	twilio := []string{"worker", "--sms-provider", "twilio"}
	with := func(base []string, more ...string) []string { return append(append([]string(nil), base...), more...) }
	good := with(twilio, "--twilio-account-sid", testAccountSID)
	for _, tc := range []struct {
		name  string
		token string // TWILIO_AUTH_TOKEN; "" leaves it unset
		args  []string
		want  []string
	}{
		{"unknown provider", "", []string{"dev", "--sms-provider", "pigeon"}, []string{"--sms-provider", "console, twilio or webhook"}},
		{"nothing set", "", twilio, []string{envTwilioAccountSID, envTwilioAuthToken, "--twilio-from", envTwilioService}},
		{"bad account SID", testAuthToken, with(twilio, "--twilio-account-sid", "SK123", "--twilio-from", "+15005550006"),
			[]string{"--twilio-account-sid"}},
		{"no token", "", with(good, "--twilio-from", "+15005550006"), []string{envTwilioAuthToken}},
		{"token with a space", "f00d face", with(good, "--twilio-from", "+15005550006"), []string{envTwilioAuthToken}},
		{"no sender", testAuthToken, good, []string{"--twilio-from", "--twilio-messaging-service-sid"}},
		{"two senders", testAuthToken, with(good, "--twilio-from", "+15005550006", "--twilio-messaging-service-sid", testServiceSID),
			[]string{"only one"}},
		{"bad number", testAuthToken, with(good, "--twilio-from", "+1 500 555"), []string{"--twilio-from"}},
		{"bad service SID", testAuthToken, with(good, "--twilio-messaging-service-sid", "MG12"), []string{"--twilio-messaging-service-sid"}},
		{"bad base URL", testAuthToken, with(good, "--twilio-from", "Coffeeshop", "--twilio-base-url", "api.twilio.com"),
			[]string{"--twilio-base-url"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.token != "" {
				t.Setenv(envTwilioAuthToken, tc.token)
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
			if tc.token != "" && strings.Contains(out, tc.token) {
				t.Errorf("output %q shows the auth token", out)
			}
		})
	}
}

func TestSMSFlagsOnlyWhereCodesAreSent(t *testing.T) {
	clearSMSEnv(t)
	// api and temporal send no codes: they have no --sms-provider.
	for _, cmd := range []string{"api", "temporal"} {
		if code, out := runArgs(t, cmd, "--sms-provider", "twilio"); code != 2 || !strings.Contains(out, "unknown flag --sms-provider") {
			t.Errorf("%s --sms-provider: exit %d, output %q", cmd, code, out)
		}
	}
}
