package main

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/codec"
)

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
		code, out := runArgs(t, tc.args...)
		if code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, output %q; want exit 2 naming %s", tc.args, code, out, tc.want)
		}
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
	cfg := parseConfig(t, "dev")
	pc, err := cfg.payloadCodec()
	if err != nil || pc == nil || pc.EncryptionKeyID() != "env" {
		t.Fatalf("payloadCodec() = %v, %v; want the key from %s", pc, err, envEncryptionKeys)
	}
	// The flag wins.
	cfg = parseConfig(t, "worker", "--encryption-key", "flag:"+testKey(t)+",env:"+key)
	if pc, err := cfg.payloadCodec(); err != nil || pc.EncryptionKeyID() != "flag" {
		t.Errorf("payloadCodec() = %v, %v; want the flag's first key", pc, err)
	}
	t.Setenv(envEncryptionKeys, "broken")
	if code, out := runArgs(t, "api", "--code-secret", strings.Repeat("ab", 32)); code != 2 || !strings.Contains(out, envEncryptionKeys) {
		t.Errorf("bad %s: exit %d, output %q; want it named", envEncryptionKeys, code, out)
	}
}

func TestNoEncryptionByDefault(t *testing.T) {
	t.Setenv(envEncryptionKeys, "")
	cfg := parseConfig(t, "dev")
	pc, err := cfg.payloadCodec()
	if pc != nil || err != nil {
		t.Errorf("payloadCodec() = %v, %v; want none", pc, err)
	}
	cs, err := listenCodec(cfg, pc)
	if cs != nil || err != nil {
		t.Errorf("listenCodec() = %v, %v; want no endpoint", cs, err)
	}
	if got := encryptionBanner(pc, cs); !strings.Contains(got, "off (--encryption-key") {
		t.Errorf("banner %q", got)
	}
}

// envEncryptionKeys holds the keys when --encryption-key is not given.
const envEncryptionKeys = "COFFEESHOP_ENCRYPTION_KEYS"

// TestCodecEndpoint checks that dev's settings bind the codec endpoint
// for the UI and name it in the banner; codec's tests serve it.
func TestCodecEndpoint(t *testing.T) {
	t.Setenv(envEncryptionKeys, "")
	cfg := parseConfig(t, "dev", "--encryption-key", "k1:"+testKey(t), "--codec-addr", "127.0.0.1:0")
	pc, err := cfg.payloadCodec()
	if err != nil || pc == nil {
		t.Fatalf("payloadCodec() = %v, %v", pc, err)
	}
	cs, err := listenCodec(cfg, pc)
	if err != nil || cs == nil {
		t.Fatalf("listenCodec: %v, %v", cs, err)
	}
	t.Cleanup(cs.Stop)
	if !strings.HasPrefix(cs.Endpoint(), "http://127.0.0.1:") {
		t.Errorf("endpoint %q", cs.Endpoint())
	}
	if got, want := encryptionBanner(pc, cs), "AES-256-GCM, key k1; UI decodes via "+cs.Endpoint(); got != want {
		t.Errorf("banner %q, want %q", got, want)
	}
	// The address is taken now: a second dev on it fails to start.
	taken := *cfg
	taken.CodecAddr = hostPort(strings.TrimPrefix(strings.TrimSuffix(cs.Endpoint(), codec.Path), "http://"))
	if _, err := listenCodec(&taken, pc); err == nil || !strings.Contains(err.Error(), "--codec-addr") {
		t.Errorf("listen on a taken --codec-addr: %v; want an error naming the flag", err)
	}
}
