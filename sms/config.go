package sms

import (
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/email"
)

// The providers a Config chooses between (and ProviderWebhook).
const (
	ProviderConsole = "console"
	ProviderTwilio  = "twilio"
)

// Config chooses and configures the senders of a worker's codes: an
// ordered list of providers per channel.
type Config struct {
	// Provider is ProviderConsole, ProviderTwilio or ProviderWebhook, or
	// an ordered, comma-separated list of them ("twilio,webhook"): the
	// texts then go through a Failover over them.
	Provider string
	// WhatsAppProvider is the WhatsApp channel's list, of ProviderTwilio
	// and ProviderWebhook; empty means no WhatsApp sender.
	WhatsAppProvider string
	// EmailProvider is the email channel's list, of email.ProviderSMTP and
	// ProviderWebhook, or ProviderConsole (email.Console) alone; empty
	// means no email sender.
	EmailProvider string
	// Twilio is the Twilio sender, used when a list names ProviderTwilio.
	// The senders get their Logger from New, Messages and Email.
	Twilio Twilio
	// Webhook is the webhook sender, used when a list names
	// ProviderWebhook.
	Webhook Webhook
	// SMTP is the email sender of email.ProviderSMTP.
	SMTP email.SMTP
	// FailoverAfter and FailoverCooldown are the Failovers' After and
	// Cooldown, for every channel with a list.
	FailoverAfter    int
	FailoverCooldown time.Duration
	// Instrument, when set, wraps each provider's sender of each channel
	// (metrics by channel and provider name).
	Instrument func(s coffeeshop.MessageSender, ch coffeeshop.Channel, provider string) coffeeshop.MessageSender
}

// Providers lists the SMS providers c names, in order.
func (c Config) Providers() []string { return splitList(c.Provider) }

// smsNames is the SMS list's providers, the console when it names none.
func (c Config) smsNames() []string {
	if names := c.Providers(); len(names) > 0 {
		return names
	}
	return []string{ProviderConsole}
}

// Has reports whether c names SMS provider p.
func (c Config) Has(p string) bool { return slices.Contains(c.Providers(), p) }

// Real reports whether any channel's list names a provider that reaches
// people (not the console).
func (c Config) Real() bool {
	for _, list := range []string{c.Provider, c.WhatsAppProvider, c.EmailProvider} {
		for _, p := range splitList(list) {
			if p != ProviderConsole {
				return true
			}
		}
	}
	return false
}

