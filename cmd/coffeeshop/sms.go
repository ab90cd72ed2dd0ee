package main

import (
	"log/slog"
	"os"

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

// smsConfig is the sender's configuration from the settings.
func (c *Config) smsConfig() sms.Config {
	return sms.Config{Provider: string(c.SMSProvider), Twilio: sms.Twilio{
		AccountSID:          c.TwilioAccountSID,
		AuthToken:           c.TwilioAuthToken,
		From:                c.TwilioFrom,
		MessagingServiceSID: c.TwilioServiceSID,
		BaseURL:             c.TwilioBaseURL,
	}}
}

// smsSender returns the sender the settings choose.
func (c *Config) smsSender(log *slog.Logger) coffeeshop.SMSSender { return sms.New(c.smsConfig(), log) }

// smsBanner describes in dev's banner where the codes go.
func (c *Config) smsBanner() string { return c.smsConfig().Describe() }
