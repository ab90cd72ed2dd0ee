package main

import (
	"fmt"
	"net/netip"

	"github.com/coffeeshop/coffeeshop/api"
)

// rateLimitFlag is the flag of one rate in the API's limit table.
type rateLimitFlag struct {
	name, env string
	method    string // full gRPC method name
	perPhone  bool   // the per-phone rate, else the per-client-address one
	what      string // for --help
}

const numRateLimitFlags = 6

// rateLimitFlags are the configurable limits; Config.RateLimits holds their
// values in the same order. Defaults come from api.DefaultLimits, the one
// table that says why each is what it is.
var rateLimitFlags = [numRateLimitFlags]rateLimitFlag{
	{"rate-limit-create-ip", "COFFEESHOP_RATE_LIMIT_CREATE_IP", api.CreateMethod, false, "creates per client address"},
	{"rate-limit-create-phone", "COFFEESHOP_RATE_LIMIT_CREATE_PHONE", api.CreateMethod, true, "creates per phone number"},
	{"rate-limit-verify-ip", "COFFEESHOP_RATE_LIMIT_VERIFY_IP", api.VerifyMethod, false, "verify calls per client address"},
	{"rate-limit-verify-phone", "COFFEESHOP_RATE_LIMIT_VERIFY_PHONE", api.VerifyMethod, true, "verify calls per phone number"},
	{"rate-limit-resend-ip", "COFFEESHOP_RATE_LIMIT_RESEND_IP", api.ResendMethod, false, "resend calls per client address"},
	{"rate-limit-resend-phone", "COFFEESHOP_RATE_LIMIT_RESEND_PHONE", api.ResendMethod, true, "resend calls per phone number"},
}

// limitFlags binds the abuse-limit flags (dev, api).
func (fs *flagSet) limitFlags() {
	c := fs.cfg
	defaults := api.DefaultLimits()
	for i, f := range rateLimitFlags {
		def := defaults[f.method].PerIP
		if f.perPhone {
			def = defaults[f.method].PerPhone
		}
		fs.str(&c.RateLimits[i], f.name, f.env, def.String(),
			f.what+": N/duration (N at once, refilled evenly over the duration) or off")
	}
	fs.boolean(&c.NoRateLimit, "no-rate-limit", "COFFEESHOP_NO_RATE_LIMIT", false,
		"turn the per-client-address limits off (local load tests); per-phone limits stay")
	fs.str(&c.TrustedProxies, "trusted-proxy", "COFFEESHOP_TRUSTED_PROXIES", "",
		"comma-separated IPs or CIDR prefixes of reverse proxies whose X-Forwarded-For names the client")
}

// validateLimits checks the abuse-limit settings the subcommand uses.
func (fs *flagSet) validateLimits() []error {
	c := fs.cfg
	var errs []error
	for i, f := range rateLimitFlags {
		if !fs.used[f.name] {
			continue
		}
		if _, err := api.ParseRate(c.RateLimits[i]); err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", f.name, err))
		}
	}
	if fs.used["trusted-proxy"] {
		if _, err := api.ParseTrustedProxies(c.TrustedProxies); err != nil {
			errs = append(errs, fmt.Errorf("--trusted-proxy: %w", err))
		}
	}
	return errs
}

// limits returns the API's limit table and trusted proxies from validated
// settings.
func (c *Config) limits() (api.Limits, []netip.Prefix, error) {
	limits := api.Limits{}
	for i, f := range rateLimitFlags {
		r, err := api.ParseRate(c.RateLimits[i])
		if err != nil {
			return nil, nil, fmt.Errorf("--%s: %w", f.name, err)
		}
		rule := limits[f.method]
		if f.perPhone {
			rule.PerPhone = r
		} else {
			rule.PerIP = r
		}
		limits[f.method] = rule
	}
	proxies, err := api.ParseTrustedProxies(c.TrustedProxies)
	if err != nil {
		return nil, nil, fmt.Errorf("--trusted-proxy: %w", err)
	}
	return limits, proxies, nil
}
