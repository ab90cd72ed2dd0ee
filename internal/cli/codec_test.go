package cli

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/codec"
)

// envEncryptionKeys holds the keys when --encryption-key is not given.
const envEncryptionKeys = "COFFEESHOP_ENCRYPTION_KEYS"

func testKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, codec.KeySize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestBadEncryptionSettingsNameTheFlag(t *testing.T) {
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dev", "--encryption-key", "k1:" + short}, "--encryption-key"},
		{[]string{"temporal", "--encryption-key", "nokey"}, "--encryption-key"},
		{[]string{"worker", "--code-secret", strings.Repeat("ab", 32), "--encryption-key", "k1:%%%"}, "--encryption-key"},
		{[]string{"api", "--code-secret", strings.Repeat("ab", 32), "--encryption-key", "a:" + short}, "16 bytes"},
		{[]string{"dev", "--codec-addr", "nope"}, "--codec-addr"},
	} {
		out := refused(t, tc.want, tc.args...)
		if strings.Contains(out, short) {
			t.Errorf("%v: the output repeats the key", tc.args)
		}
	}
}

func TestEncryptionKeysFromEnvironment(t *testing.T) {
	key := testKey(t)
	t.Setenv(envEncryptionKeys, "env:"+key)
	// --help prints defaults; the key must not be one of them.
	code, out := runArgs(t, "dev", "--help")
	if code != 0 || !strings.Contains(out, "--encryption-key=STRING") || !strings.Contains(out, "$"+envEncryptionKeys) || strings.Contains(out, key) {
		t.Errorf("dev --help: exit %d, output %q; want the flag listed without the key", code, out)
	}
	pc, err := parsed[*Dev](t, "dev").Codec()
	if err != nil || pc == nil || pc.EncryptionKeyID() != "env" {
		t.Fatalf("Codec() = %v, %v; want the key from %s", pc, err, envEncryptionKeys)
	}
	// The flag wins.
	if pc, err := parsed[*Worker](t, "worker", "--encryption-key", "flag:"+testKey(t)+",env:"+key).Codec(); err != nil || pc.EncryptionKeyID() != "flag" {
		t.Errorf("Codec() = %v, %v; want the flag's first key", pc, err)
	}
	t.Setenv(envEncryptionKeys, "broken")
	if code, out := runArgs(t, "api", "--code-secret", strings.Repeat("ab", 32)); code != 2 || !strings.Contains(out, envEncryptionKeys) {
		t.Errorf("bad %s: exit %d, output %q; want it named", envEncryptionKeys, code, out)
	}
}
