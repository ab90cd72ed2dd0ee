package bench

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
)

// US area codes whose every exchange 200–999 libphonenumber accepts as a
// valid number; each (area, exchange) pair is a block of 10,000 lines.
var areaCodes = []string{"415", "650", "212", "310", "617", "312", "206", "512", "303", "404"}

const (
	exchanges     = 800 // 200..999
	linesPerBlock = 10000
	numBlocks     = 10 * exchanges
	// MaxCustomers is the largest -n: every customer of a run gets its own
	// number, and a run must not wrap around onto its own numbers.
	MaxCustomers = numBlocks * linesPerBlock
)

// identity is what makes a run's customers unique on a server that keeps
// earlier runs' customers: the run ID (in emails and request IDs) and the
// first block of phone numbers.
type identity struct {
	RunID      string
	firstBlock int
}

// newIdentity draws a random run ID and starting block. Two runs of up to
// 10,000 customers share phone numbers only if they draw the same block (1 in
// 8,000); a clash shows as 409s on create.
func newIdentity() (identity, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return identity{}, err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(numBlocks))
	if err != nil {
		return identity{}, err
	}
	return identity{RunID: hex.EncodeToString(b[:]), firstBlock: int(n.Int64())}, nil
}

// phone returns customer i's number in E.164: consecutive customers take
// consecutive lines of a block, then the next block.
func (id identity) phone(i int) string {
	block := (id.firstBlock + i/linesPerBlock) % numBlocks
	area := areaCodes[block/exchanges]
	exchange := 200 + block%exchanges
	return fmt.Sprintf("+1%s%03d%04d", area, exchange, i%linesPerBlock)
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
