package cli

import (
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/verify"
)

func TestPhoneCapSettings(t *testing.T) {
	if cfg := parsed[*Dev](t, "dev"); cfg.PhoneCodeLimit != verify.DefaultPhoneCodeLimit || cfg.PhoneCodeWindow != verify.DefaultPhoneCodeWindow {
		t.Errorf("dev defaults: limit %d window %s", cfg.PhoneCodeLimit, cfg.PhoneCodeWindow)
	}
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	t.Setenv("COFFEESHOP_PHONE_CODE_WINDOW", "1h")
	if cfg := parsed[*Worker](t, "worker", "--phone-code-limit", "3"); cfg.PhoneCodeLimit != 3 || cfg.PhoneCodeWindow != time.Hour {
		t.Errorf("worker: limit %d window %s", cfg.PhoneCodeLimit, cfg.PhoneCodeWindow)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dev", "--phone-code-limit", "0"}, "--phone-code-limit"},
		{[]string{"worker", "--phone-code-window", "500ms"}, "--phone-code-window"},
	} {
		refused(t, tc.want, tc.args...)
	}
}