func splitList(list string) []string {
	var out []string
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// New returns the SMS sender c chooses: the one provider's, or a Failover
// over several. An unknown name is the console. log gets the senders'
// records.
func New(c Config, log *slog.Logger) coffeeshop.SMSSender {
	s := c.channel(coffeeshop.ChannelSMS, c.smsNames(), log)
	if t, ok := s.(coffeeshop.SMSSender); ok {
		return t
	}
	return textSender{s}
}

// Messages returns the sender of the SMS and WhatsApp channels, each
// through its list (SMS defaults to the console; WhatsApp without a list
// refuses its messages). The message ID is the one of the provider that
// sent it.
func (c Config) Messages(log *slog.Logger) coffeeshop.MessageSender {
	chs := Channels{coffeeshop.ChannelSMS: c.channel(coffeeshop.ChannelSMS, c.smsNames(), log)}
	if names := splitList(c.WhatsAppProvider); len(names) > 0 {
		chs[coffeeshop.ChannelWhatsApp] = c.channel(coffeeshop.ChannelWhatsApp, names, log)
	}
	return chs
}

// Email returns the sender of the email channel through its list, or nil
// without one.
func (c Config) Email(log *slog.Logger) coffeeshop.EmailSender {
	names := splitList(c.EmailProvider)
	if len(names) == 0 {
		return nil
	}
	s := c.channel(coffeeshop.ChannelEmail, names, log)
	if e, ok := s.(coffeeshop.EmailSender); ok {
		return e
	}
	return emailSender{s}
}

// channel is the sender of channel ch over the providers names: the one
// provider's, or a Failover over several.
func (c Config) channel(ch coffeeshop.Channel, names []string, log *slog.Logger) coffeeshop.MessageSender {
	providers := make([]Provider, 0, len(names))
	for _, name := range names {
		s := c.provider(ch, name, log)
		if c.Instrument != nil {
			s = c.Instrument(s, ch, name)
		}
		providers = append(providers, Provider{Name: name, Sender: s})
	}
	if len(providers) == 1 {
		return providers[0].Sender
	}
	return &Failover{Providers: providers, After: c.FailoverAfter, Cooldown: c.FailoverCooldown, Logger: log}
}

// provider is a fresh sender of the provider name, with log; the console
// of ch for an unknown name.
func (c Config) provider(ch coffeeshop.Channel, name string, log *slog.Logger) coffeeshop.MessageSender {
	switch name {
	case ProviderTwilio:
		t := c.Twilio
		t.Logger = log
		return &t
	case ProviderWebhook:
		w := c.Webhook
		w.Logger = log
		return &w
	case email.ProviderSMTP:
		s := c.SMTP
		s.Logger = log
		return &s
	}
	if ch == coffeeshop.ChannelEmail {
		return &email.Console{Logger: log}
	}
	return &Console{Logger: log}
}

// Describe says where the codes go, for a banner: the SMS list's
// providers, then the WhatsApp and email lists' when they are set.
func (c Config) Describe() string {
	d := c.describe(coffeeshop.ChannelSMS, c.Providers())
	if names := splitList(c.WhatsAppProvider); len(names) > 0 {
		d += "; WhatsApp: " + c.describe(coffeeshop.ChannelWhatsApp, names)
	}
	if names := splitList(c.EmailProvider); len(names) > 0 {
		d += "; email: " + c.describe(coffeeshop.ChannelEmail, names)
	}
	return d
}

// describe says where channel ch's codes go through the providers names.
func (c Config) describe(ch coffeeshop.Channel, names []string) string {
	sent, hook := "sent", "the webhook"
	console := "each text is an \"" + strings.TrimSpace(ConsolePrefix) + "\" line on stdout"
	switch ch {
	case coffeeshop.ChannelSMS:
		sent, hook = "texted", "the SMS webhook"
	case coffeeshop.ChannelEmail:
		console = "each email is printed on stdout after an \"" + strings.TrimSpace(email.ConsolePrefix) + "\" line"
	}
	if len(names) == 0 {
		return console
	}
	parts := make([]string, len(names))
	for i, p := range names {
		switch p {
		case ProviderTwilio:
			parts[i] = sent + " through Twilio (" + c.Twilio.BaseURL + ")"
			if ts := c.Twilio.WhatsAppTemplates; ch == coffeeshop.ChannelWhatsApp && len(ts) > 0 {
				locales := make([]string, len(ts))
				for j, t := range ts {
					locales[j] = t.Locale
				}
				parts[i] += " as approved templates (" + strings.Join(locales, ", ") + ")"
			}
		case ProviderWebhook:
			parts[i] = "posted to " + hook + " (" + redactURL(c.Webhook.URL) + ")"
		case email.ProviderSMTP:
			parts[i] = "sent through the SMTP server " + c.SMTP.Addr
		default:
			parts[i] = console
		}
	}
	return strings.Join(parts, ", failing over to ")
}

// redactURL is u without its query, which may hold a token.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "an invalid URL"
	}
	p.RawQuery, p.User, p.Fragment = "", nil, ""
	return p.String()
}

// ValidAccountSID reports whether s has the form of a Twilio account SID:
// AC and 32 hex digits.
func ValidAccountSID(s string) bool { return isSID(s, "AC") }

// ValidMessagingServiceSID reports whether s has the form of a Twilio
// Messaging Service SID: MG and 32 hex digits.
func ValidMessagingServiceSID(s string) bool { return isSID(s, "MG") }

func isSID(s, prefix string) bool {
	if len(s) != 34 || !strings.HasPrefix(s, prefix) {
		return false
	}
	for _, r := range s[2:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// ValidBaseURL reports whether s can be the base URL of Twilio's REST API
// (DefaultTwilioBaseURL, a proxy, or a fake in tests): an http or https
// URL with a host and no user, query or fragment.
func ValidBaseURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

// ValidSender reports whether s can be Twilio's From: an E.164 number, or
// an alphanumeric sender ID (1 to 11 letters, digits and spaces, at least
// one letter).
func ValidSender(s string) bool {
	if strings.HasPrefix(s, "+") {
		return coffeeshop.IsE164(s)
	}
	letter := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			letter = true
		case r >= '0' && r <= '9', r == ' ':
		default:
			return false
		}
	}
	return letter && len(s) <= 11
}

// ValidWebhookURL reports whether s can be a Webhook's URL: an http or
// https URL with a host and no user or fragment (a query is allowed).
func ValidWebhookURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		u.Fragment == "" && u.User == nil
}
