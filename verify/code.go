package verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/coffeeshop/coffeeshop"
)

// Bounds of the code length a verification may use.
const (
	MinCodeLength = 4
	MaxCodeLength = 10
)

// CodeGenerator makes a one-time code of the given number of decimal
// digits for the send named by key. A send that runs again (a retry, or a
// local activity rerun after its workflow task was lost) has the same key.
type CodeGenerator func(key string, digits int) (string, error)

// DerivedCodes is the CodeGenerator of production: a send's code is
// derived from secret (MinSecretBytes at least) and the send's key, so
// that a send that runs again texts the same code instead of a second one
// the workflow would not know, and the code is never stored anywhere. Without
// secret the codes cannot be told from uniformly random ones: each is an
// HMAC-SHA256 of the key, reduced to digits (a bias below 10^-9).
func DerivedCodes(secret []byte) CodeGenerator {
	// A key of its own, so that a code's HMAC is never one of CodeMAC's.
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("coffeeshop one-time code derivation"))
	codeKey := m.Sum(nil)
	return func(key string, digits int) (string, error) {
		if digits < MinCodeLength || digits > MaxCodeLength {
			return "", fmt.Errorf("code length %d is outside %d..%d", digits, MinCodeLength, MaxCodeLength)
		}
		if key == "" {
			return "", errors.New("a derived code needs the send's key")
		}
		m := hmac.New(sha256.New, codeKey)
		m.Write([]byte(key))
		n := binary.BigEndian.Uint64(m.Sum(nil))
		limit := uint64(1)
		for range digits {
			limit *= 10
		}
		return fmt.Sprintf("%0*d", digits, n%limit), nil
	}
}

// FixedCode returns a generator that always makes code. It exists for the
// local demo, where the walkthrough needs a code the user can type without
// reading logs; never use it where real phones are verified. Asked for a
// code of another length it fails, so that a misconfigured worker retries
// (and logs) instead of texting a code that the API would refuse.
func FixedCode(code string) CodeGenerator {
	return func(_ string, digits int) (string, error) {
		if len(code) != digits {
			return "", fmt.Errorf("the fixed code has %d digits, the verification wants %d", len(code), digits)
		}
		return code, nil
	}
}

// checkCode returns a client message when code is not a code of the given
// length, and "" when it is.
func checkCode(code string, length int) string {
	if code == "" {
		return coffeeshop.FieldVerificationCode + " is required"
	}
	if len(code) != length || !coffeeshop.IsDigits(code) {
		return fmt.Sprintf("%s must be %d digits", coffeeshop.FieldVerificationCode, length)
	}
	return ""
}
