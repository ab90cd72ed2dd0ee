package codec

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/coffeeshop/coffeeshop/internal/keyfile"
)

// KeyFileName is the file in which a single-host deployment (dev) keeps
// the payload key it generated, in its data folder, so that histories
// written before a restart are still readable after it.
const KeyFileName = "encryption-key"

// NewKeyList returns a fresh key in ParseKeys' syntax: "dev-<8 hex
// digits>:<32 random bytes in base64>". The random id keeps a key
// generated for a new folder from ever sharing its id with an older one.
func NewKeyList() (string, error) {
	var id [4]byte
	secret := make([]byte, KeySize)
	if _, err := rand.Read(id[:]); err != nil {
		return "", fmt.Errorf("generate encryption key: %w", err)
	}
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("generate encryption key: %w", err)
	}
	return "dev-" + hex.EncodeToString(id[:]) + ":" + base64.StdEncoding.EncodeToString(secret), nil
}

// LoadOrCreateKeyFile returns the Codec of the key list in the file at
// path (ParseKeys' syntax, so an operator may put a new key first to
// rotate), or creates the file with one new key, readable by its owner
// only. Errors name the file, never a key.
func LoadOrCreateKeyFile(path string) (*Codec, error) {
	text, err := keyfile.LoadOrCreate(path, "encryption key", NewKeyList)
	if err != nil {
		return nil, err
	}
	c, err := FromKeys(strings.TrimSpace(text))
	if err == nil && c == nil {
		err = fmt.Errorf("no key")
	}
	if err != nil {
		return nil, fmt.Errorf("encryption key in %s: %w", path, err)
	}
	return c, nil
}
