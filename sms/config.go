package sms

import (
	"log/slog"
	"net/url"
	"strings"

	"github.com/coffeeshop/coffeeshop"
)

// The providers a Config chooses between.
const (
	ProviderConsole = "console"
	ProviderTwilio  = "twilio"
)

// Config chooses and configures the sender of a worker's texts.
type Config struct {
	// Provider is ProviderConsole or ProviderTwilio.
	Provider string
	// Twilio is the Twilio sender, used when Provider is ProviderTwilio.
	// New sets its Logger.
	Twilio Twilio
}

// New returns the sender c chooses: Twilio's, or for any other provider
// the console. log gets the senders' records.
func New(c Config, log *slog.Logger) coffeeshop.SMSSender {
	if c.Provider == ProviderTwilio {
		t := c.Twilio
		t.Logger = log
		return &t
	}
	return &Console{Logger: log}
}

// Describe says where the texts go, for a banner.
func (c Config) Describe() string {
	if c.Provider == ProviderTwilio {
		return "texted through Twilio (" + c.Twilio.BaseURL + ")"
	}
	return "each text is an \"" + strings.TrimSpace(ConsolePrefix) + "\" line on stdout"
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
