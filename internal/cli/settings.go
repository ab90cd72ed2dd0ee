package cli

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/codec"
	"github.com/coffeeshop/coffeeshop/email"
	"github.com/coffeeshop/coffeeshop/postgres"
	"github.com/coffeeshop/coffeeshop/sms"
	"github.com/coffeeshop/coffeeshop/sqlite"
)

// The settings in the forms the packages they configure take.

// Logger is the process's logger, to stderr in --log-format. Records
// logged with a context that carries a request ID get it as request_id.
func (l *LogFlags) Logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.Level(l.LogLevel)}
	if l.LogFormat == "json" {
		return coffeeshop.LogRequestIDs(slog.New(slog.NewJSONHandler(os.Stderr, opts)))
	}
	return coffeeshop.LogRequestIDs(slog.New(slog.NewTextHandler(os.Stderr, opts)))
}

// Logs gives the log settings of the subcommands that have them.
func (l *LogFlags) Logs() *LogFlags { return l }

// Limits is the API's limit table.
func (f *LimitFlags) Limits() api.Limits {
	return api.Limits{
		api.CreateMethod: {PerIP: f.CreateIP.Rate, PerPhone: f.CreatePhone.Rate},
		api.VerifyMethod: {PerIP: f.VerifyIP.Rate, PerPhone: f.VerifyPhone.Rate},
		api.ResendMethod: {PerIP: f.ResendIP.Rate, PerPhone: f.ResendPhone.Rate},
	}
}

// NumberRules are the countries and types of numbers a create accepts:
// by default the country of --phone-region only.
func (f *APIFlags) NumberRules() api.NumberRules {
	c := f.AllowedCountries.Countries
	if !f.AllowedCountries.set {
		c = api.CountriesOf(f.PhoneRegion)
	}
	return api.NumberRules{Countries: c, GeoMonitor: f.GeoMonitor, AllowVoIP: f.AllowVoIP}
}

// CORS are the origins whose pages may call the token's routes
// (api.WithCORSOrigins).
func (f *APIFlags) CORS() []string { return []string(f.CORSOrigins) }

// ReturnOrigins are the origins the signup page's return_to may point at.
func (f *SignupFlags) ReturnOrigins() []string { return []string(f.SignupReturnOrigins) }

// DescribeGuard says what the guard's policy is, for a start's log: a
// worker that was given other settings than the api processes shows it.
func (f *GuardPolicyFlags) DescribeGuard(off bool) string {
	if off {
		return "off (--no-rate-limit)"
	}
	budget := "no budget"
	if !f.SMSBudget.Off() {
		budget = "budget " + f.SMSBudget.String()
	}
	return fmt.Sprintf("a prefix with %d texts in %s under %g verified is blocked for %s (up to %s); %s",
		f.GuardMinSends, coffeeshop.ShortDuration(f.GuardWindow), f.GuardMinConversion,
		coffeeshop.ShortDuration(f.GuardBlock), coffeeshop.ShortDuration(f.GuardMaxBlock), budget)
}

// GuardPolicy is the SMS pumping guard's policy.
func (f *GuardPolicyFlags) GuardPolicy() coffeeshop.GuardPolicy {
	return coffeeshop.GuardPolicy{
		Window:        f.GuardWindow,
		MinSends:      f.GuardMinSends,
		MinConversion: f.GuardMinConversion,
		BlockFor:      f.GuardBlock,
		MaxBlock:      f.GuardMaxBlock,
		Budget:        f.SMSBudget.Count,
		BudgetWindow:  f.SMSBudget.Per,
	}
}

// SMS is the configuration of the SMS and WhatsApp senders.
func (f *SMSFlags) SMS() sms.Config {
	var templates []sms.WhatsAppTemplate
	if f.WhatsAppTemplates != "" {
		templates, _ = sms.ParseWhatsAppTemplates(f.WhatsAppTemplates) // validate has refused a bad list
	}
	return sms.Config{Provider: string(f.SMSProvider), WhatsAppProvider: f.whatsApp(), Twilio: sms.Twilio{
		AccountSID:          f.TwilioAccountSID,
		AuthToken:           f.TwilioAuthToken,
		From:                f.TwilioFrom,
		MessagingServiceSID: f.TwilioServiceSID,
		WhatsAppFrom:        f.TwilioWhatsAppFrom,
		WhatsAppTemplates:   templates,
		BaseURL:             f.TwilioBaseURL,
	}, Webhook: sms.Webhook{URL: f.SMSWebhookURL, Secret: []byte(f.SMSWebhookSecret)},
		FailoverAfter: f.SMSFailoverAfter, FailoverCooldown: f.SMSFailoverCooldown}
}

// whatsApp is the WhatsApp list in use: --whatsapp-provider's, else its
// default, twilio, once --twilio-whatsapp-from is given; else none, as
// before WhatsApp had a list of its own.
func (f *SMSFlags) whatsApp() string {
	switch {
	case f.WhatsAppProvider != "":
		return string(f.WhatsAppProvider)
	case f.TwilioWhatsAppFrom != "":
		return sms.ProviderTwilio
	}
	return ""
}

// Senders is the configuration of every channel's senders: s's SMS and
// WhatsApp lists and e's email list. The email list is --email-provider's,
// else smtp with --smtp-addr, else the console when console is set (dev),
// else none (no email channel).
func Senders(s *SMSFlags, e *EmailFlags, console bool) sms.Config {
	c := s.SMS()
	c.EmailProvider = string(e.EmailProvider)
	switch {
	case c.EmailProvider != "":
	case e.SMTPAddr != "":
		c.EmailProvider = email.ProviderSMTP
	case console:
		c.EmailProvider = sms.ProviderConsole
	}
	c.SMTP = email.SMTP{Addr: string(e.SMTPAddr), From: e.SMTPFrom, Username: e.SMTPUsername, Password: e.SMTPPassword,
		RequireTLS: e.SMTPTLS}
	return c
}

// Codec returns the codec of the payload keys, or nil when payloads are
// not encrypted.
func (f *EncryptionKeyFlags) Codec() (*codec.Codec, error) {
	pc, err := codec.FromKeys(f.EncryptionKeys)
	if err != nil {
		return nil, fmt.Errorf("--encryption-key: %w", err)
	}
	return pc, nil
}

// ParseDatabaseURL tells which store a --database-url names: ("postgres",
// url) or ("sqlite", path).
func ParseDatabaseURL(u string) (kind, target string, err error) {
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return "postgres", u, nil
	case strings.HasPrefix(u, "sqlite:"):
		path, err := sqlite.PathFromURL(u)
		if err != nil {
			return "", "", err
		}
		return "sqlite", path, nil
	}
	return "", "", fmt.Errorf("%q: must be a postgres:// or sqlite: URL", postgres.RedactURL(u))
}
