package coffeeshop_test

import (
	"bytes"
	"crypto/sha256"
	"math/bits"
	"slices"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop"
)

func TestNewAPIKeyRoundTrip(t *testing.T) {
	key, k, err := coffeeshop.NewAPIKey("  billing backend ", []coffeeshop.Scope{coffeeshop.ScopeVerificationsRead})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, coffeeshop.APIKeyPrefix) {
		t.Fatalf("key does not start with %q", coffeeshop.APIKeyPrefix)
	}
	if len(key) != len("csk_")+16+1+52 {
		t.Fatalf("key has %d characters, want %d", len(key), 4+16+1+52)
	}
	id, secret, ok := coffeeshop.ParseAPIKey(key)
	if !ok {
		t.Fatal("ParseAPIKey refused a key NewAPIKey made")
	}
	if id != k.ID || !coffeeshop.ValidAPIKeyID(id) {
		t.Errorf("parsed ID %q, APIKey.ID %q", id, k.ID)
	}
	if k.Name != "billing backend" {
		t.Errorf("Name = %q, want it trimmed", k.Name)
	}
	if !slices.Equal(k.Scopes, []coffeeshop.Scope{coffeeshop.ScopeVerificationsRead}) {
		t.Errorf("Scopes = %v", k.Scopes)
	}
	want := sha256.Sum256([]byte(secret))
	if !bytes.Equal(k.Hash, want[:]) || !bytes.Equal(coffeeshop.HashAPIKeySecret(secret), want[:]) {
		t.Error("Hash is not the SHA-256 of the secret")
	}
	if strings.Contains(string(k.Hash), secret) {
		t.Error("the APIKey holds the secret")
	}
	if !k.Matches(secret) {
		t.Error("Matches(secret) = false")
	}
	other := []byte(secret)
	other[0] ^= 1
	for _, s := range []string{"", string(other), key, secret + "a", secret[1:]} {
		if k.Matches(s) {
			t.Errorf("Matches(%q) = true", s)
		}
	}
	if !k.CreatedAt.IsZero() || k.Revoked() {
		t.Error("a new APIKey has times set; the store sets them")
	}
}

func TestNewAPIKeyScopes(t *testing.T) {
	_, k, err := coffeeshop.NewAPIKey("all", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(k.Scopes, coffeeshop.AllScopes()) {
		t.Errorf("no scopes gave %v, want every scope", k.Scopes)
	}
	w, r := coffeeshop.ScopeCustomersWrite, coffeeshop.ScopeCustomersRead
	_, k, err = coffeeshop.NewAPIKey("dup", []coffeeshop.Scope{w, r, w, r})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(k.Scopes, []coffeeshop.Scope{w, r}) {
		t.Errorf("scopes %v, want duplicates removed in first order", k.Scopes)
	}
}

func TestNewAPIKeyInvalid(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scopes []coffeeshop.Scope
	}{
		{"", nil},
		{" \t\n", nil},
		{"x", []coffeeshop.Scope{"customers:delete"}},
		{"x", []coffeeshop.Scope{""}},
	} {
		key, k, err := coffeeshop.NewAPIKey(tc.name, tc.scopes)
		if coffeeshop.ErrorCode(err) != coffeeshop.EINVALID || key != "" || k != nil {
			t.Errorf("NewAPIKey(%q, %q) = %q, %v, %v; want EINVALID", tc.name, tc.scopes, key, k, err)
		}
	}
}

func TestParseAPIKeyStrict(t *testing.T) {
	id := "0123456789abcdef"
	secret := strings.Repeat("a", 26) + strings.Repeat("7", 26)
	good := "csk_" + id + "_" + secret
	if gotID, gotSecret, ok := coffeeshop.ParseAPIKey(good); !ok || gotID != id || gotSecret != secret {
		t.Fatalf("ParseAPIKey(%q) = %q, %q, %v", good, gotID, gotSecret, ok)
	}
	for _, bad := range []string{
		"",
		"csk_",
		"csk_" + id,
		"csk_" + id + "_",
		"CSK_" + id + "_" + secret,
		"csx_" + id + "_" + secret,
		"csk" + id + "_" + secret,
		"csk_" + strings.ToUpper(id) + "_" + secret,
		"csk_" + "0123456789abcdeg" + "_" + secret,
		"csk_" + id[1:] + "_" + secret + "a",
		"csk_" + id + "a_" + secret[1:],
		"csk_" + id + "-" + secret,
		"csk_" + id + "_" + secret[1:],
		"csk_" + id + "_" + secret + "a",
		"csk_" + id + "_" + strings.ToUpper(secret),
		"csk_" + id + "_" + secret[1:] + "1",
		"csk_" + id + "_" + secret[1:] + "8",
		"csk_" + id + "_" + secret[1:] + "=",
		" " + good,
		good + " ",
		good + "\n",
		"Bearer " + good,
		"csk_" + id + "_" + secret[1:] + "é",
	} {
		if gotID, gotSecret, ok := coffeeshop.ParseAPIKey(bad); ok || gotID != "" || gotSecret != "" {
			t.Errorf("ParseAPIKey(%q) = %q, %q, %v; want refused", bad, gotID, gotSecret, ok)
		}
	}
}

