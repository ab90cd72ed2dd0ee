package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/sms/webhooktest"
)

// TestDevWebhookProviderOnEveryChannel runs dev with the webhook as the SMS
// and the email provider, against a stand-in receiver that checks every
// request's HMAC-SHA256 signature: an SMS customer's code and an email
// customer's code (asked for with "channel", in Spanish) each arrive as a
// signed JSON POST naming its channel, and each verifies. Nothing is
// printed by the console senders.
func TestDevWebhookProviderOnEveryChannel(t *testing.T) {
	secret := "0123456789abcdef0123456789abcdef-e2e"
	recv := webhooktest.New(t, []byte(secret))
	s := newDevStack(t)
	p, stdout, _ := devWithStdout(t, s, []string{"COFFEESHOP_SMS_WEBHOOK_SECRET=" + secret},
		"--sms-provider", "webhook", "--email-provider", "webhook", "--sms-webhook-url", recv.URL, "--channels", "sms,email")
	a := api{t: t, base: "http://" + s.http}
	waitHTTP(t, p, a.base)

	code := regexp.MustCompile(`\b(\d{10})\b`)
	received := func(channel, to string) map[string]string {
		var got map[string]string
		waitFor(t, p, channel+" message to the webhook", time.Minute, func() bool {
			for _, m := range recv.Messages() {
				if m["channel"] == channel && m["to"] == to {
					got = m
					return true
				}
			}
			return false
		})
		return got
	}

	smsID := a.create("+447400123456")
	m := received("sms", "+447400123456")
	c := code.FindStringSubmatch(m["body"])
	if c == nil || m["subject"] != "" || m["id"] == "" {
		t.Fatalf("SMS message %v: want a body with the code, an id and no subject", m)
	}
	expect(t, "the SMS's code", a.verify(smsID, c[1]), "VERIFICATION_RESULT_SUCCESS")

	const email = "ana@example.com"
	r := a.send("POST", "/v1/customers", `{"customer":{"first_name":"Ana","last_name":"B","email":"`+email+
		`","phone_number":"+447400123457"},"channel":"email","locale":"es"}`)
	cust, _ := r.body["customer"].(map[string]any)
	emailID, _ := cust["id"].(string)
	if r.status != http.StatusOK || emailID == "" {
		t.Fatalf("create with channel email: %d %v", r.status, r.body)
	}
	m = received("email", email)
	c = code.FindStringSubmatch(m["body"])
	if c == nil || m["subject"] != "Tu código de verificación de coffeeshop" || !strings.HasPrefix(m["body"], "Tu código") {
		t.Fatalf("email message %v: want the code, in Spanish, with its subject", m)
	}
	expect(t, "the email's code", a.verify(emailID, c[1]), "VERIFICATION_RESULT_SUCCESS")

	if n := len(recv.Messages()); n != 2 {
		t.Errorf("the webhook got %d messages, want 2", n)
	}
	if out := stdout.String(); strings.Contains(out, "SMS to ") || strings.Contains(out, "Email to ") {
		t.Errorf("a console sender printed a message:\n%s", out)
	}
}
