package verify

import (
	"context"
	"fmt"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/temporal"
)

// Activities are the side effects of a verification. They are methods on a
// struct of their dependencies so that the worker injects real adapters and
// the workflow refers to them through a nil *Activities.
type Activities struct {
	Store   coffeeshop.CustomerStore
	SMS     coffeeshop.SMSSender
	NewCode CodeGenerator
}

// SendCodeInput says whom to text.
type SendCodeInput struct {
	CustomerID  string
	PhoneNumber string
	CodeTTL     time.Duration
}

// SendCodeResult is what the workflow keeps of a sent code.
type SendCodeResult struct {
	Code string
}

// SendCode makes a new one-time code and texts it to the customer. A send
// that can never succeed (the SMS sender answered EINVALID) fails without
// retries.
func (a *Activities) SendCode(ctx context.Context, in SendCodeInput) (SendCodeResult, error) {
	code, err := a.NewCode()
	if err != nil {
		return SendCodeResult{}, err
	}
	body := fmt.Sprintf("Your coffeeshop verification code is %s. It expires in %s.", code, in.CodeTTL)
	if err := a.SMS.SendSMS(ctx, in.PhoneNumber, body); err != nil {
		if coffeeshop.ErrorCode(err) == coffeeshop.EINVALID {
			return SendCodeResult{}, temporal.NewNonRetryableApplicationError(
				coffeeshop.ErrorMessage(err), errTypeSMSRejected, err)
		}
		return SendCodeResult{}, err
	}
	return SendCodeResult{Code: code}, nil
}

// MarkVerified records in the store that the customer's phone is verified.
// It is idempotent, so a retry after a crash is harmless.
func (a *Activities) MarkVerified(ctx context.Context, customerID string) error {
	return a.Store.MarkPhoneVerified(ctx, customerID)
}
