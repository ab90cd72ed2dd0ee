package coffeeshop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"
)

// TokenPrefix starts every verification token, so that a reader (and a
// secret scanner) can tell one from an API key (APIKeyPrefix).
const TokenPrefix = "cvt_"

// Limits of a verification token's parts. Check refuses anything longer
// before decoding it, so a huge Authorization header costs nothing.
const (
	maxTokenCustomerID = 64
	tokenVersion       = 1
	tokenHeaderLen     = 1 + 8 // version byte, expiry (unix seconds, big endian)
	// MaxTokenLen is the length of the longest token Issue writes.
	MaxTokenLen = len(TokenPrefix) + (tokenHeaderLen+maxTokenCustomerID+2)/3*4 + 1 + (sha256.Size+2)/3*4
)

// tokenKeyLabel derives the tokens' MAC key from the code secret, so that
// the key that MACs codes is never used for anything else.
const tokenKeyLabel = "coffeeshop verification token v1"

// TokenIssuer issues and checks verification tokens: stateless bearer
// credentials that name one customer and an expiry, MACed with HMAC-SHA256
// under a key derived from the code secret. Every process sharing the code
// secret accepts the tokens of the others. A token is
//
//	cvt_<base64url(payload)>.<base64url(mac)>
//
// with payload = version (1 byte) | expiry (unix seconds, 8 bytes) |
// customer ID, and mac = HMAC(key, "cvt_" | payload). It is deterministic:
// the same customer and expiry give the same token, so a repeated create
// answers the same token.
type TokenIssuer struct {
	key [32]byte
}

// NewTokenIssuer returns an issuer whose key is derived from codeSecret.
func NewTokenIssuer(codeSecret []byte) *TokenIssuer {
	m := hmac.New(sha256.New, codeSecret)
	m.Write([]byte(tokenKeyLabel))
	t := &TokenIssuer{}
	copy(t.key[:], m.Sum(nil))
	return t
}

// Issue returns the token of customerID that expires at expires (truncated
// to the second). customerID is at most 64 bytes (a UUID is 36); a longer
// one is a programming error and panics.
func (t *TokenIssuer) Issue(customerID string, expires time.Time) string {
	if customerID == "" || len(customerID) > maxTokenCustomerID {
		panic("coffeeshop: TokenIssuer.Issue: customer ID must be 1 to 64 bytes")
	}
	payload := make([]byte, tokenHeaderLen, tokenHeaderLen+len(customerID))
	payload[0] = tokenVersion
	binary.BigEndian.PutUint64(payload[1:], uint64(expires.Unix()))
	payload = append(payload, customerID...)
	enc := base64.RawURLEncoding
	return TokenPrefix + enc.EncodeToString(payload) + "." + enc.EncodeToString(t.mac(payload))
}

func (t *TokenIssuer) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, t.key[:])
	m.Write([]byte(TokenPrefix))
	m.Write(payload)
	return m.Sum(nil)
}

// errToken is every refusal of Check: which part of a token was wrong is
// none of the caller's business, and the token is never echoed.
func errToken() error {
	return Errorf(EUNAUTHENTICATED, "invalid or expired verification token")
}

// Check returns the customer ID of token if its MAC is right and it has
// not expired at now (a token is valid strictly before its expiry). Any
// other token is EUNAUTHENTICATED, with one message for all.
func (t *TokenIssuer) Check(token string, now time.Time) (customerID string, err error) {
	if len(token) > MaxTokenLen {
		return "", errToken()
	}
	rest, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok {
		return "", errToken()
	}
	p64, m64, ok := strings.Cut(rest, ".")
	if !ok {
		return "", errToken()
	}
	// Strict: one token has one spelling.
	enc := base64.RawURLEncoding.Strict()
	payload, err := enc.DecodeString(p64)
	if err != nil {
		return "", errToken()
	}
	mac, err := enc.DecodeString(m64)
	if err != nil || !hmac.Equal(mac, t.mac(payload)) {
		return "", errToken()
	}
	// The MAC is right, so the payload is one Issue wrote; the checks below
	// guard against a future version's layout.
	if len(payload) <= tokenHeaderLen || payload[0] != tokenVersion {
		return "", errToken()
	}
	expires := int64(binary.BigEndian.Uint64(payload[1:tokenHeaderLen]))
	if now.Unix() >= expires {
		return "", errToken()
	}
	return string(payload[tokenHeaderLen:]), nil
}
