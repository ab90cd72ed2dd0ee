package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/api"
)

func TestGuardSettingsDefaults(t *testing.T) {
	for cmd, f := range map[string]*APIFlags{"dev": &parsed[*Dev](t, "dev").APIFlags, "api": &parsed[*API](t, "api").APIFlags} {
		if got := f.GuardPolicy(); got != api.DefaultGuardPolicy() {
			t.Errorf("%s: policy %+v, want %+v", cmd, got, api.DefaultGuardPolicy())
		}
		if r := f.NumberRules(); r.Countries.String() != api.DefaultPhoneRegion || r.GeoMonitor || r.AllowVoIP {
			t.Errorf("%s: number rules %+v, want %s only, enforced, no VoIP", cmd, r, api.DefaultPhoneRegion)
		}
	}
	// The default follows --phone-region.
	if r := parsed[*Dev](t, "dev", "--phone-region", "US").NumberRules(); r.Countries.String() != "US" {
		t.Errorf("--phone-region US: countries %s", r.Countries)
	}
}

func TestGuardSettings(t *testing.T) {
	t.Setenv("COFFEESHOP_ALLOWED_COUNTRIES", "gb,gg,je,im")
	t.Setenv("COFFEESHOP_SMS_BUDGET", "5000/24h")
	f := parsed[*API](t, "api", "--geo-monitor", "--allow-voip", "--guard-window", "2h", "--guard-min-sends", "20",
		"--guard-min-conversion", "0.5", "--guard-block", "1m", "--guard-max-block", "1h").APIFlags
	want := coffeeshop.GuardPolicy{Window: 2 * time.Hour, MinSends: 20, MinConversion: 0.5, BlockFor: time.Minute,
		MaxBlock: time.Hour, Budget: 5000, BudgetWindow: 24 * time.Hour}
	if got := f.GuardPolicy(); got != want {
		t.Errorf("policy %+v, want %+v", got, want)
	}
	if r := f.NumberRules(); r.Countries.String() != "GB,GG,IM,JE" || !r.GeoMonitor || !r.AllowVoIP {
		t.Errorf("number rules %+v", r)
	}
	if r := parsed[*Dev](t, "dev", "--allowed-countries", "*").NumberRules(); !r.Countries.All() {
		t.Errorf("*: countries %s", r.Countries)
	}
}

// The worker puts the codes after a wrong or expired code to the guard,
// with the same policy flags and variables as the api processes.
func TestWorkerGuardSettings(t *testing.T) {
	if w := parsed[*Worker](t, "worker"); w.GuardPolicy() != api.DefaultGuardPolicy() || w.NoGuard {
		t.Errorf("defaults: policy %+v, off %v; want %+v, on", w.GuardPolicy(), w.NoGuard, api.DefaultGuardPolicy())
	} else if d, want := w.DescribeGuard(false), "a prefix with 10 texts in 1h under 0.2 verified is blocked for 15m (up to 24h); no budget"; d != want {
		t.Errorf("described as %q, want %q", d, want)
	}
	t.Setenv("COFFEESHOP_SMS_BUDGET", "5000/24h")
	t.Setenv("COFFEESHOP_NO_RATE_LIMIT", "true")
	w := parsed[*Worker](t, "worker", "--guard-window", "2h", "--guard-min-sends", "20",
		"--guard-min-conversion", "0.5", "--guard-block", "1m", "--guard-max-block", "1h")
	want := coffeeshop.GuardPolicy{Window: 2 * time.Hour, MinSends: 20, MinConversion: 0.5, BlockFor: time.Minute,
		MaxBlock: time.Hour, Budget: 5000, BudgetWindow: 24 * time.Hour}
	if got := w.GuardPolicy(); got != want || !w.NoGuard {
		t.Errorf("policy %+v, off %v; want %+v, off", got, w.NoGuard, want)
	}
	if d := w.DescribeGuard(false); !strings.HasSuffix(d, "budget 5000/24h") {
		t.Errorf("described as %q, want the budget", d)
	}
	if d := w.DescribeGuard(w.NoGuard); d != "off (--no-rate-limit)" {
		t.Errorf("off described as %q", d)
	}
}

func TestBadGuardSettingsNameTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dev", "--allowed-countries", "UK"}, "--allowed-countries"},
		{[]string{"dev", "--allowed-countries", "GB,,US"}, "--allowed-countries"},
		{[]string{"dev", "--guard-window", "10s"}, "--guard-window"},
		{[]string{"dev", "--guard-min-sends", "1"}, "--guard-min-sends"},
		{[]string{"dev", "--guard-min-conversion", "1.5"}, "--guard-min-conversion"},
		{[]string{"dev", "--guard-min-conversion", "NaN"}, "--guard-min-conversion"},
		{[]string{"dev", "--guard-min-conversion", "lots"}, "--guard-min-conversion"},
		{[]string{"dev", "--guard-block", "0s"}, "--guard-block"},
		{[]string{"dev", "--guard-block", "2h", "--guard-max-block", "1h"}, "--guard-max-block"},
		{[]string{"api", "--sms-budget", "1000"}, "--sms-budget"},
		{[]string{"api", "--sms-budget", "0/1h"}, "--sms-budget"},
		{[]string{"worker", "--sms-budget", "lots"}, "--sms-budget"},
		{[]string{"worker", "--guard-block", "2h", "--guard-max-block", "1h"}, "--guard-max-block"},
		{[]string{"worker", "--guard-min-conversion", "-0.1"}, "--guard-min-conversion"},
	} {
		refused(t, tc.want, tc.args...)
	}
}
