package cli

import (
	"fmt"

	"github.com/coffeeshop/coffeeshop/verify"
)

// TextFlags set the texts the worker sends codes in (dev, worker): the
// built-in ones per locale, or an operator's, and the WebOTP line.
type TextFlags struct {
	MessageTemplates string `name:"message-templates" env:"COFFEESHOP_MESSAGE_TEMPLATES" doc-default:"none (the built-in en, es, fr and de texts)" help:"folder of the operator's code texts, one text/template per locale named <locale>.tmpl (en.tmpl, es.tmpl, de-AT.tmpl, ...) with {{.Code}} and optionally {{.Minutes}}, {{.Seconds}}, {{.TTL}} and {{.Brand}}, and a {{define \"subject\"}} for the email's subject (one line, without the code); each replaces the built-in text of its locale or adds a locale. Checked at start: a file that does not parse or does not show {{.Code}} stops it"`
	WebOTPDomain     string `name:"webotp-domain" env:"COFFEESHOP_WEBOTP_DOMAIN" doc-default:"none (no WebOTP line)" help:"host name of the site that reads the code (such as shop.example.com): every SMS then ends with the WebOTP line @<domain> #<code>, so that a browser on that site offers to fill the code in"`
}

// validate checks the WebOTP domain's form; the templates are read by
// load.
func (f *TextFlags) validate() []error {
	if f.WebOTPDomain != "" && !verify.ValidWebOTPDomain(f.WebOTPDomain) {
		return []error{badSetting("webotp-domain", f.WebOTPDomain, "must be a host name in lower case, such as shop.example.com, without scheme, port or path")}
	}
	return nil
}

// load parses and tries the built-in texts and --message-templates'
// files; an error names the flag, its variable and the file.
func (f *TextFlags) load() (*verify.Texts, error) {
	t, err := verify.NewTexts(f.MessageTemplates, f.WebOTPDomain)
	if err != nil {
		return nil, fmt.Errorf("--message-templates (COFFEESHOP_MESSAGE_TEMPLATES): %w", err)
	}
	return t, nil
}
