package main

import (
	"path/filepath"

	"github.com/coffeeshop/coffeeshop/verify"
	"go.temporal.io/sdk/client"
)

// load returns the key of the code HMACs: --code-secret, or else the one
// kept in dataDir (dev's), generated at the first start.
func (f *codeSecretFlags) load(dataDir string) ([]byte, error) {
	if f.CodeSecret != "" || dataDir == "" {
		return verify.ParseSecret(f.CodeSecret)
	}
	return verify.LoadOrCreateSecret(filepath.Join(dataDir, verify.SecretFileName))
}

// newVerifier is the API's Verifier with the verification settings.
func newVerifier(cfg *Config, tc client.Client) *verify.Client {
	return &verify.Client{
		Temporal: tc, Secret: cfg.secret,
		CodeLength: cfg.CodeLength, CodeTTL: cfg.CodeTTL, MaxAttempts: cfg.MaxAttempts,
		Window: cfg.VerificationWindow, ResendCooldown: cfg.ResendCooldown, MaxSends: cfg.MaxSends,
	}
}
