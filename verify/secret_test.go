package verify_test

import (
	"bytes"
	"fmt"
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

func TestDerivedCodes(t *testing.T) {
	codes := verify.DerivedCodes(testSecret)
	seen := map[string]bool{}
	for i := range 200 {
		key := fmt.Sprintf("run-1/%d", i)
		c, err := codes(key, 6)
		if err != nil || len(c) != 6 || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("code of %s = %q, %v", key, c, err)
		}
		// A send that runs again texts the code it texted before.
		if again, _ := codes(key, 6); again != c {
			t.Fatalf("the key %s made %q, then %q", key, c, again)
		}
		seen[c] = true
	}
	if len(seen) < 195 {
		t.Errorf("200 keys had %d distinct 6-digit codes", len(seen))
	}
	// Another secret, other codes: the key alone does not give the code.
	other := verify.DerivedCodes([]byte("another secret of at least thirty-two bytes"))
	same := 0
	for i := range 50 {
		key := fmt.Sprintf("run-1/%d", i)
		a, _ := codes(key, 8)
		b, _ := other(key, 8)
		if a == b {
			same++
		}
	}
	if same > 1 {
		t.Errorf("%d of 50 keys had the same 8-digit code under two secrets", same)
	}
	if _, err := codes("run-1/1", 3); err == nil {
		t.Error("a 3-digit code was made")
	}
	if _, err := codes("", 6); err == nil {
		t.Error("a code was derived without a key")
	}
	if _, err := verify.FixedCode("1234")("run-1/1", 6); err == nil {
		t.Error("a 4-digit fixed code was given for a 6-digit verification")
	}
}
