package cli

import (
	"os"
	"slices"
	"strings"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sms"
	"github.com/coffeeshop/coffeeshop/twiliohook"
)

// ReceiptFlags turn delivery receipts on (dev, worker, api): the worker
// asks Twilio to report each message under the public URL, and the API
// serves the endpoint (twiliohook) that checks the reports' signatures
// with the Twilio auth token, read from TWILIO_AUTH_TOKEN as for SMS.
type ReceiptFlags struct {
	PublicURL           string `name:"public-url" env:"COFFEESHOP_PUBLIC_URL" doc-default:"none (no delivery receipts)" help:"URL at which Twilio reaches this service's HTTP API from the internet (https://verify.example.com; http only on loopback, for tests), the prefix of each message's status callback (${receiptPath}); the api (and dev) checks the callbacks' signatures against it with TWILIO_AUTH_TOKEN. Without it, messages are sent without receipts and no fallback waits for one"`
	ReceiptAuthToken    string `kong:"-"`
	receiptTokenPresent bool
}

// ChannelFlags are the channels a verification may use and when it falls
// back (dev, api).
type ChannelFlags struct {
	Channels        []string      `name:"channels" sep:"," env:"COFFEESHOP_CHANNELS" default:"sms" help:"channels codes go out on, in fallback order, comma-separated: sms, whatsapp, email. A create may ask for one of them (its \"channel\"), which goes first; a message reported undelivered or failed, or (with --public-url) not reported delivered within --delivery-timeout, is followed by a fresh code on the next"`
	DeliveryTimeout time.Duration `name:"delivery-timeout" min:"5s" max:"24h" env:"COFFEESHOP_DELIVERY_TIMEOUT" default:"2m" help:"how long a message on a channel with receipts may go without being reported delivered before the code goes out on the next channel (5s-24h)"`
}

// readReceiptToken reads the auth token the callbacks are signed with.
func (f *ReceiptFlags) readReceiptToken() {
	f.ReceiptAuthToken, f.receiptTokenPresent = os.LookupEnv(envTwilioAuthToken)
}

// validate checks the public URL; needToken is set where the callbacks
// are checked (dev, api).
func (f *ReceiptFlags) validate(needToken bool) []error {
	if f.PublicURL == "" {
		return nil
	}
	var errs []error
	if err := twiliohook.CheckPublicURL(f.PublicURL); err != nil {
		errs = append(errs, badSetting("public-url", f.PublicURL, "%s", strings.TrimPrefix(err.Error(), "public URL "+`"`+f.PublicURL+`": `)))
	}
	if needToken && (!f.receiptTokenPresent || f.ReceiptAuthToken == "") {
		errs = append(errs, badSetting("public-url", f.PublicURL, "needs %s, the key Twilio signs the status callbacks with", envTwilioAuthToken))
	}
	return errs
}

// checkReceiptProvider refuses --public-url on a process that sends the
// messages (dev, worker) unless Twilio is in the SMS or the WhatsApp list:
// only Twilio creates messages with a status callback and names them (a
// webhook, SMTP and the console report nothing), and a public URL that no
// message reports to would promise receipts and fallbacks on silence that
// never come. A message another provider of a list sent waits for no
// receipt.
func checkReceiptProvider(r *ReceiptFlags, s *SMSFlags) []error {
	if r.PublicURL == "" || s.SMSProvider.has(sms.ProviderTwilio) || listHas(s.whatsApp(), sms.ProviderTwilio) {
		return nil
	}
	return []error{badSetting("public-url", r.PublicURL,
		"delivery receipts come only from Twilio, and neither --sms-provider=%q nor the WhatsApp providers (%q) name it: send SMS or WhatsApp through Twilio, or do not give this process a public URL",
		string(s.SMSProvider), s.whatsApp())}
}

// ReceiptURL returns the status-callback URL of a customer's send, or nil
// without a public URL.
func (f *ReceiptFlags) ReceiptURL() func(customerID string, n int) string {
	if f.PublicURL == "" {
		return nil
	}
	base := f.PublicURL
	return func(customerID string, n int) string { return twiliohook.CallbackURL(base, customerID, n) }
}

// validate checks the channels: known ones, each once.
func (f *ChannelFlags) validate() []error {
	var errs []error
	for i, name := range f.Channels {
		if _, err := coffeeshop.ParseChannel(name); err != nil {
			errs = append(errs, badSetting("channels", strings.Join(f.Channels, ","), "%s", coffeeshop.ErrorMessage(err)))
		} else if slices.Index(f.Channels, name) != i {
			errs = append(errs, badSetting("channels", strings.Join(f.Channels, ","), "%s is listed twice", name))
		}
	}
	if len(f.Channels) == 0 {
		errs = append(errs, badSetting("channels", "", "name at least one channel"))
	}
	return errs
}

// ChannelList is the channels in fallback order.
func (f *ChannelFlags) ChannelList() []coffeeshop.Channel {
	chs := make([]coffeeshop.Channel, 0, len(f.Channels))
	for _, name := range f.Channels {
		if c, err := coffeeshop.ParseChannel(name); err == nil {
			chs = append(chs, c)
		}
	}
	return chs
}

// checkWhatsApp refuses the whatsapp channel without a WhatsApp provider
// (dev, where the worker's settings are known); SMSFlags.validate checks
// the providers' own settings.
func checkWhatsApp(ch *ChannelFlags, s *SMSFlags) []error {
	if !slices.Contains(ch.Channels, string(coffeeshop.ChannelWhatsApp)) || s.whatsApp() != "" {
		return nil
	}
	return []error{badSetting("channels", strings.Join(ch.Channels, ","),
		"whatsapp needs a WhatsApp provider: --twilio-whatsapp-from with Twilio's credentials (--whatsapp-provider twilio, the default), or --whatsapp-provider webhook")}
}
