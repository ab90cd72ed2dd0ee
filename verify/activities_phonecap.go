package verify

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
)

// The per-phone cap on codes across verifications: a customer who lets
// verification after verification end unsuccessfully and resends gets a
// fresh attempt budget each time, so only a cap on the phone number bounds
// the texts one number can be sent.
const (
	DefaultPhoneCodeLimit  = 10
	DefaultPhoneCodeWindow = 24 * time.Hour
)

// checkPhoneCap records a code about to be sent to phone against the
// per-phone cap, or returns the non-retryable SendLimit error that refuses
// it, its detail the time until a code may be sent. A send counts once
// however many tries it takes: every try records it under the key of the
// send (sendKey), which the ledger records only once.
// Counting every try would let an outage of the SMS provider spend a
// customer's cap; counting only the first would miss a send whose first try
// died (a killed worker) before its record was committed.
func (a *Activities) checkPhoneCap(ctx context.Context, phone, key string) error {
	limit, window := a.PhoneCodeLimit, a.PhoneCodeWindow
	if limit <= 0 {
		limit = DefaultPhoneCodeLimit
	}
	if window <= 0 {
		window = DefaultPhoneCodeWindow
	}
	ok, wait, err := a.Ledger.RecordCodeSent(ctx, phone, key, a.now(), window, limit)
	if err != nil {
		return fmt.Errorf("record code sent: %w", err)
	}
	if ok {
		return nil
	}
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("no more codes can be sent to this phone number now (at most %d in %s)", limit, window),
		errTypeSendLimit, nil, wait)
}
