package cli

import (
	"errors"
	"fmt"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/bench"
	"github.com/coffeeshop/coffeeshop/codec"
	"github.com/coffeeshop/coffeeshop/email"
	"github.com/coffeeshop/coffeeshop/internal/ceiling"
	"github.com/coffeeshop/coffeeshop/sms"
	"github.com/coffeeshop/coffeeshop/temporalclient"
	"github.com/coffeeshop/coffeeshop/verify"
)

// Validation of each subcommand's settings: ranges and combinations, after
// parsing has checked each value's form. It reads no file and no
// environment variable, and never shows a secret.

func (c *Dev) validate() error {
	errs := c.APIFlags.validate()
	errs = append(errs, c.CodeFlags.validate(c.RandomCodes)...)
	errs = append(errs, c.EmailFlags.validate()...)
	errs = append(errs, c.TextFlags.validate()...)
	if c.FixedCode != "" && !c.RandomCodes && len(c.FixedCode) != c.CodeLength {
		errs = append(errs, badSetting("fixed-code", c.FixedCode, "must have --code-length (%d) digits", c.CodeLength))
	}
	errs = append(errs, c.CodeSecretFlags.validate(false)...)
	errs = append(errs, c.EncryptionFlags.validate(false)...)
	errs = append(errs, c.TestNumberFlags.validate(c.CodeLength)...)
	errs = append(errs, c.ReceiptFlags.validate(true)...)
	errs = append(errs, checkReceiptProvider(&c.ReceiptFlags, &c.SMSFlags)...)
	errs = append(errs, c.ChannelFlags.validate()...)
	errs = append(errs, checkWebhook(&c.SMSFlags, &c.EmailFlags)...)
	errs = append(errs, checkWhatsApp(&c.ChannelFlags, &c.SMSFlags)...)
	if !c.Auth {
		for _, l := range []struct {
			flag string
			addr HostPort
		}{{"grpc-addr", c.GRPCAddr}, {"http-addr", c.HTTPAddr}} {
			if !l.addr.Loopback() {
				errs = append(errs, badSetting(l.flag, l.addr, "without --auth dev answers anyone who reaches its API: listen on a loopback address (127.0.0.1, [::1] or localhost) or add --auth"))
			}
		}
	}
	return errors.Join(errs...)
}

func (c *Temporal) validate() error {
	errs := c.ServedTLSFlags.validate()
	errs = append(errs, c.EncryptionKeyFlags.validate()...)
	return errors.Join(errs...)
}

func (c *Worker) validate() error {
	errs := c.RemoteFlags.validate()
	errs = append(errs, c.CodeFlags.validate(false)...)
	errs = append(errs, c.GuardPolicyFlags.validate()...)
	errs = append(errs, c.EmailFlags.validate()...)
	errs = append(errs, c.TextFlags.validate()...)
	errs = append(errs, c.CodeSecretFlags.validate(true)...)
	errs = append(errs, c.EncryptionFlags.validate(true)...)
	errs = append(errs, c.TestNumberFlags.validate(0)...)
	errs = append(errs, c.ReceiptFlags.validate(false)...)
	errs = append(errs, checkReceiptProvider(&c.ReceiptFlags, &c.SMSFlags)...)
	errs = append(errs, checkWebhook(&c.SMSFlags, &c.EmailFlags)...)
	return errors.Join(errs...)
}

func (c *API) validate() error {
	errs := c.RemoteFlags.validate()
	errs = append(errs, c.APIFlags.validate()...)
	errs = append(errs, c.CodeSecretFlags.validate(true)...)
	errs = append(errs, c.EncryptionFlags.validate(true)...)
	errs = append(errs, c.TestNumberFlags.validate(c.CodeLength)...)
	errs = append(errs, c.ReceiptFlags.validate(true)...)
	errs = append(errs, c.ChannelFlags.validate()...)
	if !c.SignupPage && len(c.SignupReturnOrigins) > 0 {
		errs = append(errs, badSetting("signup-return-origins", strings.Join(c.SignupReturnOrigins, ","), "is for the signup page: add --signup-page"))
	}
	return errors.Join(errs...)
}

func (c *Bench) validate() error {
	errs := []error{c.Config().Validate()}
	if c.Scenario != bench.ScenarioLong {
		// The pumping scenario reads the metrics for --attack-wrong-codes.
		metricsUsed := c.Scenario == bench.ScenarioPumping && c.AttackWrong
		for _, f := range []struct {
			flag string
			set  bool
		}{{"report-every", c.ReportEvery != 0}, {"metrics-url", c.MetricsURL != "" && !metricsUsed}, {"data-dir", c.DataDir != ""}, {"plot", c.Plot != ""}} {
			if f.set {
				errs = append(errs, fmt.Errorf("--%s is for --scenario long", f.flag))
			}
		}
	}
	if c.AttackWrong && c.Scenario != bench.ScenarioPumping {
		errs = append(errs, fmt.Errorf("--attack-wrong-codes is for --scenario pumping"))
	}
	return errors.Join(errs...)
}

