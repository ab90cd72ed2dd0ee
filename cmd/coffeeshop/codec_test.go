package main

import (
	"io"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/codec"
	"github.com/coffeeshop/coffeeshop/internal/cli"
)

// testKey is a valid payload key: 32 zero bytes, in base64.
const testKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

func TestNoEncryption(t *testing.T) {
	pc, err := (&cli.EncryptionFlags{NoEncryption: true}).Codec()
	if pc != nil || err != nil {
		t.Errorf("Codec() = %v, %v; want none", pc, err)
	}
	cs, err := listenCodec(&cli.CodecFlags{CodecAddr: "127.0.0.1:0"}, pc)
	if cs != nil || err != nil {
		t.Errorf("listenCodec() = %v, %v; want no endpoint", cs, err)
	}
	if got := encryptionBanner(pc, "", cs); !strings.Contains(got, "off (--no-encryption)") || !strings.Contains(got, "plain text") {
		t.Errorf("banner %q", got)
	}
}

// TestCodecEndpoint checks that dev binds the codec endpoint for the UI
// and names it in the banner; codec's tests serve it.
func TestCodecEndpoint(t *testing.T) {
	pc, err := (&cli.EncryptionKeyFlags{EncryptionKeys: "k1:" + testKey}).Codec()
	if err != nil || pc == nil {
		t.Fatalf("Codec() = %v, %v", pc, err)
	}
	cs, err := listenCodec(&cli.CodecFlags{CodecAddr: "127.0.0.1:0"}, pc)
	if err != nil || cs == nil {
		t.Fatalf("listenCodec: %v, %v", cs, err)
	}
	t.Cleanup(cs.Stop)
	if !strings.HasPrefix(cs.Endpoint(), "http://127.0.0.1:") {
		t.Errorf("endpoint %q", cs.Endpoint())
	}
	if got, want := encryptionBanner(pc, "", cs), "AES-256-GCM, key k1; UI decodes via "+cs.Endpoint(); got != want {
		t.Errorf("banner %q, want %q", got, want)
	}
	// dev's generated key: the banner says where it is.
	if got, want := encryptionBanner(pc, "data/encryption-key", cs), "AES-256-GCM, key k1 (generated, kept in data/encryption-key); UI decodes via "+cs.Endpoint(); got != want {
		t.Errorf("banner %q, want %q", got, want)
	}
	// The address is taken now: a second dev on it fails to start.
	taken := cli.CodecFlags{CodecAddr: cli.HostPort(strings.TrimPrefix(strings.TrimSuffix(cs.Endpoint(), codec.Path), "http://"))}
	if _, err := listenCodec(&taken, pc); err == nil || !strings.Contains(err.Error(), "--codec-addr") {
		t.Errorf("listen on a taken --codec-addr: %v; want an error naming the flag", err)
	}
}

// worker and api exit 2 without payload keys, saying why, before they
// connect to anything.
func TestWorkerAndAPIExitWithoutKeys(t *testing.T) {
	t.Setenv("COFFEESHOP_ENCRYPTION_KEYS", "")
	for _, cmd := range []string{"worker", "api"} {
		var stderr strings.Builder
		code := run(t.Context(), []string{cmd, "--code-secret", opsTestSecret}, io.Discard, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "--encryption-key (COFFEESHOP_ENCRYPTION_KEYS) is required") ||
			!strings.Contains(stderr.String(), "--no-encryption") {
			t.Errorf("%s without keys: exit %d, %q; want exit 2 saying why", cmd, code, stderr.String())
		}
	}
}
