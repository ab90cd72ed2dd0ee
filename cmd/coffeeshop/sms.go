package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sms"
)

// SMS providers of --sms-provider.
const (
	smsConsole = sms.ProviderConsole
	smsTwilio  = sms.ProviderTwilio
)

// The Twilio settings' environment variables. The auth token is read only
// from its variable: a flag would show it in ps.
const (
	envTwilioAccountSID = "TWILIO_ACCOUNT_SID"
	envTwilioAuthToken  = "TWILIO_AUTH_TOKEN"
	envTwilioFrom       = "TWILIO_FROM_NUMBER"
	envTwilioService    = "TWILIO_MESSAGING_SERVICE_SID"
	envTwilioBaseURL    = "TWILIO_BASE_URL"
)

// SMSConfig chooses and configures the SMS sender of the worker (dev,
// worker).
type SMSConfig struct {
	Provider            string
	TwilioAccountSID    string
	TwilioAuthToken     string
	TwilioFrom          string
	TwilioServiceSID    string
	TwilioBaseURL       string
	twilioAuthTokenRead bool // the token came from the environment
}

// smsFlags binds the SMS provider settings; codeFlags calls it, since the
// commands that send codes are the ones that need a sender.
func (fs *flagSet) smsFlags() {
	c := &fs.cfg.SMS
	fs.str(&c.Provider, "sms-provider", "COFFEESHOP_SMS_PROVIDER", smsConsole,
		"who texts the codes: console (print them on stdout; development only) or twilio")
	fs.str(&c.TwilioAccountSID, "twilio-account-sid", envTwilioAccountSID, "",
		"with --sms-provider twilio: the account SID (AC…); the auth token is read from "+envTwilioAuthToken+" only")
	fs.str(&c.TwilioFrom, "twilio-from", envTwilioFrom, "",
		"with --sms-provider twilio: the sender, a Twilio number in E.164 form or an alphanumeric sender ID; or give --twilio-messaging-service-sid")
	fs.str(&c.TwilioServiceSID, "twilio-messaging-service-sid", envTwilioService, "",
		"with --sms-provider twilio: the Messaging Service (MG…) that picks the sender, instead of --twilio-from")
	fs.str(&c.TwilioBaseURL, "twilio-base-url", envTwilioBaseURL, sms.DefaultTwilioBaseURL,
		"with --sms-provider twilio: base URL of Twilio's REST API (tests and proxies)")
	c.TwilioAuthToken, c.twilioAuthTokenRead = os.LookupEnv(envTwilioAuthToken)
}

// validateSMS checks the SMS settings the subcommand uses and names each
// bad or missing one.
func (fs *flagSet) validateSMS() []error {
	if !fs.used["sms-provider"] {
		return nil
	}
	c := fs.cfg.SMS
	switch c.Provider {
	case smsConsole:
		return nil
	case smsTwilio:
	default:
		return []error{fmt.Errorf("--sms-provider %q: must be console or twilio", c.Provider)}
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case c.TwilioAccountSID == "":
		bad("--sms-provider twilio needs --twilio-account-sid or %s", envTwilioAccountSID)
	case !sms.ValidAccountSID(c.TwilioAccountSID):
		bad("--twilio-account-sid (%s): must be AC followed by 32 hex digits", envTwilioAccountSID)
	}
	switch {
	case !c.twilioAuthTokenRead || c.TwilioAuthToken == "":
		bad("--sms-provider twilio needs %s (the auth token; it has no flag)", envTwilioAuthToken)
	case strings.TrimSpace(c.TwilioAuthToken) != c.TwilioAuthToken || strings.ContainsAny(c.TwilioAuthToken, " \t\r\n"):
		bad("%s: must not contain spaces or line breaks", envTwilioAuthToken)
	}
	switch {
	case c.TwilioFrom == "" && c.TwilioServiceSID == "":
		bad("--sms-provider twilio needs a sender: --twilio-from (%s) or --twilio-messaging-service-sid (%s)",
			envTwilioFrom, envTwilioService)
	case c.TwilioFrom != "" && c.TwilioServiceSID != "":
		bad("--twilio-from (%s) and --twilio-messaging-service-sid (%s): give only one", envTwilioFrom, envTwilioService)
	case c.TwilioServiceSID != "" && !sms.ValidMessagingServiceSID(c.TwilioServiceSID):
		bad("--twilio-messaging-service-sid %q (%s): must be MG followed by 32 hex digits", c.TwilioServiceSID, envTwilioService)
	case c.TwilioFrom != "" && !sms.ValidSender(c.TwilioFrom):
		bad("--twilio-from %q (%s): must be a phone number in E.164 form (+ and 7 to 15 digits) or an alphanumeric sender ID (up to 11 letters, digits and spaces)",
			c.TwilioFrom, envTwilioFrom)
	}
	if u, err := url.Parse(c.TwilioBaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		bad("--twilio-base-url %q (%s): must be an http(s) URL such as %s, without user, query or fragment",
			c.TwilioBaseURL, envTwilioBaseURL, sms.DefaultTwilioBaseURL)
	}
	return errs
}

// smsConfig is the sender's configuration from the settings.
func (c *Config) smsConfig() sms.Config {
	return sms.Config{Provider: c.SMS.Provider, Twilio: sms.Twilio{
		AccountSID:          c.SMS.TwilioAccountSID,
		AuthToken:           c.SMS.TwilioAuthToken,
		From:                c.SMS.TwilioFrom,
		MessagingServiceSID: c.SMS.TwilioServiceSID,
		BaseURL:             c.SMS.TwilioBaseURL,
	}}
}

// smsSender returns the sender the settings choose.
func (c *Config) smsSender(log *slog.Logger) coffeeshop.SMSSender { return sms.New(c.smsConfig(), log) }

// smsBanner describes in dev's banner where the codes go.
func (c *Config) smsBanner() string { return c.smsConfig().Describe() }
