package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/coffeeshop/coffeeshop/verify"
	"go.temporal.io/sdk/client"
)

// codeSecretFile is where dev keeps the code secret it generated, in
// --data-dir, so that codes sent before a restart still verify after it.
const codeSecretFile = "code-secret"

// load returns the key of the code HMACs: --code-secret, or else the one
// kept in dataDir (dev's), generated at the first start.
func (f *codeSecretFlags) load(dataDir string) ([]byte, error) {
	if f.CodeSecret != "" || dataDir == "" {
		return verify.ParseSecret(f.CodeSecret)
	}
	return loadOrCreateSecret(filepath.Join(dataDir, codeSecretFile))
}

// loadOrCreateSecret reads the secret in path, or creates the file with a
// new secret, readable by its owner only. Creation is exclusive, so two
// processes starting on one data dir end up with the same secret.
func loadOrCreateSecret(path string) ([]byte, error) {
	for range 2 {
		b, err := os.ReadFile(path)
		if err == nil {
			key, err := verify.ParseSecret(string(b))
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

func createSecret(path string) error {
	secret, err := verify.NewSecret()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create folder of code secret: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create code secret: %w", err)
	}
	if _, err := f.WriteString(secret + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write code secret: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write code secret: %w", err)
	}
	return f.Close()
}

// newVerifier is the API's Verifier with the verification settings.
func newVerifier(cfg *Config, tc client.Client) *verify.Client {
	return &verify.Client{
		Temporal: tc, Secret: cfg.secret,
		CodeLength: cfg.CodeLength, CodeTTL: cfg.CodeTTL, MaxAttempts: cfg.MaxAttempts,
		Window: cfg.VerificationWindow, ResendCooldown: cfg.ResendCooldown, MaxSends: cfg.MaxSends,
	}
}
