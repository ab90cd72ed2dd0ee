// Package sms holds the senders of text messages.
package sms

import (
	"context"
	"log/slog"

	"github.com/coffeeshop/coffeeshop"
)

// Console is an SMS sender for local development: instead of texting, it
// logs the message. It never fails.
type Console struct {
	Logger *slog.Logger
}

var _ coffeeshop.SMSSender = (*Console)(nil)

// SendSMS logs the message at level INFO.
func (c *Console) SendSMS(ctx context.Context, to, body string) error {
	c.Logger.InfoContext(ctx, "sms sent (console sender, not delivered)", "to", to, "body", body)
	return nil
}