func (c *Ceiling) validate() error { return c.Config().Validate() }

func (c *Version) validate() error { return nil }

func (f *ServedTLSFlags) validate() []error {
	switch {
	case f.ServeCertPath == "" && f.ServeKeyPath == "" && f.ServeClientCAPath != "":
		return []error{errors.New("--temporal-tls-client-ca needs --temporal-tls-cert and --temporal-tls-key: client certificates are asked for only over TLS")}
	case (f.ServeCertPath == "") != (f.ServeKeyPath == ""):
		return []error{errors.New("--temporal-tls-cert and --temporal-tls-key go together: give both or neither")}
	}
	return nil
}

func (f *RemoteFlags) validate() []error {
	var errs []error
	if _, _, err := ParseDatabaseURL(f.DatabaseURL); err != nil {
		errs = append(errs, badSetting("database-url", nil, "%v", err))
	}
	return append(errs, f.RemoteTLSFlags.validate()...)
}

// validate checks the TLS settings together, reading nothing; each error
// names the flags.
func (f *RemoteTLSFlags) validate() []error {
	err := f.settings().Check()
	if err == nil {
		return nil
	}
	found := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		found = j.Unwrap()
	}
	var errs []error
	for _, e := range found {
		var se *temporalclient.SettingError
		if !errors.As(e, &se) {
			errs = append(errs, e)
			continue
		}
		flag := tlsFlags[se.Settings[0]]
		switch {
		case errors.Is(se, temporalclient.ErrTLSOff):
			errs = append(errs, fmt.Errorf("--tls=false contradicts --%s", tlsFlags[se.Settings[1]]))
		case len(se.Settings) == 2:
			errs = append(errs, fmt.Errorf("--%s and --%s %v", flag, tlsFlags[se.Settings[1]], se.Err))
		default:
			errs = append(errs, badSetting(flag, nil, "%v", se.Err))
		}
	}
	return errs
}

func (f *APIFlags) validate() []error {
	var errs []error
	if !api.ValidPhoneRegion(f.PhoneRegion) {
		errs = append(errs, badSetting("phone-region", f.PhoneRegion, "must be an ISO 3166 region code such as GB or US"))
	}
	return append(errs, f.GuardFlags.validate()...)
}

func (f *GuardPolicyFlags) validate() []error {
	var errs []error
	// NaN fails both comparisons.
	if !(f.GuardMinConversion >= 0 && f.GuardMinConversion <= 1) {
		errs = append(errs, badSetting("guard-min-conversion", f.GuardMinConversion, "must be between 0 and 1"))
	}
	if f.GuardMaxBlock < f.GuardBlock {
		errs = append(errs, badSetting("guard-max-block", f.GuardMaxBlock, "must be at least --guard-block (%s)", f.GuardBlock))
	}
	return errs
}

// validate checks the code settings; random is set when dev sends random
// codes, which makes --fixed-code moot.
func (f *CodeFlags) validate(random bool) []error {
	var errs []error
	if f.FixedCode != "" && !random && (!coffeeshop.IsDigits(f.FixedCode) ||
		len(f.FixedCode) < verify.MinCodeLength || len(f.FixedCode) > verify.MaxCodeLength) {
		errs = append(errs, badSetting("fixed-code", f.FixedCode, "must be %d to %d digits", verify.MinCodeLength, verify.MaxCodeLength))
	}
	return append(errs, f.SMSFlags.validate()...)
}

