package verify_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/verify"
)

// The secret is generated once and read back on every later start (the
// file's mode and concurrent starts: internal/keyfile's tests).
func TestSecretFileCreatedOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", verify.SecretFileName)
	first, err := verify.LoadOrCreateSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := verify.LoadOrCreateSecret(path)
	if err != nil || !bytes.Equal(first, again) || len(first) != verify.MinSecretBytes {
		t.Errorf("second start: %x, %v; first %x", again, err, first)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if parsed, err := verify.ParseSecret(string(text)); err != nil || !bytes.Equal(parsed, first) {
		t.Errorf("the file holds %q, which is not the secret returned", text)
	}
}

func TestSecretFileBad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, verify.SecretFileName)
	if err := os.WriteFile(path, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := verify.LoadOrCreateSecret(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("bad secret file: %v, want an error naming %s", err, path)
	}
	// A folder in the way cannot be read as a file.
	if _, err := verify.LoadOrCreateSecret(dir); err == nil {
		t.Error("a folder was read as a secret file")
	}
}
