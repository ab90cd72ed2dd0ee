package email_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sms"
)

var webhookSecret = []byte("0123456789abcdef0123456789abcdef")

// webhookReceiver is a stand-in for an operator's email gateway behind
// the webhook: it checks each request's signature and keeps its JSON.
func webhookReceiver(t *testing.T) (*httptest.Server, func() []map[string]string) {
	var mu sync.Mutex
	var got []map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := sms.VerifyWebhookSignature(webhookSecret, r.Header, body, time.Now(), 0); err != nil {
			t.Errorf("receiver: %v", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var m map[string]string
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("receiver: %v", err)
		}
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv, func() []map[string]string {
		mu.Lock()
		defer mu.Unlock()
		return append([]map[string]string(nil), got...)
	}
}

// TestSMTPFailsOverToTheWebhook: a real SMTP server that answers 451 to
// every recipient makes the SMTP provider unhealthy after --sms-failover-
// after tries, and the email goes to the webhook; a 550 refuses the
// address and moves nothing.
func TestSMTPFailsOverToTheWebhook(t *testing.T) {
	s := startServer(t, serverOptions{})
	s.rejectTo["alice@example.com"] = &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	s.rejectTo["nobody@example.com"] = &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	srv, got := webhookReceiver(t)
	f := &sms.Failover{Providers: []sms.Provider{{Name: "smtp", Sender: s.sender(io.Discard)},
		{Name: "webhook", Sender: &sms.Webhook{URL: srv.URL, Secret: webhookSecret}}}, After: 2}
	ctx := context.Background()

	if err := f.SendEmail(ctx, "nobody@example.com", "Your code", "Your code is 482913"); coffeeshop.ErrorCode(err) != coffeeshop.EUNDELIVERABLE {
		t.Fatalf("550: %v, want EUNDELIVERABLE", err)
	}
	if err := f.SendEmail(ctx, "alice@example.com", "Your code", "Your code is 482913"); coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE {
		t.Fatalf("first 451: %v, want EUNAVAILABLE", err)
	}
	if n := len(got()); n != 0 {
		t.Fatalf("the webhook got %d emails before SMTP was unhealthy", n)
	}
	if err := f.SendEmail(ctx, "alice@example.com", "Your code", "Your code is 482913"); err != nil {
		t.Fatalf("second 451 should fail over: %v", err)
	}
	m := got()
	if len(m) != 1 || m[0]["channel"] != "email" || m[0]["to"] != "alice@example.com" || m[0]["subject"] != "Your code" ||
		m[0]["body"] != "Your code is 482913" {
		t.Fatalf("the webhook got %v", m)
	}
	if n := len(s.received()); n != 0 {
		t.Errorf("the SMTP server accepted %d emails", n)
	}
}
