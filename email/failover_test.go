package email_test

import (
	"context"
	"io"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sms"
	"github.com/coffeeshop/coffeeshop/sms/webhooktest"
)

var webhookSecret = []byte("0123456789abcdef0123456789abcdef")

// TestSMTPFailsOverToTheWebhook: a real SMTP server that answers 451 to
// every recipient makes the SMTP provider unhealthy after --sms-failover-
// after tries, and the email goes to the webhook; a 550 refuses the
// address and moves nothing.
func TestSMTPFailsOverToTheWebhook(t *testing.T) {
	s := startServer(t, serverOptions{})
	s.rejectTo["alice@example.com"] = &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	s.rejectTo["nobody@example.com"] = &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	recv := webhooktest.New(t, webhookSecret)
	f := &sms.Failover{Providers: []sms.Provider{{Name: "smtp", Sender: s.sender(io.Discard)},
		{Name: "webhook", Sender: &sms.Webhook{URL: recv.URL, Secret: webhookSecret}}}, After: 2}
	ctx := context.Background()

	if err := f.SendEmail(ctx, "nobody@example.com", "Your code", "Your code is 482913"); coffeeshop.ErrorCode(err) != coffeeshop.EUNDELIVERABLE {
		t.Fatalf("550: %v, want EUNDELIVERABLE", err)
	}
	if err := f.SendEmail(ctx, "alice@example.com", "Your code", "Your code is 482913"); coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE {
		t.Fatalf("first 451: %v, want EUNAVAILABLE", err)
	}
	if n := len(recv.Messages()); n != 0 {
		t.Fatalf("the webhook got %d emails before SMTP was unhealthy", n)
	}
	if err := f.SendEmail(ctx, "alice@example.com", "Your code", "Your code is 482913"); err != nil {
		t.Fatalf("second 451 should fail over: %v", err)
	}
	m := recv.Messages()
	if len(m) != 1 || m[0]["channel"] != "email" || m[0]["to"] != "alice@example.com" || m[0]["subject"] != "Your code" ||
		m[0]["body"] != "Your code is 482913" {
		t.Fatalf("the webhook got %v", m)
	}
	if n := len(s.received()); n != 0 {
		t.Errorf("the SMTP server accepted %d emails", n)
	}
}
