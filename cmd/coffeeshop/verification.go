package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/coffeeshop/coffeeshop/verify"
	"go.temporal.io/sdk/client"
)

// codeSecretFile is where dev keeps the code secret it generated, in
// --data-dir.
const codeSecretFile = verify.SecretFileName

// verificationFlags binds the settings of new verifications (dev, api):
// the API starts verifications, so it is the API that configures them.
func (fs *flagSet) verificationFlags() {
	c := fs.cfg
	fs.integer(&c.CodeLength, "code-length", "COFFEESHOP_CODE_LENGTH", verify.DefaultCodeLength,
		"digits of a verification code; verify answers 400 to a code of another length")
	fs.duration(&c.VerificationWindow, "verification-window", "COFFEESHOP_VERIFICATION_WINDOW", verify.DefaultWindow,
		"how long a verification waits for the right code before it ends as EXPIRED")
	fs.duration(&c.ResendCooldown, "resend-cooldown", "COFFEESHOP_RESEND_COOLDOWN", verify.DefaultResendCooldown,
		"how long after a text a resend is refused (429)")
	fs.integer(&c.MaxSends, "max-sends", "COFFEESHOP_MAX_SENDS", verify.DefaultMaxSends,
		"codes one verification may send on request, the first one included")
	fs.codeSecretFlag()
}

// codeSecretFlag binds --code-secret (dev, worker, api); binding it twice
// is harmless, so every group that needs it may ask for it.
func (fs *flagSet) codeSecretFlag() {
	if fs.Lookup("code-secret") != nil {
		return
	}
	usage := "key of the code HMACs, hex or base64, at least 32 bytes; worker and api must share it. Prefer the environment variable: a flag shows in the process list"
	if fs.Lookup("data-dir") != nil {
		usage += fmt.Sprintf(". dev generates one in --data-dir/%s when it is not given", codeSecretFile)
	}
	fs.str(&fs.cfg.CodeSecret, "code-secret", "COFFEESHOP_CODE_SECRET", "", usage)
}

// validateVerification checks the verification settings the subcommand
// uses.
func (fs *flagSet) validateVerification() []error {
	c := fs.cfg
	var errs []error
	if fs.used["code-length"] && (c.CodeLength < verify.MinCodeLength || c.CodeLength > verify.MaxCodeLength) {
		errs = append(errs, fmt.Errorf("--code-length %d: must be between %d and %d", c.CodeLength, verify.MinCodeLength, verify.MaxCodeLength))
	}
	if fs.used["code-length"] && fs.used["fixed-code"] && c.FixedCode != "" && !c.RandomCodes && len(c.FixedCode) != c.CodeLength {
		errs = append(errs, fmt.Errorf("--fixed-code %q: must have --code-length (%d) digits", c.FixedCode, c.CodeLength))
	}
	if fs.used["verification-window"] && (c.VerificationWindow < time.Second || c.VerificationWindow > 30*24*time.Hour) {
		errs = append(errs, fmt.Errorf("--verification-window %s: must be between 1s and 720h", c.VerificationWindow))
	}
	if fs.used["resend-cooldown"] && (c.ResendCooldown < time.Second || c.ResendCooldown > time.Hour) {
		errs = append(errs, fmt.Errorf("--resend-cooldown %s: must be between 1s and 1h", c.ResendCooldown))
	}
	if fs.used["max-sends"] && (c.MaxSends < 1 || c.MaxSends > 100) {
		errs = append(errs, fmt.Errorf("--max-sends %d: must be between 1 and 100", c.MaxSends))
	}
	if fs.used["code-secret"] {
		switch {
		case c.CodeSecret != "":
			if _, err := verify.ParseSecret(c.CodeSecret); err != nil {
				errs = append(errs, fmt.Errorf("--code-secret: %w", err))
			}
		case !fs.used["data-dir"]:
			errs = append(errs, errors.New("--code-secret (or COFFEESHOP_CODE_SECRET) is required: the same secret on every worker and api process"))
		}
	}
	return errs
}

// codeSecret returns the key of the code HMACs: --code-secret, or in dev
// the one kept in --data-dir, generated at the first start.
func (c *Config) codeSecret() ([]byte, error) {
	if c.CodeSecret != "" {
		return verify.ParseSecret(c.CodeSecret)
	}
	if c.DataDir == "" {
		return nil, errors.New("--code-secret is required")
	}
	return verify.LoadOrCreateSecret(filepath.Join(c.DataDir, codeSecretFile))
}

// newVerifier is the API's Verifier with the verification settings.
func newVerifier(cfg *Config, tc client.Client) (*verify.Client, error) {
	secret, err := cfg.codeSecret()
	if err != nil {
		return nil, err
	}
	return &verify.Client{
		Temporal: tc, Secret: secret,
		CodeLength: cfg.CodeLength, CodeTTL: cfg.CodeTTL, MaxAttempts: cfg.MaxAttempts,
		Window: cfg.VerificationWindow, ResendCooldown: cfg.ResendCooldown, MaxSends: cfg.MaxSends,
	}, nil
}
