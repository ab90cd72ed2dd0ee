package codec

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// ParseKeys reads a key list written "id:base64key,id:base64key,...": each
// key is 32 bytes in standard or URL-safe base64, with or without padding
// (e.g. from `openssl rand -base64 32`). The first key encrypts; all of
// them decrypt. Spaces around entries are ignored. Errors say which entry is
// wrong but never repeat a key.
func ParseKeys(s string) ([]Key, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("no key: want id:base64key[,id:base64key...]")
	}
	var keys []Key
	seen := map[string]bool{}
	for i, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		id, b64, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("entry %d: want id:base64key", i+1)
		}
		if err := checkKeyID(id); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i+1, err)
		}
		if seen[id] {
			return nil, fmt.Errorf("entry %d: key id %q given twice", i+1, id)
		}
		seen[id] = true
		secret, err := decodeBase64(b64)
		if err != nil {
			return nil, fmt.Errorf("key %q: not base64", id)
		}
		if len(secret) != KeySize {
			return nil, fmt.Errorf("key %q: %d bytes; it must be %d (openssl rand -base64 32)", id, len(secret), KeySize)
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	return keys, nil
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// FromKeys returns the Codec of a key list in ParseKeys' syntax, or nil
// for an empty list: payloads are then not encrypted.
func FromKeys(list string) (*Codec, error) {
	if list == "" {
		return nil, nil
	}
	keys, err := ParseKeys(list)
	if err != nil {
		return nil, err
	}
	return New(keys)
}
