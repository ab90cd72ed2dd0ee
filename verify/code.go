package verify

import (
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/coffeeshop/coffeeshop"
)

// Bounds of the code length a verification may use.
const (
	MinCodeLength = 4
	MaxCodeLength = 10
)

// CodeGenerator makes a one-time code of the given number of decimal
// digits.
type CodeGenerator func(digits int) (string, error)

// RandomCode is the CodeGenerator of production: a uniformly random code
// of the given number of decimal digits, drawn from crypto/rand.
func RandomCode(digits int) (string, error) {
	if digits < MinCodeLength || digits > MaxCodeLength {
		return "", fmt.Errorf("code length %d is outside %d..%d", digits, MinCodeLength, MaxCodeLength)
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return "", fmt.Errorf("generate code: %w", err)
	}
	return fmt.Sprintf("%0*d", digits, n), nil
}

// FixedCode returns a generator that always makes code. It exists for the
// local demo, where the walkthrough needs a code the user can type without
// reading logs; never use it where real phones are verified. Asked for a
// code of another length it fails, so that a misconfigured worker retries
// (and logs) instead of texting a code that the API would refuse.
func FixedCode(code string) CodeGenerator {
	return func(digits int) (string, error) {
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