func TestValidAPIKeyID(t *testing.T) {
	for id, want := range map[string]bool{
		"0123456789abcdef":  true,
		"ffffffffffffffff":  true,
		"0123456789ABCDEF":  false,
		"0123456789abcde":   false,
		"0123456789abcdef0": false,
		"0123456789abcdeg":  false,
		"":                  false,
		"csk_0123456789abc": false,
	} {
		if got := coffeeshop.ValidAPIKeyID(id); got != want {
			t.Errorf("ValidAPIKeyID(%q) = %v, want %v", id, got, want)
		}
	}
}

// A thousand keys share no ID and no secret, and their secrets carry at
// least 128 bits: 52 characters of a 32-letter alphabet are 260 bits, and
// over the sample every bit position of the decoded secret takes both
// values (a secret built from fewer random bytes would leave some fixed).
func TestAPIKeysUniqueAndRandom(t *testing.T) {
	const n = 1000
	ids := make(map[string]bool, n)
	secrets := make(map[string]bool, n)
	var ones, zeros [32]byte
	for range n {
		key, k, err := coffeeshop.NewAPIKey("k", nil)
		if err != nil {
			t.Fatal(err)
		}
		id, secret, ok := coffeeshop.ParseAPIKey(key)
		if !ok {
			t.Fatalf("ParseAPIKey refused a key NewAPIKey made")
		}
		if ids[id] || secrets[secret] {
			t.Fatalf("key %d repeats an ID or a secret", len(ids))
		}
		ids[id], secrets[secret] = true, true
		if k.ID != id {
			t.Fatalf("APIKey.ID %q, key's ID %q", k.ID, id)
		}
		raw := decodeSecret(t, secret)
		for i, b := range raw {
			ones[i] |= b
			zeros[i] |= ^b
		}
	}
	varying := 0
	for i := range ones {
		varying += bits.OnesCount8(ones[i] & zeros[i])
	}
	if varying < 128 {
		t.Fatalf("only %d bits of the secrets vary over %d keys, want at least 128", varying, n)
	}
}

// decodeSecret decodes 52 characters of lowercase unpadded base32 into the
// 32 bytes they hold.
func decodeSecret(t *testing.T, s string) []byte {
	t.Helper()
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	var out []byte
	var acc uint64
	var n uint
	for _, c := range []byte(s) {
		v := strings.IndexByte(alphabet, c)
		if v < 0 {
			t.Fatalf("secret has a character outside the alphabet")
		}
		acc = acc<<5 | uint64(v)
		n += 5
		if n >= 8 {
			out = append(out, byte(acc>>(n-8)))
			n -= 8
		}
	}
	if len(out) != 32 {
		t.Fatalf("secret decodes to %d bytes, want 32", len(out))
	}
	return out
}

func TestAPIKeyValidate(t *testing.T) {
	_, good, err := coffeeshop.NewAPIKey("ok", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate of a new key: %v", err)
	}
	var missing *coffeeshop.APIKey
	if coffeeshop.ErrorCode(missing.Validate()) != coffeeshop.EINVALID {
		t.Error("Validate of a nil key: want EINVALID")
	}
	for name, change := range map[string]func(k *coffeeshop.APIKey){
		"no ID":         func(k *coffeeshop.APIKey) { k.ID = "" },
		"no name":       func(k *coffeeshop.APIKey) { k.Name = "" },
		"blank name":    func(k *coffeeshop.APIKey) { k.Name = " \t" },
		"no scopes":     func(k *coffeeshop.APIKey) { k.Scopes = nil },
		"unknown scope": func(k *coffeeshop.APIKey) { k.Scopes = []coffeeshop.Scope{"customers:read", "root"} },
		"no hash":       func(k *coffeeshop.APIKey) { k.Hash = nil },
	} {
		k := *good
		change(&k)
		if err := k.Validate(); coffeeshop.ErrorCode(err) != coffeeshop.EINVALID {
			t.Errorf("%s: Validate = %v, want EINVALID", name, err)
		}
	}
}
