package verify

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SecretFileName is the file in which a single-host deployment (dev) keeps
// the code secret it generated, in its data folder, so that codes sent
// before a restart still verify after it.
const SecretFileName = "code-secret"

// LoadOrCreateSecret reads the code secret in path, or creates the file
// with a new secret, readable by its owner only. The file appears whole and
// at most once (written aside, then linked into place), so processes
// starting together on one folder all read the one secret.
func LoadOrCreateSecret(path string) ([]byte, error) {
	for range 2 {
		b, err := os.ReadFile(path)
		if err == nil {
			key, err := ParseSecret(string(b))
			if err != nil {
				return nil, fmt.Errorf("code secret in %s: %w", path, err)
			}
			return key, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read code secret: %w", err)
		}
		if err := createSecret(path); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("code secret in %s: vanished while being created", path)
}

// createSecret writes a new secret to a file of its own next to path and
// links it to path, which fails with fs.ErrExist if path exists.
func createSecret(path string) error {
	secret, err := NewSecret()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create folder of code secret: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("create code secret: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString(secret + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write code secret: %w", err)
	}
	return os.Link(f.Name(), path)
}
