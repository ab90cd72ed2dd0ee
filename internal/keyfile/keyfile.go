// Package keyfile keeps a secret that a single-host deployment (dev)
// generates for itself in a file of its own: created once, whole and
// readable by its owner only, then read back on every later start, so
// that what was made with the secret before a restart is still usable
// after it.
package keyfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LoadOrCreate returns the text of the file at path, or creates the file
// with the text generate returns, mode 0600. The file appears whole and at
// most once (written aside, then linked into place), so processes starting
// together on one folder all read the one text. what names the secret in
// errors ("code secret"); the text is never in them.
func LoadOrCreate(path, what string, generate func() (string, error)) (string, error) {
	for range 2 {
		b, err := os.ReadFile(path)
		if err == nil {
			return string(b), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("read %s: %w", what, err)
		}
		if err := create(path, what, generate); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s in %s: vanished while being created", what, path)
}

// create writes a new text to a file of its own next to path and links it
// to path, which fails with fs.ErrExist if path exists.
func create(path, what string, generate func() (string, error)) error {
	text, err := generate()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create folder of %s: %w", what, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*") // mode 0600
	if err != nil {
		return fmt.Errorf("create %s: %w", what, err)
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString(text + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return os.Link(f.Name(), path)
}
