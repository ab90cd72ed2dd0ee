package verify

import (
	"context"
	"errors"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/activity"
)

// sendTestCode is SendCode for a test number: the code is the configured
// TestCode, so that CI and app-store reviewers know it in advance; nothing
// is texted and the per-phone ledger is not touched, so a test number can
// be verified as often as a test suite needs. The log line says so with
// the number masked, never with the code.
func (a *Activities) sendTestCode(ctx context.Context, in SendCodeInput) (SendCodeResult, error) {
	if a.TestCode == "" {
		// A configuration error, retried, so that a fixed worker carries on;
		// texting a test number instead would defeat its purpose.
		return SendCodeResult{}, errors.New("worker has test numbers but no test code")
	}
	activity.GetLogger(ctx).Info("test number: not texted",
		"customer_id", in.CustomerID, "phone", coffeeshop.MaskPhone(in.PhoneNumber))
	return SendCodeResult{
		CodeMAC:   CodeMAC(a.Secret, in.CustomerID, a.TestCode),
		ExpiresAt: a.now().Add(in.CodeTTL),
	}, nil
}
