package main

import (
	"log/slog"
	"os"
	"strings"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sms"
)

// envTwilioAuthToken holds the Twilio auth token, which has no flag: a
// flag would show it in the process list.
const envTwilioAuthToken = "TWILIO_AUTH_TOKEN"

// readAuthToken reads the auth token from its variable.
func (f *smsFlags) readAuthToken() {
	f.TwilioAuthToken, f.twilioAuthTokenPresent = os.LookupEnv(envTwilioAuthToken)
}

// isTwilioSID reports whether s is a Twilio SID with the given two-letter
// prefix: the prefix and 32 hex digits.
func isTwilioSID(s, prefix string) bool {
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

// validSender reports whether s can be a From: an E.164 number, or an
// alphanumeric sender ID (1 to 11 letters, digits and spaces, at least one
// letter).
func validSender(s string) bool {
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

// smsSender returns the sender the settings choose.
func (c *Config) smsSender(log *slog.Logger) coffeeshop.SMSSender {
	if c.SMSProvider == smsTwilio {
		return &sms.Twilio{
			AccountSID:          c.TwilioAccountSID,
			AuthToken:           c.TwilioAuthToken,
			From:                c.TwilioFrom,
			MessagingServiceSID: c.TwilioServiceSID,
			BaseURL:             c.TwilioBaseURL,
			Logger:              log,
		}
	}
	return &sms.Console{Logger: log}
}

// smsBanner describes in dev's banner where the codes go.
func (c *Config) smsBanner() string {
	if c.SMSProvider == smsTwilio {
		return "texted through Twilio (" + c.TwilioBaseURL + ")"
	}
	return "each text is an \"SMS to\" line on stdout"
}
