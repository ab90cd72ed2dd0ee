package verify

import (
	"fmt"

	"github.com/coffeeshop/coffeeshop/internal/keyfile"
)

// SecretFileName is the file in which a single-host deployment (dev) keeps
// the code secret it generated, in its data folder, so that codes sent
// before a restart still verify after it.
const SecretFileName = "code-secret"

// LoadOrCreateSecret reads the code secret in path, or creates the file
// with a new secret, readable by its owner only (see keyfile.LoadOrCreate:
// processes starting together on one folder all read the one secret).
func LoadOrCreateSecret(path string) ([]byte, error) {
	text, err := keyfile.LoadOrCreate(path, "code secret", NewSecret)
	if err != nil {
		return nil, err
	}
	key, err := ParseSecret(text)
	if err != nil {
		return nil, fmt.Errorf("code secret in %s: %w", path, err)
	}
	return key, nil
}
