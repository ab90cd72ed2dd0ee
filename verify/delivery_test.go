package verify_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sms"
	"github.com/coffeeshop/coffeeshop/sms/webhooktest"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/verify"
	"go.temporal.io/sdk/testsuite"
)

// recordingMessages stands in for Twilio's Messages API: it remembers each
// message as "<channel>:<body's code>" and answers with a message ID.
type recordingMessages struct {
	mu     sync.Mutex
	sent   []string
	reject map[coffeeshop.Channel]bool
}

func (r *recordingMessages) SendMessage(ctx context.Context, m coffeeshop.Message) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reject[m.Channel] {
		return "", coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "refused")
	}
	if m.StatusCallback == "" {
		return "", fmt.Errorf("message without a status callback")
	}
	code := strings.Fields(strings.TrimPrefix(m.Body, "Your coffeeshop verification code is "))[0]
	r.sent = append(r.sent, string(m.Channel)+":"+strings.TrimSuffix(code, "."))
	return fmt.Sprintf("SM%d", len(r.sent)), nil
}

func (r *recordingMessages) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sent...)
}

// receiptVersions are the behaviours (Params.Version) of runs that follow
// receipts: 0, a run started without the field (by an api of issue 14's
// builds), which takes receipts from workflow.GetVersion; and the version
// new runs start with, which also sends the first code in the first
// workflow task.
var receiptVersions = []int{0, verify.CurrentVersion}

// eachVersion runs test once for each of receiptVersions.
func eachVersion(t *testing.T, test func(t *testing.T, version int)) {
	for _, v := range receiptVersions {
		t.Run(fmt.Sprintf("version=%d", v), func(t *testing.T) { test(t, v) })
	}
}

// newReceiptHarness is newHarness with a message sender that reports
// receipts, the channels SMS then WhatsApp, and the run's version;
// configure, if given, changes the activities before they are registered.
func newReceiptHarness(t *testing.T, msgs *recordingMessages, version int, configure ...func(*verify.Activities)) *harness {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "customers.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	cust := &coffeeshop.Customer{ID: "6f1c1f5e-4b8e-4d3a-9a57-2f1f0f0b6c11", FirstName: "Ada", LastName: "Lovelace",
		Email: "ada@example.com", PhoneNumber: "+447400123456"}
	if err := store.InsertCustomer(context.Background(), cust); err != nil {
		t.Fatalf("create customer: %v", err)
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	sms := &recordingSMS{}
	acts := &verify.Activities{Store: store, Ledger: store, SMS: sms, NewCode: sequentialCodes(),
		Secret: testSecret, Now: env.Now, Messages: msgs,
		ReceiptURL: func(c string, n int) string { return fmt.Sprintf("https://example.test/status?c=%s&n=%d", c, n) }}
	for _, c := range configure {
		c(acts)
	}
	verify.Register(env, acts)
	return &harness{t: t, env: env, store: store, sms: sms, cust: cust,
		params: verify.Params{CustomerID: cust.ID, PhoneNumber: cust.PhoneNumber, DeliveryTimeout: time.Minute, CodeTTL: time.Hour,
			Channels: []coffeeshop.Channel{coffeeshop.ChannelSMS, coffeeshop.ChannelWhatsApp}, Version: version}}
}

// receipt signals a receipt of send n after delay.
func (h *harness) receipt(delay time.Duration, n int, id string, status coffeeshop.DeliveryStatus) {
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(verify.DeliverySignal, coffeeshop.Receipt{Send: n, MessageID: id, Status: status,
			ErrorCode: map[bool]string{true: "30003"}[status.Failed()], At: h.env.Now()})
	}, delay)
}

// wantDelivery checks the status's delivery at delay.
func (h *harness) wantDelivery(delay time.Duration, ch coffeeshop.Channel, status coffeeshop.DeliveryStatus, noFallback bool) {
	h.query(delay, func(_ time.Time, st verify.Status) {
		d := st.Delivery
		if d == nil || d.Channel != ch || d.Status != status || d.NoFallback != noFallback {
			h.t.Errorf("at %s: delivery %+v, want %s %s noFallback=%v", delay, d, ch, status, noFallback)
		}
	})
}

