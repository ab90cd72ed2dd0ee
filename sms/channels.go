package sms

import (
	"context"

	"github.com/coffeeshop/coffeeshop"
)

// Channels sends each message through the sender of its channel (a
// message without one is an SMS): the worker's one MessageSender over the
// per-channel provider lists. A channel without a sender refuses its
// messages as undeliverable.
type Channels map[coffeeshop.Channel]coffeeshop.MessageSender

var _ coffeeshop.MessageSender = Channels(nil)

// SendMessage hands m to its channel's sender.
func (c Channels) SendMessage(ctx context.Context, m coffeeshop.Message) (string, error) {
	ch := channelOr(m.Channel)
	s := c[ch]
	if s == nil {
		return "", coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "the worker has no %s provider", ch)
	}
	return s.SendMessage(ctx, m)
}

// textSender is an SMSSender over a MessageSender.
type textSender struct{ coffeeshop.MessageSender }

func (s textSender) SendSMS(ctx context.Context, to, body string) error {
	return sendSMS(ctx, s.MessageSender, to, body)
}

// emailSender is an EmailSender over a MessageSender.
type emailSender struct{ coffeeshop.MessageSender }

func (s emailSender) SendEmail(ctx context.Context, to, subject, body string) error {
	return sendEmail(ctx, s.MessageSender, to, subject, body)
}

// sendSMS sends an SMS as a Message through s: the SMSSender of every
// MessageSender here.
func sendSMS(ctx context.Context, s coffeeshop.MessageSender, to, body string) error {
	_, err := s.SendMessage(ctx, coffeeshop.Message{Channel: coffeeshop.ChannelSMS, To: to, Body: body})
	return err
}

// sendEmail sends an email as a Message through s: the EmailSender of
// every MessageSender here that sends emails.
func sendEmail(ctx context.Context, s coffeeshop.MessageSender, to, subject, body string) error {
	_, err := s.SendMessage(ctx, coffeeshop.Message{Channel: coffeeshop.ChannelEmail, To: to, Subject: subject, Body: body})
	return err
}
