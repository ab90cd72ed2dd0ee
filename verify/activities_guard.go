package verify

import (
	"context"
	"errors"
	"fmt"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/temporal"
)

// SendGuard is the SMS pumping guard as the worker asks it (api.Guard): it
// admits the texts the API did not, the codes a run sends by itself after
// a wrong or expired code or on the next channel (SendCodeInput.Reason).
type SendGuard interface {
	// AdmitSend returns nil when a text to the E.164 number phone may go
	// out, and counts it once per key however often it is asked; a
	// *coffeeshop.Error ETOOMANY with RetryAfter when the number's prefix is
	// blocked or the budget spent; another error when it cannot tell.
	AdmitSend(ctx context.Context, phone, key string) error
	// ReleaseSend takes back the text AdmitSend admitted under key, which
	// was not sent after all (the per-phone cap or the provider refused
	// it), so that it does not count against the number's prefix
	// and the budget. A key not admitted, or released already, changes
	// nothing. It reports no error: a guard that cannot release logs why,
	// and the send stays counted.
	ReleaseSend(ctx context.Context, phone, key string)
}

// checkGuard puts a send the API's guard did not admit (in.Reason) to
// a.Guard. A refusal is the non-retryable SendLimit error the per-phone
// cap's is, so that the run keeps its current code and nothing is texted;
// any other failure is retried, so that no text goes out unchecked while
// the guard's store is down.
func (a *Activities) checkGuard(ctx context.Context, in SendCodeInput, key string) error {
	if !a.guarded(in) {
		return nil
	}
	err := a.Guard.AdmitSend(ctx, in.PhoneNumber, key)
	var e *coffeeshop.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e) && e.Code == coffeeshop.ETOOMANY:
		return temporal.NewNonRetryableApplicationError(e.Message, errTypeSendLimit, nil, e.RetryAfter)
	}
	return fmt.Errorf("SMS pumping guard: %w", err)
}

// guarded reports whether in is a send checkGuard puts to a.Guard.
func (a *Activities) guarded(in SendCodeInput) bool {
	return a.Guard != nil && in.Reason != "" && channelOf(in) != coffeeshop.ChannelEmail
}

// releaseGuard takes back from a.Guard the send checkGuard admitted under
// key, when it was refused for good after all (the per-phone cap, the SMS
// provider): no text went out. Every try of the send has the key, so the
// release takes back whichever try counted it.
func (a *Activities) releaseGuard(ctx context.Context, in SendCodeInput, key string) {
	if a.guarded(in) {
		a.Guard.ReleaseSend(ctx, in.PhoneNumber, key)
	}
}