func wantMessages(t *testing.T, msgs *recordingMessages, want ...string) {
	t.Helper()
	if got := msgs.messages(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("messages %v, want %v", got, want)
	}
}

func TestUndeliveredFallsBackToWhatsApp(t *testing.T) {
	eachVersion(t, func(t *testing.T, version int) {
		msgs := &recordingMessages{}
		h := newReceiptHarness(t, msgs, version)
		h.receipt(2*time.Second, 1, "SM1", coffeeshop.DeliverySent)
		h.receipt(5*time.Second, 1, "SM1", coffeeshop.DeliveryUndelivered)
		// A late, out-of-order receipt of the SMS changes nothing.
		h.receipt(8*time.Second, 1, "SM1", coffeeshop.DeliveryDelivered)
		h.query(10*time.Second, func(_ time.Time, st verify.Status) {
			if st.SendsLeft != verify.DefaultMaxSends-1 || st.AttemptsLeft != verify.DefaultMaxAttempts {
				h.t.Errorf("the fallback consumed a send or attempt: %+v", st)
			}
		})
		h.wantDelivery(10*time.Second, coffeeshop.ChannelWhatsApp, coffeeshop.DeliveryQueued, false)
		h.attempt(20*time.Second, "1111") // the SMS's code no longer works; "3333" goes out on WhatsApp
		h.attempt(30*time.Second, "3333")
		if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
			t.Errorf("final = %v, want SUCCESS", final.Result)
		}
		h.wantAnswers("verify:INCORRECT_CODE", "verify:SUCCESS")
		wantMessages(t, msgs, "sms:1111", "whatsapp:2222", "whatsapp:3333")
		h.wantTexts(0)
	})
}

func TestNoReceiptInTimeFallsBack(t *testing.T) {
	eachVersion(t, func(t *testing.T, version int) {
		msgs := &recordingMessages{}
		h := newReceiptHarness(t, msgs, version)
		h.receipt(10*time.Second, 1, "SM1", coffeeshop.DeliverySent) // sent, never delivered
		h.wantDelivery(50*time.Second, coffeeshop.ChannelSMS, coffeeshop.DeliverySent, false)
		h.wantDelivery(70*time.Second, coffeeshop.ChannelWhatsApp, coffeeshop.DeliveryQueued, false)
		// WhatsApp is the last channel: its silence sends nothing more.
		h.query(30*time.Minute, func(_ time.Time, st verify.Status) {
			if n := len(msgs.messages()); n != 2 {
				h.t.Errorf("%d messages after 30 minutes, want 2", n)
			}
		})
		h.attempt(31*time.Minute, "2222")
		if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
			t.Errorf("final = %v, want SUCCESS", final.Result)
		}
		wantMessages(t, msgs, "sms:1111", "whatsapp:2222")
	})
}

func TestDeliveredDoesNotFallBack(t *testing.T) {
	eachVersion(t, func(t *testing.T, version int) {
		msgs := &recordingMessages{}
		h := newReceiptHarness(t, msgs, version)
		h.receipt(5*time.Second, 1, "SM1", coffeeshop.DeliveryDelivered)
		h.receipt(6*time.Second, 1, "SM1", coffeeshop.DeliverySent)        // out of order: ignored
		h.receipt(7*time.Second, 1, "SM9", coffeeshop.DeliveryUndelivered) // another message: ignored
		h.receipt(8*time.Second, 2, "SM1", coffeeshop.DeliveryUndelivered) // another send: ignored
		h.wantDelivery(10*time.Minute, coffeeshop.ChannelSMS, coffeeshop.DeliveryDelivered, false)
		h.attempt(11*time.Minute, "1111")
		if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
			t.Errorf("final = %v, want SUCCESS", final.Result)
		}
		wantMessages(t, msgs, "sms:1111")
	})
}

