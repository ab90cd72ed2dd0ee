package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/guardrule"
)

// The advisory locks of the guard. A send's transaction takes its
// prefix's lock, so sends of one prefix, in any process, are decided one
// after another while other prefixes go on in parallel; with a budget it
// then takes the budget's lock too, which serializes every send so that a
// budget of N admits at most N. Locks are always taken in that order, so
// two sends cannot deadlock.
const (
	lockGuardPrefix = `SELECT pg_advisory_xact_lock(hashtextextended('coffeeshop.guard.prefix:' || $1, 0))`
	lockGuardBudget = `SELECT pg_advisory_xact_lock(hashtextextended('coffeeshop.guard.budget', 0))`
)

// AdmitSend decides a send as coffeeshop.GuardStore says, in one
// transaction: the advisory locks above, a read of the send's key, the
// prefix's block and counts (and the budget's) in one statement, then
// nothing (a repeated key), an upsert of the send's buckets (and key) or
// of the prefix's block. A key is remembered per prefix, so the prefix's
// lock serializes the duplicates of a key too; keys are remembered since
// guardrule.KeepSince. Sends are counted in one-minute
// buckets (guardrule.Since); every guardrule.PruneEvery-th call also
// deletes rows that no window needs any more, at most guardrule.PruneLimit
// of each kind.
func (s *Store) AdmitSend(ctx context.Context, send coffeeshop.GuardSend, p coffeeshop.GuardPolicy, now time.Time) (coffeeshop.GuardDecision, error) {
	if err := guardrule.CheckSend(send, p); err != nil {
		return coffeeshop.GuardDecision{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	minute := now.Truncate(guardrule.Bucket)
	// Without a budget the budget's sum reads no bucket: none starts after
	// the current one.
	budgetSince := minute.Add(guardrule.Bucket)
	if p.Budget > 0 {
		budgetSince = guardrule.Since(now, p.BudgetWindow)
	}
	prune := s.admits.Add(1)%guardrule.PruneEvery == 0

	var d coffeeshop.GuardDecision
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		d = coffeeshop.GuardDecision{BudgetLeft: -1}
		if _, err := tx.Exec(ctx, lockGuardPrefix, send.Prefix); err != nil {
			return fmt.Errorf("lock prefix: %w", err)
		}
		if p.Budget > 0 {
			if _, err := tx.Exec(ctx, lockGuardBudget); err != nil {
				return fmt.Errorf("lock budget: %w", err)
			}
		}
		var until *time.Time
		var strikes *int
		var sends, verified, spent, repeated int
		err := tx.QueryRow(ctx, `
			SELECT b.until, b.strikes,
				(SELECT coalesce(sum(n), 0) FROM guard_sends WHERE scope = 'prefix' AND key = $1 AND minute >= $2),
				(SELECT count(*) FROM guard_verified WHERE prefix = $1 AND at > $3),
				(SELECT coalesce(sum(n), 0) FROM guard_sends WHERE scope = 'all' AND key = '' AND minute >= $4),
				(SELECT count(*) FROM guard_admitted WHERE key = $5 AND prefix = $1 AND at >= $6)
			FROM (SELECT 1) AS one LEFT JOIN guard_blocks b ON b.prefix = $1`,
			send.Prefix, guardrule.Since(now, p.Window), now.Add(-p.Window), budgetSince,
			send.Key, guardrule.KeepSince(now, p),
		).Scan(&until, &strikes, &sends, &verified, &spent, &repeated)
		if err != nil {
			return fmt.Errorf("read counts: %w", err)
		}
		if p.Budget > 0 {
			d.BudgetLeft = max(p.Budget-spent, 0)
		}

		switch {
		case repeated > 0:
			// The retry of a send already counted: its text is that one.
			d.Allowed, d.Repeated = true, true

		case until != nil && until.After(now):
			d.Reason, d.RetryAfter = coffeeshop.ReasonPrefixBlocked, until.Sub(now)

		case p.Budget > 0 && spent >= p.Budget:
			// The send becomes possible when the buckets holding the
			// oldest spent-Budget+1 sends have left the window.
			var oldest time.Time
			err := tx.QueryRow(ctx, `
				SELECT minute FROM (
					SELECT minute, sum(n) OVER (ORDER BY minute) AS upto
					FROM guard_sends WHERE scope = 'all' AND key = '' AND minute >= $1) AS b
				WHERE upto >= $2 ORDER BY minute LIMIT 1`, budgetSince, spent-p.Budget+1).Scan(&oldest)
			if err != nil {
				return fmt.Errorf("oldest budget bucket: %w", err)
			}
			d.Reason, d.RetryAfter = coffeeshop.ReasonSMSBudgetExhausted, max(guardrule.Leaves(oldest, p.BudgetWindow).Sub(now), 0)

		case guardrule.Blocks(sends+1, verified, p):
			b := &coffeeshop.GuardBlock{Prefix: send.Prefix, Country: send.Country, Since: now,
				Strikes: 1, Sends: sends + 1, Verified: verified}
			if strikes != nil {
				b.Strikes += *strikes
			}
			b.Until = now.Add(guardrule.BlockLength(b.Strikes, p))
			_, err := tx.Exec(ctx, `
				INSERT INTO guard_blocks (prefix, country, since, until, strikes, sends, verified)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (prefix) DO UPDATE SET country = excluded.country, since = excluded.since,
					until = excluded.until, strikes = excluded.strikes, sends = excluded.sends, verified = excluded.verified`,
				b.Prefix, b.Country, b.Since, b.Until, b.Strikes, b.Sends, b.Verified)
			if err != nil {
				return fmt.Errorf("block: %w", err)
			}
			d.Reason, d.RetryAfter, d.NewBlock = coffeeshop.ReasonPrefixBlocked, b.Until.Sub(now), b

		default:
			q := `INSERT INTO guard_sends (scope, key, minute, n) VALUES ('prefix', $1, $3, 1), ('country', $2, $3, 1)`
			if p.Budget > 0 {
				q += `, ('all', '', $3, 1)`
				d.BudgetLeft--
			}
			q += ` ON CONFLICT (scope, key, minute) DO UPDATE SET n = guard_sends.n + 1`
			args := []any{send.Prefix, send.Country, minute}
			if send.Key != "" {
				// The key is remembered in the same statement, one round
				// trip: a data-modifying WITH runs whether or not it is
				// read. A key past the retention may still have its row:
				// it starts again. What it counted is kept for ReleaseSend.
				q = `WITH counted AS (` + q + `)
					INSERT INTO guard_admitted (key, prefix, at, country, minute, budget)
					VALUES ($4, $1, $5, $2, $3, $6)
					ON CONFLICT (key, prefix) DO UPDATE SET at = excluded.at, country = excluded.country,
						minute = excluded.minute, budget = excluded.budget`
				args = append(args, send.Key, now, p.Budget > 0)
			}
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return fmt.Errorf("count: %w", err)
			}
			d.Allowed = true
		}
		if prune {
			if err := pruneGuard(ctx, tx, now, p); err != nil {
				return fmt.Errorf("prune: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return coffeeshop.GuardDecision{}, fmt.Errorf("postgres: admit send: %w", err)
	}
	return d, nil
}

// ReleaseSend takes back a keyed send as coffeeshop.GuardStore says, in
// one transaction that takes the locks AdmitSend takes, in the same order:
// the prefix's, then, when the send counted for the budget, the budget's.
// Under the prefix's lock the key's row is deleted, so of concurrent
// releases of a key only the first changes counts; what the row says the
// send was counted for (the prefix's and country's buckets of its minute,
// the budget's when it counted there) loses one. A key remembered before
// the release columns existed is only forgotten.
func (s *Store) ReleaseSend(ctx context.Context, send coffeeshop.GuardSend) error {
	if err := guardrule.CheckRelease(send); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockGuardPrefix, send.Prefix); err != nil {
			return fmt.Errorf("lock prefix: %w", err)
		}
		var country *string
		var minute *time.Time
		var budget *bool
		err := tx.QueryRow(ctx, `DELETE FROM guard_admitted WHERE key = $1 AND prefix = $2 RETURNING country, minute, budget`,
			send.Key, send.Prefix).Scan(&country, &minute, &budget)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // not remembered: nothing to take back
		} else if err != nil {
			return fmt.Errorf("forget key: %w", err)
		}
		if country == nil || minute == nil {
			return nil
		}
		counted := budget != nil && *budget
		if counted {
			if _, err := tx.Exec(ctx, lockGuardBudget); err != nil {
				return fmt.Errorf("lock budget: %w", err)
			}
		}
		for _, q := range guardrule.Uncount {
			if _, err := tx.Exec(ctx, q, send.Prefix, *country, *minute, counted); err != nil {
				return fmt.Errorf("uncount: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: release send: %w", err)
	}
	return nil
}

// pruneGuard deletes, at most guardrule.PruneLimit rows of each kind at a
// time and oldest first, prefix buckets that p.Window no longer covers and
// country and budget buckets and verifications older than
// guardrule.KeepSince, and keys of admitted sends as old. It takes no lock: the rows it deletes are outside
// every window that any send reads.
func pruneGuard(ctx context.Context, tx pgx.Tx, now time.Time, p coffeeshop.GuardPolicy) error {
	keep := guardrule.KeepSince(now, p)
	for _, d := range []struct {
		q    string
		args []any
	}{
		{`DELETE FROM guard_sends WHERE (scope, key, minute) IN (
			SELECT scope, key, minute FROM guard_sends WHERE scope = 'prefix' AND minute < $1 ORDER BY minute LIMIT $2)`,
			[]any{guardrule.Since(now, p.Window), guardrule.PruneLimit}},
		{`DELETE FROM guard_sends WHERE (scope, key, minute) IN (
			SELECT scope, key, minute FROM guard_sends WHERE scope = 'country' AND minute < $1 ORDER BY minute LIMIT $2)`,
			[]any{keep, guardrule.PruneLimit}},
		{`DELETE FROM guard_sends WHERE (scope, key, minute) IN (
			SELECT scope, key, minute FROM guard_sends WHERE scope = 'all' AND minute < $1 ORDER BY minute LIMIT $2)`,
			[]any{keep, guardrule.PruneLimit}},
		{`DELETE FROM guard_verified WHERE customer_id IN (
			SELECT customer_id FROM guard_verified WHERE at < $1 ORDER BY at LIMIT $2)`,
			[]any{keep, guardrule.PruneLimit}},
		{`DELETE FROM guard_admitted WHERE (key, prefix) IN (
			SELECT key, prefix FROM guard_admitted WHERE at < $1 ORDER BY at LIMIT $2)`,
			[]any{keep, guardrule.PruneLimit}},
	} {
		if _, err := tx.Exec(ctx, d.q, d.args...); err != nil {
			return err
		}
	}
	return nil
}

// RecordVerified counts customerID's verification once: a later one of
// the same customer changes nothing.
func (s *Store) RecordVerified(ctx context.Context, customerID string, send coffeeshop.GuardSend, now time.Time) error {
	if customerID == "" || send.Prefix == "" {
		return coffeeshop.Errorf(coffeeshop.EINVALID, "guard: a verification needs a customer and a number prefix")
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO guard_verified (customer_id, prefix, country, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (customer_id) DO NOTHING`,
		customerID, send.Prefix, send.Country, now.UTC().Truncate(time.Microsecond))
	if err != nil {
		return fmt.Errorf("postgres: record verified: %w", err)
	}
	return nil
}

// GuardBlocks returns the blocks in force at now, the longest-running
// first (by prefix among those of the same start).
func (s *Store) GuardBlocks(ctx context.Context, now time.Time) ([]coffeeshop.GuardBlock, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT prefix, country, since, until, strikes, sends, verified FROM guard_blocks
		WHERE until > $1 ORDER BY since, prefix`, now.UTC().Truncate(time.Microsecond))
	if err != nil {
		return nil, fmt.Errorf("postgres: guard blocks: %w", err)
	}
	defer rows.Close()
	out := []coffeeshop.GuardBlock{}
	for rows.Next() {
		var b coffeeshop.GuardBlock
		if err := rows.Scan(&b.Prefix, &b.Country, &b.Since, &b.Until, &b.Strikes, &b.Sends, &b.Verified); err != nil {
			return nil, fmt.Errorf("postgres: guard blocks: %w", err)
		}
		b.Since, b.Until = b.Since.UTC(), b.Until.UTC()
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: guard blocks: %w", err)
	}
	return out, nil
}

// GuardCountries sums the country buckets from the one since falls in and
// counts the verifications at or after since. Counts are kept for
// guardrule.Retention (or the policy's longest window) only.
func (s *Store) GuardCountries(ctx context.Context, since time.Time) ([]coffeeshop.GuardCount, error) {
	since = since.UTC().Truncate(time.Microsecond)
	rows, err := s.pool.Query(ctx, `
		SELECT key, sum(n), 0 FROM guard_sends WHERE scope = 'country' AND minute >= $1 GROUP BY key
		UNION ALL
		SELECT country, 0, count(*) FROM guard_verified WHERE at >= $2 GROUP BY country`,
		since.Truncate(guardrule.Bucket), since)
	if err != nil {
		return nil, fmt.Errorf("postgres: guard countries: %w", err)
	}
	defer rows.Close()
	byCountry := map[string]*coffeeshop.GuardCount{}
	for rows.Next() {
		var c string
		var sends, verified int
		if err := rows.Scan(&c, &sends, &verified); err != nil {
			return nil, fmt.Errorf("postgres: guard countries: %w", err)
		}
		if byCountry[c] == nil {
			byCountry[c] = &coffeeshop.GuardCount{Country: c}
		}
		byCountry[c].Sends += sends
		byCountry[c].Verified += verified
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: guard countries: %w", err)
	}
	return guardrule.SortCounts(byCountry), nil
}

// errNotBlocked ends Unblock's transaction when there is no block to lift.
var errNotBlocked = errors.New("not blocked")

// Unblock deletes the prefix's block, strikes and all, and forgets its
// counted sends, so that its next send is not blocked again at once on the
// evidence an operator has just overruled. It takes the prefix's lock, as
// a send does.
func (s *Store) Unblock(ctx context.Context, prefix string, now time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockGuardPrefix, prefix); err != nil {
			return fmt.Errorf("lock prefix: %w", err)
		}
		tag, err := tx.Exec(ctx, `DELETE FROM guard_blocks WHERE prefix = $1 AND until > $2`,
			prefix, now.UTC().Truncate(time.Microsecond))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errNotBlocked
		}
		if _, err := tx.Exec(ctx, `DELETE FROM guard_sends WHERE scope = 'prefix' AND key = $1`, prefix); err != nil {
			return fmt.Errorf("forget sends: %w", err)
		}
		return nil
	})
	if errors.Is(err, errNotBlocked) {
		return coffeeshop.Errorf(coffeeshop.ENOTFOUND, "prefix %s is not blocked", prefix)
	} else if err != nil {
		return fmt.Errorf("postgres: unblock: %w", err)
	}
	return nil
}