// validate checks the settings of Twilio, for the SMS and WhatsApp lists
// that name it (the webhook's, which every channel may name, are checked
// by checkWebhook).
func (f *SMSFlags) validate() []error {
	var errs []error
	bad := func(err error) { errs = append(errs, err) }
	onSMS, onWhatsApp := f.SMSProvider.has(sms.ProviderTwilio), listHas(f.whatsApp(), sms.ProviderTwilio)
	if f.WhatsAppTemplates != "" {
		switch _, err := sms.ParseWhatsAppTemplates(f.WhatsAppTemplates); {
		case f.whatsApp() == "":
			bad(badSetting("twilio-whatsapp-templates", nil, "is for WhatsApp through Twilio: give --twilio-whatsapp-from too (twilio is then --whatsapp-provider's default)"))
		case !onWhatsApp:
			bad(badSetting("twilio-whatsapp-templates", nil, "is for WhatsApp through Twilio, and --whatsapp-provider=%q does not name twilio", f.whatsApp()))
		case err != nil:
			bad(badSetting("twilio-whatsapp-templates", f.WhatsAppTemplates, "%v", err))
		}
	}
	if !onSMS && !onWhatsApp {
		return errs
	}
	who := "--sms-provider twilio"
	if !onSMS {
		who = "--whatsapp-provider twilio"
	}
	switch {
	case f.TwilioAccountSID == "":
		bad(errors.New(who + " needs --twilio-account-sid"))
	case !sms.ValidAccountSID(f.TwilioAccountSID):
		bad(badSetting("twilio-account-sid", nil, "must be AC followed by 32 hex digits"))
	}
	switch {
	case !f.twilioAuthTokenPresent || f.TwilioAuthToken == "":
		bad(errors.New(who + " needs " + envTwilioAuthToken + " (the auth token; it has no flag)"))
	case strings.TrimSpace(f.TwilioAuthToken) != f.TwilioAuthToken || strings.ContainsAny(f.TwilioAuthToken, " \t\r\n"):
		bad(errors.New(envTwilioAuthToken + ": must not contain spaces or line breaks"))
	}
	if !sms.ValidBaseURL(f.TwilioBaseURL) {
		bad(badSetting("twilio-base-url", f.TwilioBaseURL, "must be an http(s) URL such as %s, without user, query or fragment", sms.DefaultTwilioBaseURL))
	}
	if onSMS {
		switch {
		case f.TwilioFrom == "" && f.TwilioServiceSID == "":
			bad(errors.New("--sms-provider twilio needs a sender: --twilio-from or --twilio-messaging-service-sid"))
		case f.TwilioFrom != "" && f.TwilioServiceSID != "":
			bad(errors.New("--twilio-from and --twilio-messaging-service-sid: give only one"))
		case f.TwilioServiceSID != "" && !sms.ValidMessagingServiceSID(f.TwilioServiceSID):
			bad(badSetting("twilio-messaging-service-sid", f.TwilioServiceSID, "must be MG followed by 32 hex digits"))
		case f.TwilioFrom != "" && !sms.ValidSender(f.TwilioFrom):
			bad(badSetting("twilio-from", f.TwilioFrom, "must be a phone number in E.164 form (+ and 7 to 15 digits) or an alphanumeric sender ID (up to 11 letters, digits and spaces)"))
		}
	}
	if onWhatsApp {
		switch {
		case f.TwilioWhatsAppFrom == "":
			bad(errors.New("--whatsapp-provider twilio needs --twilio-whatsapp-from, the account's WhatsApp sender"))
		case !coffeeshop.IsE164(f.TwilioWhatsAppFrom):
			bad(badSetting("twilio-whatsapp-from", f.TwilioWhatsAppFrom, "must be a phone number in E.164 form"))
		}
	}
	return errs
}

// checkWebhook checks the webhook's URL and secret when any channel's list
// names it, once, naming the lists that do.
func checkWebhook(s *SMSFlags, e *EmailFlags) []error {
	var lists []string
	for _, l := range []struct {
		flag string
		has  bool
	}{
		{"--sms-provider", s.SMSProvider.has(sms.ProviderWebhook)},
		{"--whatsapp-provider", listHas(s.whatsApp(), sms.ProviderWebhook)},
		{"--email-provider", listHas(string(e.EmailProvider), sms.ProviderWebhook)},
	} {
		if l.has {
			lists = append(lists, l.flag)
		}
	}
	if len(lists) == 0 {
		return nil
	}
	who := strings.Join(lists, " and ") + " webhook"
	var errs []error
	switch {
	case s.SMSWebhookURL == "":
		errs = append(errs, errors.New(who+" needs --sms-webhook-url"))
	case !sms.ValidWebhookURL(s.SMSWebhookURL):
		// Not quoted: a query may hold a token.
		errs = append(errs, badSetting("sms-webhook-url", nil, "must be an http(s) URL with a host, without user or fragment"))
	}
	if len(s.SMSWebhookSecret) < sms.MinWebhookSecretBytes {
		errs = append(errs, fmt.Errorf("%s needs %s (the signing secret; it has no flag) of at least %d bytes (openssl rand -hex 32)",
			who, envSMSWebhookSecret, sms.MinWebhookSecretBytes))
	}
	return errs
}

// validate checks the SMTP settings.
func (f *EmailFlags) validate() []error {
	var errs []error
	if listHas(string(f.EmailProvider), email.ProviderSMTP) && f.SMTPAddr == "" {
		errs = append(errs, errors.New("--email-provider smtp needs --smtp-addr"))
	}
	if f.SMTPAddr == "" {
		if f.SMTPFrom != "" || f.SMTPUsername != "" {
			errs = append(errs, errors.New("--smtp-from and --smtp-username need --smtp-addr"))
		}
		return errs
	}
	if a, err := mail.ParseAddress(f.SMTPFrom); f.SMTPFrom == "" || err != nil || !strings.Contains(a.Address, "@") {
		errs = append(errs, badSetting("smtp-from", f.SMTPFrom, "must be an email address, such as codes@example.com or \"Coffeeshop <codes@example.com>\""))
	}
	if f.SMTPUsername != "" && f.SMTPPassword == "" {
		errs = append(errs, errors.New("--smtp-username needs "+envSMTPPassword+" (the password; it has no flag)"))
	}
	if f.SMTPUsername != "" && !f.SMTPTLS && !f.SMTPAddr.Loopback() {
		errs = append(errs, badSetting("smtp-tls", false, "--smtp-username would send the password in plain text to %s: keep TLS on, or use a server on loopback", f.SMTPAddr))
	}
	return errs
}

