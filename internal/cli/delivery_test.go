package cli

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sms"
)

func TestBadDeliverySettingsNameTheFlag(t *testing.T) {
	clearSMSEnv(t)
	secret := "--code-secret=" + testSecretHex
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dev", "--channels", "sms,pigeon"}, "--channels"},
		{[]string{"dev", "--channels", "sms,sms"}, "listed twice"},
		{[]string{"dev", "--channels", "sms,whatsapp"}, "--twilio-whatsapp-from"},
		{[]string{"api", secret, "--delivery-timeout", "1s"}, "--delivery-timeout"},
		{[]string{"api", secret, "--public-url", "http://verify.example.com"}, "--public-url"},
		{[]string{"api", secret, "--public-url", "https://verify.example.com"}, envTwilioAuthToken},
		{[]string{"worker", secret, "--public-url", "verify.example.com"}, "--public-url"},
		{[]string{"worker", secret, "--public-url", "https://verify.example.com"}, `--sms-provider="console"`},
	} {
		refused(t, tc.want, tc.args...)
	}
}

// Receipts come only from Twilio: a sending process with a public URL
// is refused, naming both settings, unless Twilio is in the SMS or the
// WhatsApp list; the api, which sends nothing, is not asked.
func TestPublicURLNeedsTwilioOnSomeChannel(t *testing.T) {
	r := &ReceiptFlags{PublicURL: "https://verify.example.com"}
	for _, s := range []SMSFlags{{SMSProvider: smsConsole}, {SMSProvider: sms.ProviderWebhook},
		{SMSProvider: sms.ProviderWebhook, WhatsAppProvider: sms.ProviderWebhook}} {
		errs := checkReceiptProvider(r, &s)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), `--public-url="https://verify.example.com"`) ||
			!strings.Contains(errs[0].Error(), `--sms-provider=`+strconv.Quote(string(s.SMSProvider))) {
			t.Errorf("%+v: %v, want one error naming --public-url and --sms-provider", s, errs)
		}
	}
	for _, s := range []SMSFlags{{SMSProvider: smsTwilio}, {SMSProvider: "twilio,webhook"}, {SMSProvider: "webhook,twilio"},
		{SMSProvider: sms.ProviderWebhook, WhatsAppProvider: "webhook,twilio"},
		{SMSProvider: smsConsole, TwilioWhatsAppFrom: "+15005550006"}} {
		if errs := checkReceiptProvider(r, &s); len(errs) != 0 {
			t.Errorf("%+v refused: %v", s, errs)
		}
	}
	if errs := checkReceiptProvider(&ReceiptFlags{}, &SMSFlags{SMSProvider: sms.ProviderWebhook}); len(errs) != 0 {
		t.Errorf("no public URL refused: %v", errs)
	}
}

func TestDeliverySettings(t *testing.T) {
	clearSMSEnv(t)
	t.Setenv(envTwilioAuthToken, testAuthToken)
	t.Setenv("COFFEESHOP_CHANNELS", "whatsapp,sms")
	api := parsed[*API](t, "api", "--public-url", "https://verify.example.com/coffee", "--delivery-timeout", "90s")
	if want := []coffeeshop.Channel{coffeeshop.ChannelWhatsApp, coffeeshop.ChannelSMS}; !slices.Equal(api.ChannelList(), want) {
		t.Errorf("channels %v, want %v", api.ChannelList(), want)
	}
	if api.DeliveryTimeout != 90*time.Second || api.ReceiptAuthToken != testAuthToken {
		t.Errorf("timeout %s, token read %v", api.DeliveryTimeout, api.ReceiptAuthToken == testAuthToken)
	}
	if got := api.ReceiptURL()("c1", 3); got != "https://verify.example.com/coffee/v1/webhooks/twilio/status?c=c1&n=3" {
		t.Errorf("receipt URL %s", got)
	}
	if errs := api.ReceiptFlags.validate(true); len(errs) != 0 {
		t.Errorf("valid settings refused: %v", errs)
	}
	if dev := parsed[*Dev](t, "dev"); dev.ReceiptURL() != nil {
		t.Error("a receipt URL without --public-url")
	}
}