func TestLastChannelUndeliveredStays(t *testing.T) {
	eachVersion(t, func(t *testing.T, version int) {
		msgs := &recordingMessages{}
		h := newReceiptHarness(t, msgs, version)
		h.receipt(5*time.Second, 1, "SM1", coffeeshop.DeliveryFailed)
		h.receipt(10*time.Second, 2, "SM2", coffeeshop.DeliveryUndelivered)
		h.wantDelivery(20*time.Second, coffeeshop.ChannelWhatsApp, coffeeshop.DeliveryUndelivered, true)
		h.attempt(30*time.Second, "2222") // the last code stays valid
		if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
			t.Errorf("final = %v, want SUCCESS", final.Result)
		}
		wantMessages(t, msgs, "sms:1111", "whatsapp:2222")
	})
}

func TestRejectedChannelFallsBack(t *testing.T) {
	eachVersion(t, func(t *testing.T, version int) {
		msgs := &recordingMessages{reject: map[coffeeshop.Channel]bool{coffeeshop.ChannelSMS: true}}
		h := newReceiptHarness(t, msgs, version)
		h.wantDelivery(5*time.Second, coffeeshop.ChannelWhatsApp, coffeeshop.DeliveryQueued, false)
		h.attempt(10*time.Second, "2222")
		if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
			t.Errorf("final = %v, want SUCCESS", final.Result)
		}
		wantMessages(t, msgs, "whatsapp:2222")
	})
}

func TestChannelsStartWithTheFirst(t *testing.T) {
	eachVersion(t, func(t *testing.T, version int) {
		msgs := &recordingMessages{}
		h := newReceiptHarness(t, msgs, version)
		h.params.Channels = []coffeeshop.Channel{coffeeshop.ChannelWhatsApp, coffeeshop.ChannelSMS}
		h.attempt(10*time.Second, "1111")
		if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
			t.Errorf("final = %v, want SUCCESS", final.Result)
		}
		wantMessages(t, msgs, "whatsapp:1111")
	})
}

// Attempts count across channels: a wrong code on SMS, then the SMS that
// replaced it undelivered and a fresh code on WhatsApp, then the old SMS
// code (no longer valid) and one more wrong code use up the three attempts.
// The codes after wrong attempts and the fallback use up no resend.
func TestAttemptsCountAcrossChannels(t *testing.T) {
	eachVersion(t, func(t *testing.T, version int) {
		msgs := &recordingMessages{}
		h := newReceiptHarness(t, msgs, version)
		h.attempt(5*time.Second, "9999") // wrong: "2222" goes out by SMS
		h.receipt(10*time.Second, 2, "SM2", coffeeshop.DeliveryUndelivered)
		h.query(15*time.Second, func(_ time.Time, st verify.Status) {
			if st.AttemptsLeft != verify.DefaultMaxAttempts-1 || st.SendsLeft != verify.DefaultMaxSends-1 {
				h.t.Errorf("after a wrong code and a fallback: %+v", st)
			}
		})
		h.wantDelivery(15*time.Second, coffeeshop.ChannelWhatsApp, coffeeshop.DeliveryQueued, false)
		h.attempt(20*time.Second, "2222") // the SMS's code, replaced by WhatsApp's "3333"
		h.query(25*time.Second, func(_ time.Time, st verify.Status) {
			if st.AttemptsLeft != verify.DefaultMaxAttempts-2 {
				h.t.Errorf("after two wrong codes on two channels: %+v", st)
			}
		})
		h.attempt(30*time.Second, "3333") // replaced by "4444" after the wrong attempt
		if final := h.run(); final.Result != coffeeshop.VerificationMaxAttemptsReached {
			t.Errorf("final = %v, want MAX_ATTEMPTS_REACHED", final.Result)
		}
		h.wantAnswers("verify:INCORRECT_CODE", "verify:INCORRECT_CODE", "verify:MAX_ATTEMPTS_REACHED")
		wantMessages(t, msgs, "sms:1111", "sms:2222", "whatsapp:3333", "whatsapp:4444")
	})
}

