package verify

import (
	"crypto/rand"
	"fmt"
	"math/big"
)

// CodeGenerator makes one-time codes.
type CodeGenerator func() (string, error)

// FixedCode returns a generator that always makes code. It exists for the
// local demo, where the walkthrough needs a code the user can type without
// reading logs; never use it where real phones are verified.
func FixedCode(code string) CodeGenerator {
	return func() (string, error) { return code, nil }
}

// RandomCode returns a generator of uniformly random codes of the given
// number of decimal digits, drawn from crypto/rand.
func RandomCode(digits int) CodeGenerator {
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	return func() (string, error) {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return "", fmt.Errorf("generate code: %w", err)
		}
		return fmt.Sprintf("%0*d", digits, n), nil
	}
}
