package sms

import (
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// The providers a Config chooses between (and ProviderWebhook).
const (
	ProviderConsole = "console"
	ProviderTwilio  = "twilio"
)

// Config chooses and configures the sender of a worker's texts.
type Config struct {
	// Provider is ProviderConsole, ProviderTwilio or ProviderWebhook, or
	// an ordered, comma-separated list of them ("twilio,webhook"): the
	// texts then go through a Failover over them.
	Provider string
	// Twilio is the Twilio sender, used when Provider names ProviderTwilio.
	// New sets its Logger.
	Twilio Twilio
	// Webhook is the webhook sender, used when Provider names
	// ProviderWebhook. New sets its Logger.
	Webhook Webhook
	// FailoverAfter and FailoverCooldown are the Failover's After and
	// Cooldown when Provider is a list.
	FailoverAfter    int
	FailoverCooldown time.Duration
	// Instrument, when set, wraps each provider's sender (metrics by
	// provider name).
	Instrument func(s coffeeshop.SMSSender, provider string) coffeeshop.SMSSender
}

// Providers lists the providers c names, in order.
func (c Config) Providers() []string {
	var out []string
	for _, p := range strings.Split(c.Provider, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Has reports whether c names provider p.
func (c Config) Has(p string) bool { return slices.Contains(c.Providers(), p) }

// New returns the sender c chooses: the one provider's, or a Failover over
// several. An unknown name is the console. log gets the senders' records.
func New(c Config, log *slog.Logger) coffeeshop.SMSSender {
	names := c.Providers()
	if len(names) == 0 {
		names = []string{ProviderConsole}
	}
	providers := make([]Provider, 0, len(names))
	for _, name := range names {
		var s coffeeshop.SMSSender
		switch name {
		case ProviderTwilio:
			t := c.Twilio
			t.Logger = log
			s = &t
		case ProviderWebhook:
			w := c.Webhook
			w.Logger = log
			s = &w
		default:
			s = &Console{Logger: log}
		}
		if c.Instrument != nil {
			s = c.Instrument(s, name)
		}
		providers = append(providers, Provider{Name: name, Sender: s})
	}
	if len(providers) == 1 {
		return providers[0].Sender
	}
	return &Failover{Providers: providers, After: c.FailoverAfter, Cooldown: c.FailoverCooldown, Logger: log}
}

// Describe says where the texts go, for a banner.
func (c Config) Describe() string {
	var parts []string
	for _, p := range c.Providers() {
		switch p {
		case ProviderTwilio:
			parts = append(parts, "texted through Twilio ("+c.Twilio.BaseURL+")")
		case ProviderWebhook:
			parts = append(parts, "posted to the SMS webhook ("+redactURL(c.Webhook.URL)+")")
		default:
			parts = append(parts, "each text is an \""+strings.TrimSpace(ConsolePrefix)+"\" line on stdout")
		}
	}
	if len(parts) == 0 {
		return "each text is an \"" + strings.TrimSpace(ConsolePrefix) + "\" line on stdout"
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