// recordingEmail stands in for the SMTP sender and remembers each email.
type recordingEmail struct {
	mu   sync.Mutex
	sent []string
}

func (r *recordingEmail) SendEmail(_ context.Context, to, subject, body string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, to+"|"+subject+"|"+body)
	return nil
}

func (r *recordingEmail) emails() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sent...)
}

// A code whose SMS the provider refuses for good goes out by email, to the
// stored customer's address, in the verification's language (subject
// and body) and without the WebOTP line (SMS only); that code verifies. Email reports no receipts,
// so no delivery timer falls back from it.
func TestRefusedSMSFallsBackToEmail(t *testing.T) {
	eachVersion(t, func(t *testing.T, version int) {
		texts, err := verify.NewTexts("", "shop.example.com")
		if err != nil {
			t.Fatal(err)
		}
		mail := &recordingEmail{}
		msgs := &recordingMessages{reject: map[coffeeshop.Channel]bool{coffeeshop.ChannelSMS: true}}
		h := newReceiptHarness(t, msgs, version, func(a *verify.Activities) { a.Email, a.Texts = mail, texts })
		h.params.Channels = []coffeeshop.Channel{coffeeshop.ChannelSMS, coffeeshop.ChannelEmail}
		h.params.Locale = "es"
		h.wantDelivery(5*time.Second, coffeeshop.ChannelEmail, coffeeshop.DeliveryQueued, false)
		h.attempt(30*time.Minute, "2222") // long after the delivery timeout (1m)
		if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
			t.Errorf("final = %v, want SUCCESS", final.Result)
		}
		got := mail.emails()
		if len(got) != 1 {
			t.Fatalf("emails %q, want 1", got)
		}
		to, rest, _ := strings.Cut(got[0], "|")
		subject, body, _ := strings.Cut(rest, "|")
		if to != h.cust.Email || subject != "Tu código de verificación de coffeeshop" ||
			!strings.HasPrefix(body, "Tu código de verificación de coffeeshop es 2222.") || strings.Contains(body, "@shop.example.com") {
			t.Errorf("email to %q, subject %q, body %q", to, subject, body)
		}
		wantMessages(t, msgs) // the refused SMS is no message
	})
}

// TestWebhookSentCodeWaitsForNoReceipt sends through the webhook provider
// (a real webhook sender and a stand-in receiver) on a worker with a
// receipt URL: the webhook names no message, so the run waits for no
// receipt and sends nothing on the next channel when none comes.
func TestWebhookSentCodeWaitsForNoReceipt(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	recv := webhooktest.New(t, secret)
	msgs := sms.Config{Provider: sms.ProviderWebhook, WhatsAppProvider: sms.ProviderWebhook,
		Webhook: sms.Webhook{URL: recv.URL, Secret: secret}}.Messages(nil)
	h := newReceiptHarness(t, nil, verify.CurrentVersion, func(a *verify.Activities) { a.Messages = msgs })
	h.query(30*time.Minute, func(_ time.Time, st verify.Status) {
		if d := st.Delivery; d == nil || d.Channel != coffeeshop.ChannelSMS || d.NoFallback {
			h.t.Errorf("after 30 minutes: delivery %+v, want the SMS's", d)
		}
	})
	h.attempt(31*time.Minute, "1111")
	if final := h.run(); final.Result != coffeeshop.VerificationSuccess {
		t.Errorf("final = %v, want SUCCESS", final.Result)
	}
	got := recv.Messages()
	if len(got) != 1 || got[0]["channel"] != "sms" || got[0]["to"] != h.cust.PhoneNumber || !strings.Contains(got[0]["body"], "1111") {
		t.Errorf("the webhook got %v, want the one SMS", got)
	}
}

