package sms_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sms"
)

// scripted is a provider that answers each send with the next error of
// its script (nil when it has run out) and counts its sends.
type scripted struct {
	errs  []error
	sends int
}

func (s *scripted) SendMessage(ctx context.Context, m coffeeshop.Message) (string, error) {
	s.sends++
	if len(s.errs) == 0 {
		return "id-" + strconv.Itoa(s.sends), nil
	}
	err := s.errs[0]
	s.errs = s.errs[1:]
	return "", err
}

var (
	errDown   = coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "provider down")
	errRefuse = coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "not a mobile number")
)

func repeat(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}

func TestFailoverSkipsAFailingProviderForACooldown(t *testing.T) {
	clock := newClock()
	first := &scripted{errs: repeat(errDown, 4)}
	second := &scripted{}
	var logs bytes.Buffer
	f := &sms.Failover{Providers: []sms.Provider{{Name: "twilio", Sender: first}, {Name: "webhook", Sender: second}},
		Now: clock.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx := context.Background()

	// Two failures: returned, for the caller to retry; no failover yet.
	for i := range 2 {
		if err := f.SendSMS(ctx, "+447400123456", "x"); coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE {
			t.Fatalf("send %d: error %v, want the provider's", i, err)
		}
	}
	if first.sends != 2 || second.sends != 0 {
		t.Fatalf("sends %d, %d; want 2, 0", first.sends, second.sends)
	}
	// The third makes the first unhealthy: the same send goes on to the
	// second provider.
	if err := f.SendSMS(ctx, "+447400123456", "x"); err != nil {
		t.Fatal(err)
	}
	if first.sends != 3 || second.sends != 1 {
		t.Fatalf("sends %d, %d; want 3, 1", first.sends, second.sends)
	}
	if !strings.Contains(logs.String(), "provider=twilio") || !strings.Contains(logs.String(), "skipped") {
		t.Errorf("no log naming the skipped provider: %s", logs.String())
	}
	// During the cooldown the first is not tried.
	clock.Add(59 * time.Second)
	if err := f.SendSMS(ctx, "+447400123456", "x"); err != nil || first.sends != 3 || second.sends != 2 {
		t.Fatalf("in the cooldown: error %v, sends %d, %d", err, first.sends, second.sends)
	}
	// After it, the first is tried again; a single failure skips it anew.
	clock.Add(time.Second)
	if err := f.SendSMS(ctx, "+447400123456", "x"); err != nil || first.sends != 4 || second.sends != 3 {
		t.Fatalf("after the cooldown: error %v, sends %d, %d", err, first.sends, second.sends)
	}
	clock.Add(30 * time.Second)
	if err := f.SendSMS(ctx, "+447400123456", "x"); err != nil || first.sends != 4 || second.sends != 4 {
		t.Fatalf("second cooldown: error %v, sends %d, %d", err, first.sends, second.sends)
	}
	// Its script has run out: after the cooldown it works and is healthy.
	clock.Add(31 * time.Second)
	logs.Reset()
	if err := f.SendSMS(ctx, "+447400123456", "x"); err != nil || first.sends != 5 || second.sends != 4 {
		t.Fatalf("recovered: error %v, sends %d, %d", err, first.sends, second.sends)
	}
	if !strings.Contains(logs.String(), "healthy again") {
		t.Errorf("no log of the recovery: %s", logs.String())
	}
}

func TestFailoverSuccessResetsTheCount(t *testing.T) {
	clock := newClock()
	first := &scripted{errs: []error{errDown, errDown, nil, errDown, errDown}}
	second := &scripted{}
	f := &sms.Failover{Providers: []sms.Provider{{Name: "a", Sender: first}, {Name: "b", Sender: second}}, Now: clock.Now}
	for range 5 {
		f.SendSMS(context.Background(), "+447400123456", "x")
	}
	if second.sends != 0 {
		t.Fatalf("failures not in a row moved %d sends to the second provider", second.sends)
	}
}

func TestFailoverReturnsAPermanentRefusalAtOnce(t *testing.T) {
	clock := newClock()
	first := &scripted{errs: repeat(errRefuse, 5)}
	second := &scripted{}
	f := &sms.Failover{Providers: []sms.Provider{{Name: "a", Sender: first}, {Name: "b", Sender: second}}, After: 2, Now: clock.Now}
	for range 5 {
		if err := f.SendSMS(context.Background(), "+447400123456", "x"); coffeeshop.ErrorCode(err) != coffeeshop.EUNDELIVERABLE {
			t.Fatalf("error %v, want EUNDELIVERABLE", err)
		}
	}
	if first.sends != 5 || second.sends != 0 {
		t.Fatalf("sends %d, %d: a refusal of the number must neither fail over nor count against the provider", first.sends, second.sends)
	}
}

func TestFailoverWhenEveryProviderIsCoolingDown(t *testing.T) {
	clock := newClock()
	first := &scripted{errs: repeat(errDown, 10)}
	second := &scripted{errs: repeat(errDown, 10)}
	f := &sms.Failover{Providers: []sms.Provider{{Name: "a", Sender: first}, {Name: "b", Sender: second}},
		After: 1, Cooldown: 10 * time.Second, Now: clock.Now}
	// One send trips both (After 1), and returns the last error.
	if err := f.SendSMS(context.Background(), "+447400123456", "x"); coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE {
		t.Fatalf("error %v", err)
	}
	err := f.SendSMS(context.Background(), "+447400123456", "x")
	if coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE || !strings.Contains(err.Error(), "a, b") {
		t.Fatalf("error %v, want EUNAVAILABLE naming the providers", err)
	}
	if first.sends != 1 || second.sends != 1 {
		t.Fatalf("sends %d, %d: nobody is tried in a cooldown", first.sends, second.sends)
	}
	clock.Add(10 * time.Second)
	f.SendSMS(context.Background(), "+447400123456", "x")
	if first.sends != 2 {
		t.Fatalf("after the cooldown the first provider was not tried again")
	}
}

// TestFailoverFromWebhookToWebhook fails over between two real webhook
// senders whose stand-in receivers answer 503 and 200.
func TestFailoverFromWebhookToWebhook(t *testing.T) {
	clock := newClock()
	down := newReceiver(t, clock.Now, http.StatusServiceUnavailable, http.StatusServiceUnavailable)
	up := newReceiver(t, clock.Now)
	cfg := sms.Config{Provider: "webhook", Webhook: sms.Webhook{URL: down.srv.URL, Secret: webhookSecret, Now: clock.Now}}
	one := sms.New(cfg, nil).(coffeeshop.MessageSender)
	f := &sms.Failover{Providers: []sms.Provider{{Name: "down", Sender: one},
		{Name: "up", Sender: &sms.Webhook{URL: up.srv.URL, Secret: webhookSecret, Now: clock.Now}}}, After: 2, Now: clock.Now}
	if err := f.SendSMS(context.Background(), "+447400123456", "code 1"); coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE {
		t.Fatalf("first send: %v", err)
	}
	if err := f.SendSMS(context.Background(), "+447400123456", "code 1"); err != nil {
		t.Fatalf("second send: %v", err)
	}
	if len(down.messages()) != 2 || len(up.messages()) != 1 || up.messages()[0]["body"] != "code 1" {
		t.Fatalf("down got %d, up got %d", len(down.messages()), len(up.messages()))
	}
}

// A primary whose receiver refuses our secret (401) is a failing provider:
// after After sends the codes go through the next one, instead of every
// number being called undeliverable.
func TestFailoverMovesOnFromRefusedCredentials(t *testing.T) {
	clock := newClock()
	wrong := newReceiver(t, clock.Now)
	up := newReceiver(t, clock.Now)
	f := &sms.Failover{Providers: []sms.Provider{
		{Name: "wrong secret", Sender: &sms.Webhook{URL: wrong.srv.URL, Secret: []byte("another secret of at least 32 bytes!!"), Now: clock.Now}},
		{Name: "up", Sender: &sms.Webhook{URL: up.srv.URL, Secret: webhookSecret, Now: clock.Now}}}, After: 2, Now: clock.Now}
	if err := f.SendSMS(context.Background(), "+447400123456", "code 1"); coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE {
		t.Fatalf("first send: %v, want EUNAVAILABLE (retried)", err)
	}
	if err := f.SendSMS(context.Background(), "+447400123456", "code 1"); err != nil {
		t.Fatalf("second send: %v, want it sent through the next provider", err)
	}
	if wrong.badSigs != 2 || len(up.messages()) != 1 {
		t.Fatalf("wrong secret refused %d, up got %d; want 2 and 1", wrong.badSigs, len(up.messages()))
	}
}

func TestNewBuildsAFailoverForAList(t *testing.T) {
	var named []string
	cfg := sms.Config{Provider: "twilio, webhook", Instrument: func(s coffeeshop.MessageSender, ch coffeeshop.Channel, p string) coffeeshop.MessageSender {
		named = append(named, p)
		return s
	}}
	f, ok := sms.New(cfg, nil).(*sms.Failover)
	if !ok || len(f.Providers) != 2 || f.Providers[0].Name != "twilio" || f.Providers[1].Name != "webhook" {
		t.Fatalf("sender %#v", sms.New(cfg, nil))
	}
	if strings.Join(named, ",") != "twilio,webhook" {
		t.Errorf("instrumented %v", named)
	}
	if _, ok := f.Providers[1].Sender.(*sms.Webhook); !ok {
		t.Errorf("second provider %T", f.Providers[1].Sender)
	}
	if !cfg.Has(sms.ProviderWebhook) || cfg.Has(sms.ProviderConsole) {
		t.Errorf("Has is wrong for %q", cfg.Provider)
	}
}
