// Package guardrule holds the arithmetic of the SMS pumping guard that the
// SQLite and PostgreSQL stores share, so that both decide alike: checking a
// policy, which send buckets a window covers, when a prefix is blocked and
// for how long.
package guardrule

import (
	"math"
	"sort"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// Bucket is the granularity of the stores' send counts: sends are counted
// per prefix, country and budget in buckets of one minute.
const Bucket = time.Minute

// Retention is how long the stores keep country counts, verifications and
// the keys of admitted sends at least, so that GuardCountries can answer
// for the last day; longer when a window of the policy is longer.
const Retention = 24 * time.Hour

// PruneEvery is how many admitted or refused sends a store decides between
// two prunes of old rows, and PruneLimit how many rows of each kind one
// prune deletes at most: a send adds at most three bucket rows and a key,
// a prune may delete PruneLimit/PruneEvery = 10 of each kind per send, so
// pruning keeps up with bounded work per call.
const (
	PruneEvery = 100
	PruneLimit = 1000
)

// CheckSend reports, as an EINVALID error, a send or policy the guard
// cannot decide on.
func CheckSend(s coffeeshop.GuardSend, p coffeeshop.GuardPolicy) error {
	switch {
	case s.Prefix == "":
		return coffeeshop.Errorf(coffeeshop.EINVALID, "guard: the send has no number prefix")
	case p.Window <= 0 || p.MinSends < 1:
		return coffeeshop.Errorf(coffeeshop.EINVALID, "guard: the window and the minimum of sends must be positive")
	case math.IsNaN(p.MinConversion) || p.MinConversion < 0 || p.MinConversion > 1:
		return coffeeshop.Errorf(coffeeshop.EINVALID, "guard: the minimum conversion must be between 0 and 1")
	case p.BlockFor <= 0 || p.MaxBlock < p.BlockFor:
		return coffeeshop.Errorf(coffeeshop.EINVALID, "guard: the block must be positive and at most the longest block")
	case p.Budget < 0 || p.Budget > 0 && p.BudgetWindow <= 0:
		return coffeeshop.Errorf(coffeeshop.EINVALID, "guard: the budget must not be negative and its window must be positive")
	}
	return nil
}

// CheckRelease reports, as an EINVALID error, a send that ReleaseSend
// cannot take back: one without a prefix, or without a key (its admission
// was not remembered).
func CheckRelease(s coffeeshop.GuardSend) error {
	switch {
	case s.Prefix == "":
		return coffeeshop.Errorf(coffeeshop.EINVALID, "guard: the send has no number prefix")
	case s.Key == "":
		return coffeeshop.Errorf(coffeeshop.EINVALID, "guard: a send without a key cannot be released")
	}
	return nil
}

// Uncount is the two statements that take one send back from its buckets
// in minute $3: the prefix $1's, the country $2's and, when $4 is true, the
// budget's. A bucket of one send goes (n must stay positive), a larger
// one loses one; a bucket pruned meanwhile is not there to change. Both
// stores run them, in this order, with their own types of minute and $4.
var Uncount = [2]string{
	`DELETE FROM guard_sends WHERE minute = $3 AND n = 1 AND ` + uncountScopes,
	`UPDATE guard_sends SET n = n - 1 WHERE minute = $3 AND n > 1 AND ` + uncountScopes,
}

const uncountScopes = `((scope = 'prefix' AND key = $1) OR (scope = 'country' AND key = $2) OR ($4 AND scope = 'all' AND key = ''))`

// Since returns the start of the first bucket a window ending at now
// counts: every bucket with part of it inside (now-window, now]. A send is
// thus counted for at least window and less than window + Bucket.
func Since(now time.Time, window time.Duration) time.Time {
	return now.Add(-window).Truncate(Bucket)
}

// Leaves returns when the bucket starting at minute stops counting in a
// window: Since has moved past it.
func Leaves(minute time.Time, window time.Duration) time.Time {
	return minute.Add(Bucket + window)
}

// Blocks reports whether a send that makes a prefix's sends in the window
// sends (this one included), of which verified were verified, blocks it.
func Blocks(sends, verified int, p coffeeshop.GuardPolicy) bool {
	return sends >= p.MinSends && float64(verified) < p.MinConversion*float64(sends)
}

// BlockLength is how long a prefix's block with the given strikes (this
// block included) lasts: BlockFor doubled per earlier strike, at most
// MaxBlock.
func BlockLength(strikes int, p coffeeshop.GuardPolicy) time.Duration {
	d := p.BlockFor
	for i := 1; i < strikes && d < p.MaxBlock; i++ {
		d *= 2
	}
	return min(d, p.MaxBlock)
}

// KeepSince returns the time before which a prune may delete country and
// budget buckets, verifications and the keys of admitted sends: Retention,
// or the policy's longest window when that is longer. A key admitted
// before it is forgotten: its send is decided afresh. Prefix buckets may
// go once Since(now, p.Window) has passed them.
func KeepSince(now time.Time, p coffeeshop.GuardPolicy) time.Time {
	return Since(now, max(Retention, p.Window, p.BudgetWindow))
}

// SortCounts lists the counts of GuardCountries, the most sends first (then
// the most verified, then by country).
func SortCounts(m map[string]*coffeeshop.GuardCount) []coffeeshop.GuardCount {
	out := make([]coffeeshop.GuardCount, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Sends != b.Sends {
			return a.Sends > b.Sends
		}
		if a.Verified != b.Verified {
			return a.Verified > b.Verified
		}
		return a.Country < b.Country
	})
	return out
}
