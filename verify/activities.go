package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coffeeshop/coffeeshop"
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
}

// SendCode makes a new one-time code, texts it to the customer and returns
// its MAC. Generating, hashing and sending happen in this one step so that
// the code is never a workflow value. A send that can never succeed (the
// SMS sender answered EUNDELIVERABLE or EINVALID) fails without retries, as
// an SMSRejected error; any other failure of the sender is retried. A retry
// after a lost completion texts a new code; the workflow keeps the last
// one. A send over the per-phone cap fails without retries as a SendLimit
// error. A test number gets TestCode, untexted (sendTestCode).
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
	if err := a.checkPhoneCap(ctx, in.PhoneNumber); err != nil {
		return SendCodeResult{}, err
	}
	code, err := a.NewCode(in.CodeLength)
	if err != nil {
		return SendCodeResult{}, err
	}
	expires := a.now().Add(in.CodeTTL)
	body, err := a.texts().SMS(in.Locale, in.PhoneNumber, code, in.CodeTTL)
	if err != nil {
		return SendCodeResult{}, err
	}
	if err := a.SMS.SendSMS(ctx, in.PhoneNumber, body); err != nil {
		// The sender's error text goes to history (the SMSSender contract
		// keeps the body and the full number out of it); the body is not
		// added to it.
		if code := coffeeshop.ErrorCode(err); code == coffeeshop.EUNDELIVERABLE || code == coffeeshop.EINVALID {
			return SendCodeResult{}, temporal.NewNonRetryableApplicationError(
				"send sms: "+err.Error(), errTypeSMSRejected, nil)
		}
		return SendCodeResult{}, fmt.Errorf("send sms: %w", err)
	}
	return SendCodeResult{CodeMAC: CodeMAC(a.Secret, in.CustomerID, code), ExpiresAt: expires}, nil
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
