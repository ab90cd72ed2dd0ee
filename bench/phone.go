package bench

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"

	"github.com/coffeeshop/coffeeshop"
)

// The tool's phone numbers are valid UK mobile numbers, so that a server
// with its default settings (home country GB, mobiles only) takes them:
// +447 and nine digits, the first 1, 2 or 3 (+4471…, +4472…, +4473… are
// British mobiles whatever follows, by libphonenumber's metadata; unlike
// +447911…, Guernsey's, or +447624…, the Isle of Man's). A number is a
// prefix — all but its last coffeeshop.PrefixDigits digits, the unit the
// server's SMS pumping guard counts by — and a line within it.
var (
	prefixRest  = 8 - coffeeshop.PrefixDigits // digits of a prefix after +447 and its first digit
	numPrefixes = 3 * pow10(prefixRest)
	// linesPerPrefix is how many numbers one prefix holds.
	linesPerPrefix = pow10(coffeeshop.PrefixDigits)
	// MaxCustomers is the largest -n: every customer of a run gets a
	// prefix of its own (so the guard sees each prefix send once), and a
	// run must not wrap around onto its own prefixes.
	MaxCustomers = numPrefixes
)

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

// mobile returns the number of line (0 ≤ line < linesPerPrefix) in the
// prefix numbered prefix (taken modulo numPrefixes).
func mobile(prefix, line int) string {
	prefix %= numPrefixes
	return fmt.Sprintf("+447%d%0*d%0*d", 1+prefix/pow10(prefixRest), prefixRest, prefix%pow10(prefixRest),
		coffeeshop.PrefixDigits, line)
}

// addresses is the size of 198.18.0.0/15, the block set aside for
// benchmarks (RFC 2544), from which the pumping scenario's requests say
// they come.
const addresses = 1 << 17

// identity is what makes a run's customers unique on a server that keeps
// earlier runs' customers: the run ID (in emails and request IDs), the
// first prefix and the line of the run's numbers, and the first client
// address.
type identity struct {
	RunID       string
	firstPrefix int
	line        int
	firstAddr   int
}

// newIdentity draws a random run ID, first prefix, line and first
// address. Two runs share a phone number only if their prefixes overlap and
// they draw the same line (1 in 1,000); a clash shows as 409s on create.
func newIdentity() (identity, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return identity{}, err
	}
	id := identity{RunID: hex.EncodeToString(b[:])}
	for _, v := range []struct {
		to *int
		n  int
	}{{&id.firstPrefix, numPrefixes}, {&id.line, linesPerPrefix}, {&id.firstAddr, addresses}} {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(v.n)))
		if err != nil {
			return identity{}, err
		}
		*v.to = int(n.Int64())
	}
	return id, nil
}

// phone returns customer i's number in E.164: customer i of a run is on
// the run's i-th prefix, every one on the run's line.
func (id identity) phone(i int) string {
	return mobile(id.firstPrefix+i, id.line)
}

// attackPhone returns the number of signup m on attacked prefix k, the
// prefix after the run's first legit ones: signups take consecutive lines,
// so the first 100 of a prefix share all but their last two digits.
func (id identity) attackPhone(legit, k, m int) string {
	return mobile(id.firstPrefix+legit+k, m)
}

// addr returns the i-th client address of the run, in 198.18.0.0/15.
func (id identity) addr(i int) string {
	n := (id.firstAddr + i) % addresses
	return fmt.Sprintf("198.%d.%d.%d", 18+(n>>16), (n>>8)&0xff, n&0xff)
}

// email returns customer i's address, unique per run and customer.
func (id identity) email(i int) string {
	return fmt.Sprintf("bench-%s-%d@example.com", id.RunID, i)
}

// requestID returns the request_id of customer i's operation op, so a retry
// by hand could replay it; distinct per attempt, so the right code is never
// answered with the wrong code's stored result.
func (id identity) requestID(op string, i int) string {
	return fmt.Sprintf("bench-%s-%s-%d", id.RunID, op, i)
}
