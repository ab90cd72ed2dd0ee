package cli

import (
	"strings"
	"testing"
)

func TestTestNumberSettings(t *testing.T) {
	if dev := parsed[*Dev](t, "dev"); !dev.Numbers().Empty() || dev.TestCode != "" {
		t.Errorf("dev defaults: %q, code set %v; want none", dev.Numbers(), dev.TestCode != "")
	}
	dev := loaded[*Dev](t, "dev", "--data-dir", t.TempDir(), "--test-numbers", "+447700900000-+447700900999, +15555550100", "--test-code", "4242")
	if !dev.Numbers().Contains("+447700900123") || !dev.Numbers().Contains("+15555550100") || dev.Numbers().Contains("+447700901000") || dev.TestCode != "4242" {
		t.Errorf("dev: numbers %q, code %q", dev.Numbers(), dev.TestCode)
	}
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	t.Setenv("COFFEESHOP_NO_ENCRYPTION", "true")
	t.Setenv("COFFEESHOP_TEST_NUMBERS", "+447700900001")
	t.Setenv("COFFEESHOP_TEST_CODE", "987654")
	// The worker does not know the API's code length: any valid code.
	if w := loaded[*Worker](t, "worker"); !w.Numbers().Contains("+447700900001") || w.TestCode != "987654" {
		t.Errorf("worker from the environment: %q, %q", w.Numbers(), w.TestCode)
	}
	if a := loaded[*API](t, "api", "--code-length", "6"); !a.Numbers().Contains("+447700900001") {
		t.Errorf("api from the environment: %q", a.Numbers())
	}
}

func TestBadTestNumberSettings(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dev", "--data-dir", dir, "--test-numbers", "07700900000", "--test-code", "1234"}, "--test-numbers"},
		{[]string{"dev", "--data-dir", dir, "--test-numbers", "+447700900999-+447700900000", "--test-code", "1234"}, "--test-numbers"},
		{[]string{"dev", "--data-dir", dir, "--test-numbers", "+447700900000-+4477009001", "--test-code", "1234"}, "--test-numbers"},
		{[]string{"dev", "--data-dir", dir, "--test-numbers", "+447700900000"}, "needs --test-code"},
		{[]string{"dev", "--data-dir", dir, "--test-numbers", "+447700900000", "--test-code", "12a4"}, "--test-code"},
		{[]string{"dev", "--data-dir", dir, "--test-numbers", "+447700900000", "--test-code", "123456"}, "(4) digits"},
		{[]string{"worker", "--code-secret", testSecretHex, "--no-encryption", "--test-numbers", "+447700900000", "--test-code", "12"}, "--test-code"},
		{[]string{"api", "--code-secret", testSecretHex, "--no-encryption", "--test-numbers", "+447700900000", "--test-code", "12345"}, "(4) digits"},
	} {
		out := refused(t, tc.want, tc.args...)
		// The code is a secret: never echoed.
		for i, a := range tc.args {
			if i > 0 && tc.args[i-1] == "--test-code" && strings.Contains(out, a) {
				t.Errorf("%v: output %q shows the test code", tc.args, out)
			}
		}
	}
	t.Setenv("COFFEESHOP_TEST_NUMBERS", "not a number")
	refused(t, "COFFEESHOP_TEST_NUMBERS", "dev", "--data-dir", dir)
}
