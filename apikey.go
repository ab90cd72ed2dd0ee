package coffeeshop

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"slices"
	"strings"
)

// APIKeyPrefix starts every API key, so that secret scanners can find
// leaked ones. A key is APIKeyPrefix + ID + "_" + secret.
const APIKeyPrefix = "csk_"

const (
	// apiKeyIDBytes random bytes make an ID: 16 lowercase hex characters.
	apiKeyIDBytes = 8
	apiKeyIDLen   = 2 * apiKeyIDBytes
	// apiKeySecretBytes random bytes make a secret (256 bits): 52
	// characters of lowercase unpadded base32.
	apiKeySecretBytes = 32
	apiKeySecretLen   = 52
)

// secretEncoding writes secrets as lowercase base32 without padding, so
// that a key is one word to a double click and to a shell.
var secretEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewAPIKey makes a key named name with the given scopes (every scope when
// none is given; repeated ones once, in their first order). It returns the
// key to hand to its user, once, and the APIKey to store, which holds only
// the hash of the secret. The name is trimmed and must not be empty.
func NewAPIKey(name string, scopes []Scope) (key string, k *APIKey, err error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, Errorf(EINVALID, "API key name is empty")
	}
	if len(scopes) == 0 {
		scopes = AllScopes()
	}
	distinct := make([]Scope, 0, len(scopes))
	for _, s := range scopes {
		if _, err := ParseScope(string(s)); err != nil {
			return "", nil, err
		}
		if !slices.Contains(distinct, s) {
			distinct = append(distinct, s)
		}
	}

	var idBytes [apiKeyIDBytes]byte
	var secretBytes [apiKeySecretBytes]byte
	// crypto/rand.Read never fails (it crashes the program instead).
	_, _ = rand.Read(idBytes[:])
	_, _ = rand.Read(secretBytes[:])
	id := hex.EncodeToString(idBytes[:])
	secret := secretEncoding.EncodeToString(secretBytes[:])
	k = &APIKey{ID: id, Name: name, Scopes: distinct, Hash: HashAPIKeySecret(secret)}
	return APIKeyPrefix + id + "_" + secret, k, nil
}

// ParseAPIKey splits a key into its ID and secret. It accepts exactly the
// form NewAPIKey makes and nothing else (no spaces, no upper case); callers
// must not put s in an error, since it may be a real key.
func ParseAPIKey(s string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(s, APIKeyPrefix)
	if !found || len(rest) != apiKeyIDLen+1+apiKeySecretLen || rest[apiKeyIDLen] != '_' {
		return "", "", false
	}
	id, secret = rest[:apiKeyIDLen], rest[apiKeyIDLen+1:]
	if !ValidAPIKeyID(id) {
		return "", "", false
	}
	for i := 0; i < len(secret); i++ {
		if c := secret[i]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return "", "", false
		}
	}
	return id, secret, true
}

// ValidAPIKeyID reports whether id has the form of a key ID: 16 lowercase
// hex characters.
func ValidAPIKeyID(id string) bool {
	if len(id) != apiKeyIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// HashAPIKeySecret returns the SHA-256 of a key's secret, the only form in
// which stores keep it. The secret has 256 random bits, so a plain hash
// (no salt, no stretching) is enough: there is nothing to guess.
func HashAPIKeySecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Matches reports, in constant time, whether secret is k's secret.
func (k *APIKey) Matches(secret string) bool {
	return subtle.ConstantTimeCompare(HashAPIKeySecret(secret), k.Hash) == 1
}

// Validate returns an EINVALID error unless k can be stored: it has an ID,
// a name that is not blank, at least one scope, only known scopes, and a
// hash. Stores call it before inserting.
func (k *APIKey) Validate() error {
	switch {
	case k == nil:
		return Errorf(EINVALID, "API key is missing")
	case k.ID == "":
		return Errorf(EINVALID, "API key ID is empty")
	case strings.TrimSpace(k.Name) == "":
		return Errorf(EINVALID, "API key name is empty")
	case len(k.Scopes) == 0:
		return Errorf(EINVALID, "API key has no scopes")
	case len(k.Hash) == 0:
		return Errorf(EINVALID, "API key hash is empty")
	}
	for _, s := range k.Scopes {
		if _, err := ParseScope(string(s)); err != nil {
			return err
		}
	}
	return nil
}
