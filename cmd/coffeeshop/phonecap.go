package main

import (
	"fmt"
	"time"

	"github.com/coffeeshop/coffeeshop/verify"
)

// phoneCapFlags binds the per-phone cap on codes across verifications
// (dev, worker): the worker's SendCode activity enforces it.
func (fs *flagSet) phoneCapFlags() {
	c := fs.cfg
	fs.integer(&c.PhoneCodeLimit, "phone-code-limit", "COFFEESHOP_PHONE_CODE_LIMIT", verify.DefaultPhoneCodeLimit,
		"codes at most sent to one phone number per --phone-code-window, across verifications; more are refused (429)")
	fs.duration(&c.PhoneCodeWindow, "phone-code-window", "COFFEESHOP_PHONE_CODE_WINDOW", verify.DefaultPhoneCodeWindow,
		"the sliding window of --phone-code-limit")
}

// validatePhoneCap checks the per-phone cap settings the subcommand uses.
func (fs *flagSet) validatePhoneCap() []error {
	c := fs.cfg
	var errs []error
	if fs.used["phone-code-limit"] && (c.PhoneCodeLimit < 1 || c.PhoneCodeLimit > 10_000) {
		errs = append(errs, fmt.Errorf("--phone-code-limit %d: must be between 1 and 10000", c.PhoneCodeLimit))
	}
	if fs.used["phone-code-window"] && (c.PhoneCodeWindow < time.Second || c.PhoneCodeWindow > 365*24*time.Hour) {
		errs = append(errs, fmt.Errorf("--phone-code-window %s: must be between 1s and 8760h", c.PhoneCodeWindow))
	}
	return errs
}
