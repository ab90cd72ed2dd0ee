package cli

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
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

// worker and api write customers' names, emails and phone numbers into
// workflow payloads: without keys they refuse to start, saying why and
// what to do, unless --no-encryption accepts plain text.
func TestWorkerAndAPIRefuseToStartWithoutKeys(t *testing.T) {
	t.Setenv("COFFEESHOP_CODE_SECRET", strings.Repeat("ab", 32))
	t.Setenv(envEncryptionKeys, "")
	for _, cmd := range []string{"worker", "api"} {
		out := refused(t, "--encryption-key (COFFEESHOP_ENCRYPTION_KEYS) is required", cmd)
		for _, want := range []string{"names, email addresses and phone numbers", "plain text", "Web UI",
			"openssl rand -base64 32", "id:base64key", "--no-encryption (COFFEESHOP_NO_ENCRYPTION)"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s without keys: %q does not say %q", cmd, out, want)
			}
		}
		var pc *codec.Codec
		switch c := loaded[Command](t, cmd, "--no-encryption").(type) {
		case *Worker:
			pc = c.PayloadCodec
		case *API:
			pc = c.PayloadCodec
		}
		if pc != nil {
			t.Errorf("%s --no-encryption: payloads encrypted with %s", cmd, pc.Describe())
		}
		refused(t, "--no-encryption (COFFEESHOP_NO_ENCRYPTION) contradict each other", cmd, "--no-encryption", "--encryption-key", "k1:"+testKey(t))
	}
	t.Setenv("COFFEESHOP_NO_ENCRYPTION", "true")
	if c := loaded[*API](t, "api"); c.PayloadCodec != nil {
		t.Errorf("api with COFFEESHOP_NO_ENCRYPTION: payloads encrypted with %s", c.PayloadCodec.Describe())
	}
	t.Setenv(envEncryptionKeys, "k1:"+testKey(t))
	refused(t, "contradict", "worker")
}

// temporal only serves the codec endpoint: keys stay optional there, and
// it has no --no-encryption.
func TestTemporalKeysStayOptional(t *testing.T) {
	t.Setenv(envEncryptionKeys, "")
	if c := loaded[*Temporal](t, "temporal", "--data-dir", t.TempDir()); c.PayloadCodec != nil {
		t.Errorf("temporal without keys: a codec %s", c.PayloadCodec.Describe())
	}
	refused(t, "--no-encryption", "temporal", "--no-encryption")
}

// dev encrypts by default with a key it generates in --data-dir and reads
// back on every later start; --encryption-key wins over it and
// --no-encryption turns encryption off (codec's tests cover the file).
func TestDevKeepsItsPayloadKeyInTheDataDir(t *testing.T) {
	t.Setenv(envEncryptionKeys, "")
	dir := filepath.Join(t.TempDir(), "data")
	first := loaded[*Dev](t, "dev", "--data-dir", dir)
	if first.PayloadCodec == nil || first.PayloadKeyFile != filepath.Join(dir, codec.KeyFileName) {
		t.Fatalf("dev: codec %v in %q; want one generated in %s", first.PayloadCodec, first.PayloadKeyFile, dir)
	}
	again := loaded[*Dev](t, "dev", "--data-dir", dir)
	if again.PayloadCodec.EncryptionKeyID() != first.PayloadCodec.EncryptionKeyID() {
		t.Errorf("restart: key %s, first start %s", again.PayloadCodec.EncryptionKeyID(), first.PayloadCodec.EncryptionKeyID())
	}
	given := loaded[*Dev](t, "dev", "--data-dir", dir, "--encryption-key", "mine:"+testKey(t))
	if given.PayloadCodec.EncryptionKeyID() != "mine" || given.PayloadKeyFile != "" {
		t.Errorf("--encryption-key: key %s from %q; want mine from the setting", given.PayloadCodec.EncryptionKeyID(), given.PayloadKeyFile)
	}
	fresh := filepath.Join(t.TempDir(), "plain")
	if off := loaded[*Dev](t, "dev", "--data-dir", fresh, "--no-encryption"); off.PayloadCodec != nil || off.PayloadKeyFile != "" {
		t.Errorf("--no-encryption: codec %v in %q", off.PayloadCodec, off.PayloadKeyFile)
	}
	if _, err := os.Stat(filepath.Join(fresh, codec.KeyFileName)); err == nil {
		t.Error("--no-encryption generated a key file")
	}
	refused(t, "contradict", "dev", "--data-dir", dir, "--no-encryption", "--encryption-key", "k1:"+testKey(t))
}
