package verify

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// MinSecretBytes is the shortest code secret accepted: as long as the
// HMAC-SHA256 output, so the key is never the weak part.
const MinSecretBytes = 32

// ParseSecret decodes a code secret written as hex or as base64 (standard
// or URL alphabet, with or without padding). A string that is valid hex is
// read as hex. The decoded secret must have at least MinSecretBytes bytes.
func ParseSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("is empty")
	}
	var key []byte
	if b, err := hex.DecodeString(s); err == nil {
		key = b
	} else {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(s); err == nil {
				key = b
				break
			}
		}
		if key == nil {
			return nil, errors.New("must be hex or base64")
		}
	}
	if len(key) < MinSecretBytes {
		return nil, fmt.Errorf("must decode to at least %d bytes, has %d", MinSecretBytes, len(key))
	}
	return key, nil
}

// NewSecret returns a fresh random code secret of MinSecretBytes bytes,
// hex-encoded as ParseSecret reads it.
func NewSecret() (string, error) {
	b := make([]byte, MinSecretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate code secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// CodeMAC returns the hex HMAC-SHA256, keyed by secret, of a customer's
// code. The customer ID is part of the message so that the same code sent to
// two customers has two MACs. Only MACs reach the workflow's history: a
// 4-digit code cannot be recovered from its MAC without the secret.
func CodeMAC(secret []byte, customerID, code string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(customerID + ":" + code))
	return hex.EncodeToString(m.Sum(nil))
}
