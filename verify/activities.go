package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// Activities are the side effects of a verification. They are methods on a
// struct of their dependencies so that the worker injects real adapters and
// the workflow refers to them through a nil *Activities.
type Activities struct {
	// Store keeps the customers: the create step inserts one, a right code
	// marks it verified.
	Store coffeeshop.CustomerStore
	// Ledger counts the codes sent to each phone number, for the per-phone
	// cap (PhoneCodeLimit).
	Ledger coffeeshop.CodeSendLedger
	SMS    coffeeshop.SMSSender
	// Email sends the codes of the email channel; nil when the worker has
	// no email sender.
	Email   coffeeshop.EmailSender
	NewCode CodeGenerator
	// Secret keys the MACs of codes; the API's Client must use the same
	// one. At least MinSecretBytes bytes.
	Secret []byte
	// Now is the clock codes expire by; time.Now when nil. Tests give the
	// test environment's clock.
	Now func() time.Time
	// PhoneCodeLimit codes at most are sent to one phone number in any
	// PhoneCodeWindow, across verifications; zero means
	// DefaultPhoneCodeLimit and DefaultPhoneCodeWindow.
	PhoneCodeLimit  int
	PhoneCodeWindow time.Duration
	// TestNumbers are never texted: their code is TestCode, and the
	// per-phone ledger does not count them (for CI and app-store
	// reviewers). TestCode must be set when TestNumbers is not empty.
	TestNumbers coffeeshop.TestNumbers
	TestCode    string
	// Texts are the code messages by locale; DefaultTexts when nil.
	Texts *Texts
	// Messages, when set, sends SMS and WhatsApp codes instead of SMS, and
	// returns the message ID of the provider that sent each (Twilio's; ""
	// from one without receipts). WhatsApp needs it.
	Messages coffeeshop.MessageSender
	// ReceiptURL, when set, returns the status-callback URL of a
	// customer's send number n; messages sent through Messages by a
	// provider that returns a message ID then report receipts there (see
	// twiliohook).
	ReceiptURL func(customerID string, n int) string
	// Guard, when set, admits the codes a run texts by itself after a
	// wrong or expired code, which the API's guard has not (checkGuard).
	Guard SendGuard
}

// SendCode makes a new one-time code, texts it to the customer and returns
// its MAC. Generating, hashing and sending happen in this one step so that
// the code is never a workflow value. A send that can never succeed (the
// SMS sender answered EUNDELIVERABLE or EINVALID) fails without retries, as
// an SMSRejected error; any other failure of the sender is retried. A send
// over the per-phone cap, or one after a wrong or expired code that the
// SMS pumping guard refuses, fails without retries as a SendLimit error. A
// send the guard admitted and then the per-phone cap or the sender refused
// for good is released from the guard: it sent nothing. A test number gets
// TestCode, untexted (sendTestCode).
//
// Every try of one send has the same key (sendKey): the per-phone cap
// counts the send once, and a CodeGenerator such as DerivedCodes makes
// the same code, so a retry texts the code the customer may already have.
func (a *Activities) SendCode(ctx context.Context, in SendCodeInput) (SendCodeResult, error) {
	if len(a.Secret) < MinSecretBytes {
		// A configuration error: retried, so that a fixed worker carries on.
		return SendCodeResult{}, errors.New("worker has no code secret")
	}
	if a.Ledger == nil {
		// Also a configuration error, retried.
		return SendCodeResult{}, errors.New("worker has no code-send ledger")
	}
	if a.TestNumbers.Contains(in.PhoneNumber) {
		return a.sendTestCode(ctx, in)
	}
	key := sendKey(ctx, in)
	if err := a.checkGuard(ctx, in, key); err != nil {
		return SendCodeResult{}, err
	}
	// The cap guards the phone number; an email costs it nothing.
	if channelOf(in) != coffeeshop.ChannelEmail {
		if err := a.checkPhoneCap(ctx, in.PhoneNumber, key); err != nil {
			var appErr *temporal.ApplicationError
			if errors.As(err, &appErr) && appErr.Type() == errTypeSendLimit {
				a.releaseGuard(ctx, in, key) // refused for good: no text
			}
			return SendCodeResult{}, err
		}
	}
	code, err := a.NewCode(key, in.CodeLength)
	if err != nil {
		return SendCodeResult{}, err
	}
	expires := a.now().Add(in.CodeTTL)
	// The locale is resolved once: the body, an email's subject and a
	// template sender's choice all take it (an available locale matches
	// itself, so the number is not parsed again).
	texts := a.texts()
	locale := texts.Locale(in.Locale, in.PhoneNumber)
	// SMS texts carry the WebOTP line; the other channels' messages do not.
	render := texts.SMS
	if in.Channel != "" && in.Channel != coffeeshop.ChannelSMS {
		render = texts.Body
	}
	body, err := render(locale, in.PhoneNumber, code, in.CodeTTL)
	if err != nil {
		return SendCodeResult{}, err
	}
	res, err := a.deliver(ctx, in, locale, body, code)
	if err != nil {
		// The sender's error text goes to history (the senders' contract
		// keeps the body and the full number or address out of it); the
		// body is not added to it.
		if code := coffeeshop.ErrorCode(err); code == coffeeshop.EUNDELIVERABLE || code == coffeeshop.EINVALID {
			a.releaseGuard(ctx, in, key) // refused for good: no text
			return SendCodeResult{}, temporal.NewNonRetryableApplicationError(
				"send "+string(channelOf(in))+": "+err.Error(), errTypeSMSRejected, nil)
		}
		return SendCodeResult{}, fmt.Errorf("send %s: %w", channelOf(in), err)
	}
	res.CodeMAC, res.ExpiresAt = CodeMAC(a.Secret, in.CustomerID, code), expires
	return res, nil
}