// validate checks the code secret; required is set where there is no
// data dir to keep a generated one in (worker, api).
func (f *CodeSecretFlags) validate(required bool) []error {
	switch {
	case f.CodeSecret != "":
		if _, err := verify.ParseSecret(f.CodeSecret); err != nil {
			return []error{badSetting("code-secret", nil, "%v", err)}
		}
	case required:
		return []error{badSetting("code-secret", nil, "is required: the same secret on every worker and api process")}
	}
	return nil
}

// msgNoEncryptionKey is why a worker or api process does not start without
// payload keys, and what to do.
const msgNoEncryptionKey = "--encryption-key is required: workflow inputs hold customers' names, email addresses and phone numbers, " +
	"which Temporal keeps in its history in plain text, readable by anyone with access to its Web UI or the namespace. " +
	"Generate a key with `openssl rand -base64 32` and give every worker and api process the same id:base64key " +
	"(e.g. COFFEESHOP_ENCRYPTION_KEYS=k1:<key>); or give --no-encryption to accept plain text"

// validate checks the payload keys of a process that writes workflow
// payloads; required is set where no key can be generated (worker, api).
func (f *EncryptionFlags) validate(required bool) []error {
	switch {
	case f.EncryptionKeys != "" && f.NoEncryption:
		return []error{errors.New("--encryption-key and --no-encryption contradict each other: give one of them")}
	case f.EncryptionKeys == "" && !f.NoEncryption && required:
		return []error{errors.New(msgNoEncryptionKey)}
	}
	return f.EncryptionKeyFlags.validate()
}

func (f *EncryptionKeyFlags) validate() []error {
	if f.EncryptionKeys == "" {
		return nil
	}
	if _, err := codec.ParseKeys(f.EncryptionKeys); err != nil {
		return []error{badSetting("encryption-key", nil, "%v", err)}
	}
	return nil
}

// checkBounds checks each flag of a subcommand against its min, max and
// nonempty tags (${vars} in them are kongVars).
func checkBounds(flags []*kong.Flag) []error {
	vars := kongVars()
	expand := func(k string) string { return vars[k] }
	var errs []error
	for _, f := range flags {
		v := f.Target.Interface()
		if f.Tag.Has("nonempty") && f.Target.IsZero() {
			errs = append(errs, badSetting(f.Name, v, "must not be empty"))
		}
		lo, hi := os.Expand(f.Tag.Get("min"), expand), os.Expand(f.Tag.Get("max"), expand)
		if lo == "" && hi == "" {
			continue
		}
		var below, above bool
		switch x := v.(type) {
		case int:
			min, _ := strconv.Atoi(lo)
			max, err := strconv.Atoi(hi)
			below, above = x < min, err == nil && x > max
		case time.Duration:
			min, _ := time.ParseDuration(lo)
			max, err := time.ParseDuration(hi)
			below, above = x < min, err == nil && x > max
		}
		switch {
		case (below || above) && hi == "":
			errs = append(errs, badSetting(f.Name, v, "must be at least %s", lo))
		case below || above:
			errs = append(errs, badSetting(f.Name, v, "must be between %s and %s", lo, hi))
		}
	}
	return errs
}

// Config is the load tool's configuration.
func (c *Bench) Config() bench.Config {
	metrics := c.MetricsURL
	switch metrics {
	case "":
		metrics = strings.TrimSuffix(c.URL, "/") + "/metrics"
	case "off":
		metrics = ""
	}
	return bench.Config{URL: c.URL, N: c.N, Concurrency: c.C, Code: c.Code, WrongFirst: c.WrongFirst, Timeout: c.Timeout, APIKey: c.APIKey,
		Scenario: c.Scenario, Legit: c.Legit, Attack: c.Attack, AttackPrefixes: c.AttackPfx, AttackWrongCodes: c.AttackWrong,
		ReportEvery: c.ReportEvery, VerifyShare: c.VerifyShare, MetricsURL: metrics, DataDir: c.DataDir}
}

// Config is the ceiling's configuration, without its worker options.
func (c *Ceiling) Config() ceiling.Config {
	return ceiling.Config{N: c.N, Concurrency: c.C}
}
