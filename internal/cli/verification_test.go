package cli

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/verify"
)

const testSecretHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func TestBadVerificationSettingsNameTheFlag(t *testing.T) {
	secret := "--code-secret=" + testSecretHex
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dev", "--code-length", "3"}, "--code-length"},
		{[]string{"api", secret, "--code-length", "11"}, "--code-length"},
		{[]string{"dev", "--code-length", "6"}, "--fixed-code"}, // the default fixed code has 4 digits
		{[]string{"dev", "--verification-window", "500ms"}, "--verification-window"},
		{[]string{"api", secret, "--verification-window", "721h"}, "--verification-window"},
		{[]string{"dev", "--resend-cooldown", "0s"}, "--resend-cooldown"},
		{[]string{"dev", "--max-sends", "0"}, "--max-sends"},
		{[]string{"dev", "--code-secret", "abcd"}, "--code-secret"},
		{[]string{"worker", "--code-secret", "not base64 or hex!"}, "--code-secret"},
		{[]string{"worker"}, "--code-secret"},
		{[]string{"api"}, "--code-secret"},
	} {
		refused(t, tc.want, tc.args...)
	}
}

func TestVerificationSettings(t *testing.T) {
	dev := parsed[*Dev](t, "dev")
	if dev.CodeLength != verify.DefaultCodeLength || dev.VerificationWindow != verify.DefaultWindow ||
		dev.ResendCooldown != verify.DefaultResendCooldown || dev.MaxSends != verify.DefaultMaxSends || dev.CodeSecret != "" {
		t.Errorf("dev defaults: %+v", dev)
	}
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	t.Setenv(envEncryptionKeys, "k1:"+testKey(t))
	t.Setenv("COFFEESHOP_VERIFICATION_WINDOW", "1h")
	cfg := loaded[*API](t, "api", "--code-length", "6", "--resend-cooldown", "5s", "--max-sends", "2")
	if cfg.CodeLength != 6 || cfg.VerificationWindow != time.Hour || cfg.ResendCooldown != 5*time.Second ||
		cfg.MaxSends != 2 || cfg.CodeSecret != testSecretHex {
		t.Errorf("api settings: %+v", cfg)
	}
	if len(cfg.Secret) != 32 || cfg.Secret[31] != 0x1f {
		t.Errorf("secret %x, want the bytes of %s", cfg.Secret, testSecretHex)
	}
	// The worker takes the secret from the environment too.
	if cfg := parsed[*Worker](t, "worker"); cfg.CodeSecret != testSecretHex {
		t.Errorf("worker secret %q", cfg.CodeSecret)
	}
}

// dev keeps its secret in --data-dir; a configured secret wins over it.
// verify's tests cover the file itself.
func TestDevKeepsItsSecretInTheDataDir(t *testing.T) {
	dir := t.TempDir()
	cfg, dataDir := &CodeSecretFlags{}, filepath.Join(dir, "data")
	first, err := cfg.load(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := verify.LoadOrCreateSecret(filepath.Join(dataDir, verify.SecretFileName))
	if err != nil || !bytes.Equal(first, onDisk) {
		t.Errorf("the secret in --data-dir is %x, %v; dev uses %x", onDisk, err, first)
	}
	cfg.CodeSecret = testSecretHex
	if got, err := cfg.load(dataDir); err != nil || bytes.Equal(got, first) || got[31] != 0x1f {
		t.Errorf("configured secret: %x, %v", got, err)
	}
}