// sendKey names the send that ctx runs, the same for all its tries: the
// input's Key (runs from inlineSendVersion, whose first send may run as a
// local activity and then as an activity), else the run and activity ID.
func sendKey(ctx context.Context, in SendCodeInput) string {
	if in.Key != "" {
		return in.Key
	}
	info := activity.GetInfo(ctx)
	return info.WorkflowExecution.RunID + "/" + info.ActivityID
}

// channelOf is the channel of a send; inputs of builds before channels
// have none, which is SMS.
func channelOf(in SendCodeInput) coffeeshop.Channel {
	if in.Channel == "" {
		return coffeeshop.ChannelSMS
	}
	return in.Channel
}

// deliver hands body, which shows code, to the sender of the send's
// channel; an SMS or WhatsApp message also carries the code and the locale
// of body, for a sender that sends a template instead (Twilio's WhatsApp
// templates). The result's Channel, MessageID and Receipts are set; the
// caller adds the code's.
func (a *Activities) deliver(ctx context.Context, in SendCodeInput, locale, body, code string) (SendCodeResult, error) {
	ch := channelOf(in)
	res := SendCodeResult{Channel: ch}
	switch ch {
	case coffeeshop.ChannelEmail:
		if a.Email == nil {
			return res, coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "the worker has no email sender")
		}
		to, err := a.emailOf(ctx, in)
		if err != nil {
			return res, err
		}
		subject, err := a.texts().Subject(locale, in.PhoneNumber)
		if err != nil {
			return res, err
		}
		return res, a.Email.SendEmail(ctx, to, subject, body)
	case coffeeshop.ChannelSMS, coffeeshop.ChannelWhatsApp:
		if a.Messages == nil {
			if ch == coffeeshop.ChannelWhatsApp {
				return res, coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "the worker has no WhatsApp sender")
			}
			return res, a.SMS.SendSMS(ctx, in.PhoneNumber, body)
		}
		m := coffeeshop.Message{Channel: ch, To: in.PhoneNumber, Body: body, Code: code,
			Locale: locale}
		if a.ReceiptURL != nil && in.Send > 0 {
			m.StatusCallback = a.ReceiptURL(in.CustomerID, in.Send)
		}
		id, err := a.Messages.SendMessage(ctx, m)
		// Receipts come only from a provider that was asked for them and
		// named the message (Twilio); one without (a webhook, the console)
		// never reports, and no fallback may wait on it.
		res.MessageID, res.Receipts = id, err == nil && m.StatusCallback != "" && id != ""
		return res, err
	}
	return res, coffeeshop.Errorf(coffeeshop.EINVALID, "unknown channel %q", ch)
}

// emailOf returns the address the send's email goes to: the input's
// (a verification that created its customer has it), else the stored
// customer's.
func (a *Activities) emailOf(ctx context.Context, in SendCodeInput) (string, error) {
	if in.Email != "" {
		return in.Email, nil
	}
	c, err := a.Store.GetCustomer(ctx, in.CustomerID)
	if err != nil {
		return "", fmt.Errorf("read the customer's email: %w", err)
	}
	if c.Email == "" {
		return "", coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "the customer has no email address")
	}
	return c.Email, nil
}

// MarkVerified records in the store that the customer's phone is verified.
// It is idempotent, so a retry after a crash is harmless.
func (a *Activities) MarkVerified(ctx context.Context, customerID string) error {
	return a.Store.MarkPhoneVerified(ctx, customerID)
}

func (a *Activities) texts() *Texts {
	if a.Texts != nil {
		return a.Texts
	}
	return DefaultTexts()
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
