package cli

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/email"
	"github.com/coffeeshop/coffeeshop/sms"
)

// Types of settings whose values are checked as they are parsed, so that a
// bad one stops the start with an error naming its flag and variable.
// Secrets and URLs that may hold a password are never among them: kong
// quotes a value it cannot parse.

// HostPort is a listen or dial address, host:port; empty where a setting
// allows it (validate says where).
type HostPort string

func (h *HostPort) UnmarshalText(b []byte) error {
	s := string(b)
	if s != "" {
		_, port, err := net.SplitHostPort(s)
		if err != nil {
			return fmt.Errorf("%q: must be host:port", s)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			return fmt.Errorf("%q: the port must be a number from 0 to 65535", s)
		}
	}
	*h = HostPort(s)
	return nil
}

// Loopback reports whether h listens only on the loopback interface: a
// loopback IP or "localhost". An empty host (every interface) is not.
func (h HostPort) Loopback() bool {
	host, _, err := net.SplitHostPort(string(h))
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// rate is one limit of the API: N/duration or off.
type rate struct{ api.Rate }

func (r *rate) UnmarshalText(b []byte) error {
	v, err := api.ParseRate(string(b))
	if err != nil {
		return err
	}
	r.Rate = v
	return nil
}

// countries are the countries whose numbers a create accepts; unset (or
// empty) means the country of --phone-region.
type countries struct {
	api.Countries
	set bool
}

func (c *countries) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*c = countries{}
		return nil
	}
	v, err := api.ParseCountries(string(b))
	if err != nil {
		return err
	}
	*c = countries{Countries: v, set: true}
	return nil
}

// prefixes are the addresses of trusted reverse proxies: a comma-separated
// list of IPs and CIDR prefixes.
type prefixes []netip.Prefix

func (p *prefixes) UnmarshalText(b []byte) error {
	v, err := api.ParseTrustedProxies(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// origins are web origins, scheme://host[:port]: a comma-separated list,
// each http or https with a host and nothing after it (a trailing / is
// allowed), kept lower-case and without a default port, as browsers
// write them in an Origin header; each once.
type origins []string

func (o *origins) UnmarshalText(b []byte) error {
	out, err := parseOrigins(b, nil)
	if err != nil {
		return err
	}
	*o = out
	return nil
}

// corsOrigins are the origins whose pages may call the API with a
// customer's verification token: origins as for origins, but exact, as a
// browser writes them in its Origin header — no trailing /, and never *,
// which would let any web site use a token it got hold of.
type corsOrigins []string

func (o *corsOrigins) UnmarshalText(b []byte) error {
	out, err := parseOrigins(b, func(f string) error {
		switch {
		case strings.Contains(f, "*"):
			return fmt.Errorf("%q: * is not accepted: it would let a page on any web site call the API with a customer's verification token, a credential; name each origin, such as https://shop.example.com", f)
		case strings.HasSuffix(f, "/"):
			return fmt.Errorf("%q: an origin has no path, not even /: write %s", f, strings.TrimRight(f, "/"))
		}
		return nil
	})
	if err != nil {
		return err
	}
	*o = out
	return nil
}

// parseOrigins reads a comma-separated list of origins, each checked by
// check (when not nil) before it is parsed, and keeps each origin once.
func parseOrigins(b []byte, check func(string) error) ([]string, error) {
	var out []string
	for _, f := range strings.Split(string(b), ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if check != nil {
			if err := check(f); err != nil {
				return nil, err
			}
		}
		v, err := parseOrigin(f)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// parseOrigin reads one origin.
func parseOrigin(s string) (string, error) {
	bad := fmt.Errorf("%q: must be an origin, scheme://host[:port] such as https://shop.example.com", s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return "", bad
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", bad
		}
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") || port == "" {
		return scheme + "://" + host, nil
	}
	return scheme + "://" + host + ":" + port, nil
}

// logLevel is a slog level by name.
type logLevel slog.Level

func (l *logLevel) UnmarshalText(b []byte) error {
	var v slog.Level
	if err := v.UnmarshalText(b); err != nil {
		return fmt.Errorf("%q: must be debug, info, warn or error", b)
	}
	*l = logLevel(v)
	return nil
}

// logFormat is text or json.
type logFormat string

func (f *logFormat) UnmarshalText(b []byte) error {
	switch s := string(b); s {
	case "text", "json":
		*f = logFormat(s)
		return nil
	}
	return fmt.Errorf("%q: must be text or json", b)
}

// smsProvider is who texts the codes: console, twilio or webhook, or an
// ordered list of twilio and webhook, kept as "a,b".
type smsProvider string

const (
	smsConsole smsProvider = sms.ProviderConsole
	smsTwilio  smsProvider = sms.ProviderTwilio
)

func (p *smsProvider) UnmarshalText(b []byte) error {
	names, err := parseProviders(b, "console, twilio or webhook, or a comma-separated list of twilio and webhook",
		sms.ProviderConsole, sms.ProviderTwilio, sms.ProviderWebhook)
	if err != nil {
		return err
	}
	if len(names) > 1 && slices.Contains(names, sms.ProviderConsole) {
		return fmt.Errorf("%q: console texts nobody, so it cannot be in a list of providers", b)
	}
	*p = smsProvider(strings.Join(names, ","))
	return nil
}

// has reports whether p names provider name.
func (p smsProvider) has(name string) bool { return listHas(string(p), name) }

// whatsAppProvider is the WhatsApp channel's ordered list of twilio and
// webhook, kept as "a,b"; empty when not given.
type whatsAppProvider string

func (p *whatsAppProvider) UnmarshalText(b []byte) error {
	names, err := parseProviders(b, "twilio or webhook, or a comma-separated list of them", sms.ProviderTwilio, sms.ProviderWebhook)
	*p = whatsAppProvider(strings.Join(names, ","))
	return err
}

// emailProvider is the email channel's ordered list of smtp and webhook,
// kept as "a,b"; empty when not given.
type emailProvider string

func (p *emailProvider) UnmarshalText(b []byte) error {
	names, err := parseProviders(b, "smtp or webhook, or a comma-separated list of them", email.ProviderSMTP, sms.ProviderWebhook)
	*p = emailProvider(strings.Join(names, ","))
	return err
}

// parseProviders reads an ordered, comma-separated list of providers, each
// one of known and named once; want says what is allowed.
func parseProviders(b []byte, want string, known ...string) ([]string, error) {
	var names []string
	for _, n := range strings.Split(string(b), ",") {
		n = strings.TrimSpace(n)
		switch {
		case !slices.Contains(known, n):
			return nil, fmt.Errorf("%q: must be %s", b, want)
		case slices.Contains(names, n):
			return nil, fmt.Errorf("%q: names %s twice", b, n)
		}
		names = append(names, n)
	}
	return names, nil
}

// listHas reports whether the list "a,b" names provider name.
func listHas(list, name string) bool { return slices.Contains(strings.Split(list, ","), name) }