// TestReceiptsOnlyFromAProviderThatNamesTheMessage checks SendCode's
// result: Receipts is set only when a status callback was asked for and
// the provider returned a message ID.
func TestReceiptsOnlyFromAProviderThatNamesTheMessage(t *testing.T) {
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "customers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	receiptURL := func(c string, n int) string { return fmt.Sprintf("https://example.test/status?c=%s&n=%d", c, n) }
	for _, tc := range []struct {
		name     string
		sender   coffeeshop.MessageSender
		url      func(string, int) string
		receipts bool
	}{
		{"twilio-like with a receipt URL", &recordingMessages{}, receiptURL, true},
		{"no message ID", noIDMessages{}, receiptURL, false},
		{"no receipt URL", noIDMessages{id: "SM1"}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment()
			acts := &verify.Activities{Store: store, Ledger: store, NewCode: sequentialCodes(), Secret: testSecret,
				Messages: tc.sender, ReceiptURL: tc.url}
			env.RegisterActivity(acts)
			v, err := env.ExecuteActivity(acts.SendCode, verify.SendCodeInput{CustomerID: "c1",
				PhoneNumber: "+447400123456", CodeLength: 4, CodeTTL: time.Hour, Send: 1, Key: "k-" + tc.name})
			if err != nil {
				t.Fatal(err)
			}
			var res verify.SendCodeResult
			if err := v.Get(&res); err != nil {
				t.Fatal(err)
			}
			if res.Receipts != tc.receipts {
				t.Errorf("Receipts %v, want %v (message ID %q)", res.Receipts, tc.receipts, res.MessageID)
			}
		})
	}
}

// noIDMessages sends every message and answers id.
type noIDMessages struct{ id string }

func (n noIDMessages) SendMessage(context.Context, coffeeshop.Message) (string, error) {
	return n.id, nil
}

// lastMessage keeps the last message it is given.
type lastMessage struct {
	mu sync.Mutex
	m  coffeeshop.Message
}

func (l *lastMessage) SendMessage(_ context.Context, m coffeeshop.Message) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m = m
	return "SM1", nil
}

// An SMS or WhatsApp message carries, besides its text, the code it shows
// and the locale it is written in (the best of the texts' for the
// customer's locale, else the number's country's), for a sender that sends
// a template with the code instead of the text.
func TestDeliverPassesTheCodeAndLocale(t *testing.T) {
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "customers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, tc := range []struct {
		channel       coffeeshop.Channel
		locale, phone string
		want          string
	}{
		{coffeeshop.ChannelWhatsApp, "de-AT", "+447400123456", "de"},
		{coffeeshop.ChannelWhatsApp, "es", "+447400123456", "es"},
		{coffeeshop.ChannelWhatsApp, "", "+4915123456789", "de"},
		{coffeeshop.ChannelWhatsApp, "pt", "+447400123456", "en"},
		{coffeeshop.ChannelSMS, "fr-CA", "+447400123456", "fr"},
	} {
		var suite testsuite.WorkflowTestSuite
		env := suite.NewTestActivityEnvironment()
		sent := &lastMessage{}
		acts := &verify.Activities{Store: store, Ledger: store, NewCode: verify.FixedCode("482915"), Secret: testSecret,
			Messages: sent}
		env.RegisterActivity(acts)
		key := fmt.Sprintf("k-%s-%s-%s", tc.channel, tc.locale, tc.phone)
		if _, err := env.ExecuteActivity(acts.SendCode, verify.SendCodeInput{CustomerID: "c1", PhoneNumber: tc.phone,
			Channel: tc.channel, Locale: tc.locale, CodeLength: 6, CodeTTL: time.Hour, Send: 1, Key: key}); err != nil {
			t.Fatal(err)
		}
		m := sent.m
		if m.Channel != tc.channel || m.Code != "482915" || m.Locale != tc.want || !strings.Contains(m.Body, "482915") {
			t.Errorf("%s %q %s: message %s %q locale %q, body %q; want code 482915 in locale %q",
				tc.channel, tc.locale, tc.phone, m.Channel, m.Code, m.Locale, m.Body, tc.want)
		}
	}
}
