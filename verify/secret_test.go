package verify_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/verify"
)

func TestParseSecret(t *testing.T) {
	raw := bytes.Repeat([]byte{0xfb}, 32)
	for _, s := range []string{
		strings.Repeat("fb", 32),
		"+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s=",
		"-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s",
	} {
		got, err := verify.ParseSecret(s)
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("ParseSecret(%q) = %x, %v", s, got, err)
		}
	}
	if _, err := verify.ParseSecret(strings.Repeat("ab", 31)); err == nil {
		t.Error("a 31-byte secret was accepted")
	}
}

func TestCodeMACDependsOnSecretCustomerAndCode(t *testing.T) {
	other := bytes.Repeat([]byte{1}, 32)
	base := verify.CodeMAC(testSecret, "a", "1234")
	for _, mac := range []string{
		verify.CodeMAC(other, "a", "1234"),
		verify.CodeMAC(testSecret, "b", "1234"),
		verify.CodeMAC(testSecret, "a", "1235"),
	} {
		if mac == base {
			t.Errorf("MAC %s repeats", mac)
		}
	}
	if len(base) != 64 {
		t.Errorf("MAC %q is not 64 hex digits", base)
	}
}

func TestRandomCode(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		c, err := verify.RandomCode(6)
		if err != nil || len(c) != 6 || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("RandomCode(6) = %q, %v", c, err)
		}
		seen[c] = true
	}
	if len(seen) < 45 {
		t.Errorf("50 random 6-digit codes had %d distinct values", len(seen))
	}
	if _, err := verify.RandomCode(3); err == nil {
		t.Error("a 3-digit code was made")
	}
	if _, err := verify.FixedCode("1234")(6); err == nil {
		t.Error("a 4-digit fixed code was given for a 6-digit verification")
	}
}
