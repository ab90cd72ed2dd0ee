package codec_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/codec"
	commonpb "go.temporal.io/api/common/v1"
)

// dev's key is generated once, readable by its owner only, and read back
// on every later start: a payload encrypted before a restart decodes after
// it.
func TestKeyFileCreatedOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", codec.KeyFileName)
	first, err := codec.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if id := first.EncryptionKeyID(); !strings.HasPrefix(id, "dev-") || len(id) != len("dev-")+8 {
		t.Errorf("generated key id %q; want dev-<8 hex digits>", id)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, perm)
	}
	enc, err := first.Encode([]*commonpb.Payload{{Data: []byte(`"+447911123456"`)}})
	if err != nil {
		t.Fatal(err)
	}
	again, err := codec.LoadOrCreateKeyFile(path)
	if err != nil || again.EncryptionKeyID() != first.EncryptionKeyID() {
		t.Fatalf("second start: %v, %v; want the key of the first", again, err)
	}
	dec, err := again.Decode(enc)
	if err != nil || string(dec[0].GetData()) != `"+447911123456"` {
		t.Errorf("decode after restart: %v, %v", dec, err)
	}
}

// An operator may put a new key first in the file to rotate; a broken file
// stops the start with an error naming the file, not the key.
func TestKeyFileRotationAndBadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, codec.KeyFileName)
	if err := os.WriteFile(path, []byte(keyList(t, "new", "old")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := codec.LoadOrCreateKeyFile(path); err != nil || c.EncryptionKeyID() != "new" {
		t.Errorf("rotated file: %v, %v; want the first key to encrypt", c, err)
	}
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	for _, text := range []string{"k1:" + short, "", "\n"} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := codec.LoadOrCreateKeyFile(path)
		if err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), short) {
			t.Errorf("file holding %q: %v; want an error naming the file, not the key", text, err)
		}
	}
}
