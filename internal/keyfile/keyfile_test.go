package keyfile_test

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/coffeeshop/coffeeshop/internal/keyfile"
)

func random() (string, error) { return rand.Text(), nil }

// The text is generated once, readable by its owner only, and read back on
// every later call.
func TestCreatedOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "secret")
	first, err := keyfile.LoadOrCreate(path, "test secret", random)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, perm)
	}
	again, err := keyfile.LoadOrCreate(path, "test secret", func() (string, error) {
		t.Error("generated again although the file exists")
		return random()
	})
	if err != nil || again != first || strings.TrimSpace(first) == "" {
		t.Errorf("second call: %q, %v; first %q", again, err, first)
	}
}

func TestErrorsNameTheSecret(t *testing.T) {
	dir := t.TempDir()
	// A folder in the way cannot be read as a file.
	if _, err := keyfile.LoadOrCreate(dir, "test secret", random); err == nil || !strings.Contains(err.Error(), "test secret") {
		t.Errorf("a folder in the way: %v; want an error naming the secret", err)
	}
	failed := func() (string, error) { return "", os.ErrInvalid }
	if _, err := keyfile.LoadOrCreate(filepath.Join(dir, "new"), "test secret", failed); err == nil {
		t.Error("a failed generation created a file")
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); err == nil {
		t.Error("a failed generation left a file")
	}
}

// Processes that start together on a new folder all get the one text: none
// reads the file half written.
func TestConcurrentStarts(t *testing.T) {
	for range 100 {
		dir := t.TempDir()
		path := filepath.Join(dir, "secret")
		texts := make([]string, 8)
		errs := make([]error, len(texts))
		var wg sync.WaitGroup
		for i := range texts {
			wg.Go(func() { texts[i], errs[i] = keyfile.LoadOrCreate(path, "test secret", random) })
		}
		wg.Wait()
		for i := range texts {
			if errs[i] != nil || texts[i] != texts[0] {
				t.Fatalf("start %d: %q, %v; start 0: %q", i, texts[i], errs[i], texts[0])
			}
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("the folder holds %d files, want the secret alone", len(entries))
		}
	}
}
