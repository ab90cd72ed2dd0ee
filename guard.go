package coffeeshop

import (
	"context"
	"time"
)

// The reasons of the guard's refusals (SMS pumping), sent to clients in the
// error details (google.rpc.ErrorInfo) next to the status.
const (
	// ReasonCountryNotAllowed: the number is of a country outside the
	// allowed ones (403).
	ReasonCountryNotAllowed = "COUNTRY_NOT_ALLOWED"
	// ReasonNumberTypeNotAllowed: the number is of a type that costs money
	// or cannot receive a text: premium rate, shared cost, toll free,
	// pager, UAN, voicemail, personal, fixed line, VoIP unless allowed
	// (403).
	ReasonNumberTypeNotAllowed = "NUMBER_TYPE_NOT_ALLOWED"
	// ReasonPrefixBlocked: the number's prefix had many texts and few
	// verifications and is blocked for a while (429 with Retry-After).
	ReasonPrefixBlocked = "PREFIX_BLOCKED"
	// ReasonSMSBudgetExhausted: the deployment's budget of texts for the
	// current window is spent (429 with Retry-After).
	ReasonSMSBudgetExhausted = "SMS_BUDGET_EXHAUSTED"
)

// PrefixDigits is how many trailing digits NumberPrefix drops: a prefix
// covers 1,000 numbers, a range a pumping attacker rents whole, while
// customers who verify rarely share one.
const PrefixDigits = 3

// NumberPrefix is the prefix of an E.164 number that the guard counts
// sends and verifications by: the number without its last PrefixDigits
// digits ("+447911123" for "+447911123456").
func NumberPrefix(e164 string) string {
	if len(e164) <= PrefixDigits+2 {
		return e164
	}
	return e164[:len(e164)-PrefixDigits]
}

// GuardPolicy says when a prefix is blocked and how many texts the whole
// deployment may send.
type GuardPolicy struct {
	// Window is the sliding window over which a prefix's sends and
	// verifications are counted.
	Window time.Duration
	// MinSends is how many sends a prefix must have in Window before its
	// conversion is judged: a send that would make it MinSends, with fewer
	// than MinConversion × sends verified, blocks the prefix instead.
	MinSends      int
	MinConversion float64
	// BlockFor is the first block's length; each later block of the same
	// prefix lasts twice the one before, up to MaxBlock.
	BlockFor, MaxBlock time.Duration
	// Budget is how many sends all processes together may make in
	// BudgetWindow (a sliding window); 0 means no budget.
	Budget       int
	BudgetWindow time.Duration
}

// GuardSend is a text the API is about to have sent: the first code of a
// create, or a resend.
type GuardSend struct {
	Prefix  string // NumberPrefix of the number
	Country string // ISO 3166 region of the number
	// Key identifies the send when not empty: a send whose key was
	// admitted before with the same Prefix (within the store's retention,
	// at least the policy window) is allowed again without being counted
	// or checked against blocks and the budget (a retried create). A key
	// is remembered per prefix, so a key reused for another range is
	// decided afresh. Only a keyed send can be taken back (ReleaseSend).
	Key string
}

// GuardDecision is the guard's answer to a send.
type GuardDecision struct {
	// Allowed: the send was counted, or was a repeat, and may go ahead.
	// Otherwise Reason is ReasonPrefixBlocked or ReasonSMSBudgetExhausted
	// and RetryAfter when to try again.
	Allowed    bool
	Reason     string
	RetryAfter time.Duration
	// Repeated: the send's Key had been admitted before; it was allowed
	// and not counted again.
	Repeated bool
	// NewBlock is the block this very send caused, if it did.
	NewBlock *GuardBlock
	// BudgetLeft is how many sends the budget allows after this decision;
	// -1 without a budget.
	BudgetLeft int
}

// GuardBlock is a blocked prefix.
type GuardBlock struct {
	Prefix  string
	Country string
	// Since and Until bound the block.
	Since, Until time.Time
	// Strikes counts the blocks of this prefix so far, this one included.
	Strikes int
	// Sends and Verified are the prefix's counts in the policy's window
	// when it was blocked.
	Sends, Verified int
}

// GuardCount is how many sends and verifications a country had since a
// time.
type GuardCount struct {
	Country         string
	Sends, Verified int
}

// GuardStore keeps the counts and blocks of the SMS pumping guard, shared
// by every api process through the database. Implementations must be safe
// for concurrent use, also by several processes.
type GuardStore interface {
	// AdmitSend decides a send atomically (no two sends of a prefix are
	// decided on the same counts): a prefix blocked at now refuses it
	// (ReasonPrefixBlocked, RetryAfter = until the block ends); a spent
	// budget refuses it (ReasonSMSBudgetExhausted, RetryAfter = until the
	// oldest counted send leaves the budget window); a send that would
	// make the prefix's sends in p.Window reach p.MinSends while fewer
	// than p.MinConversion of them were verified blocks the prefix (from
	// now, for p.BlockFor doubled per earlier strike, at most p.MaxBlock)
	// and is refused with ReasonPrefixBlocked and NewBlock set. Otherwise
	// the send is counted (for its prefix, its country and the budget)
	// and allowed. A refused send is not counted.
	//
	// A send with a Key admitted before for its prefix, within the
	// retention, is allowed with Repeated set and nothing counted, blocked
	// prefix and spent budget notwithstanding: its text is the one already
	// counted (BudgetLeft as for any decision). An allowed keyed send is
	// remembered; a refused one is not, so its retry is decided afresh.
	// Concurrent sends of one key count once.
	AdmitSend(ctx context.Context, s GuardSend, p GuardPolicy, now time.Time) (GuardDecision, error)

	// ReleaseSend takes back the send admitted earlier under s.Key for
	// s.Prefix, whose text was not sent after all (the workflow or the
	// store refused it): its counts for the prefix, its country and the
	// budget go, in the minute buckets it was counted in, and its key is
	// forgotten, so the send counts as never made and a later send of the
	// key is decided afresh. A key that is not remembered (never admitted,
	// released already, pruned) is a no-op, without error; concurrent
	// releases of one key release it once. A block that the send's count
	// helped cause stays. A send admitted without a key cannot be released:
	// s.Key must not be empty (EINVALID), nor s.Prefix. s.Country is not
	// read: the country is the one the send was counted for; the buckets
	// are those of the admission.
	ReleaseSend(ctx context.Context, s GuardSend) error

	// RecordVerified counts a successful verification of customerID's
	// number, of prefix and country, at now; a customer counts once, so
	// retried verifications do not inflate the conversion.
	RecordVerified(ctx context.Context, customerID string, s GuardSend, now time.Time) error

	// GuardBlocks returns the blocks in force at now, the longest-running
	// first.
	GuardBlocks(ctx context.Context, now time.Time) ([]GuardBlock, error)

	// GuardCountries returns the sends and verifications per country
	// since since, the most sends first.
	GuardCountries(ctx context.Context, since time.Time) ([]GuardCount, error)

	// Unblock lifts the block of prefix at now and forgets its strikes; it
	// fails with ENOTFOUND when the prefix is not blocked.
	Unblock(ctx context.Context, prefix string, now time.Time) error
}
