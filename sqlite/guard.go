package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/guardrule"
)

// AdmitSend decides a send as coffeeshop.GuardStore says. It is one
// transaction on the single writer connection, which BEGIN IMMEDIATE makes
// the only writer of the file, so sends are decided one after another, also
// across processes: a read of the send's key, the prefix's block and counts
// (and the budget's) in one statement, then nothing (a repeated key), an
// upsert of the send's buckets (and key) or of the prefix's block. Keys are
// remembered since guardrule.KeepSince. Sends are counted in one-minute
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

	// Before the transaction: it holds the only writer connection, which
	// preparing needs.
	st, err := s.guardStatements()
	if err != nil {
		return coffeeshop.GuardDecision{}, fmt.Errorf("sqlite: admit send: %w", err)
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return coffeeshop.GuardDecision{}, fmt.Errorf("sqlite: admit send: %w", err)
	}
	defer func() { _ = tx.Rollback() }()

	var until sql.NullString
	var strikes sql.NullInt64
	var sends, verified, spent, repeated int
	keep := guardStamp(guardrule.KeepSince(now, p))
	err = tx.StmtContext(ctx, st.read).QueryRowContext(ctx,
		send.Prefix, guardStamp(guardrule.Since(now, p.Window)), guardStamp(now.Add(-p.Window)), guardStamp(budgetSince),
		send.Key, keep,
	).Scan(&until, &strikes, &sends, &verified, &spent, &repeated)
	if err != nil {
		return coffeeshop.GuardDecision{}, fmt.Errorf("sqlite: admit send: read counts: %w", err)
	}
	d := coffeeshop.GuardDecision{BudgetLeft: -1}
	if p.Budget > 0 {
		d.BudgetLeft = max(p.Budget-spent, 0)
	}

	switch {
	case repeated > 0:
		// The retry of a send already counted: its text is that one.
		d.Allowed, d.Repeated = true, true

	case until.Valid && until.String > guardStamp(now):
		t, err := time.Parse(timeLayout, until.String)
		if err != nil {
			return coffeeshop.GuardDecision{}, fmt.Errorf("sqlite: admit send: block until: %w", err)
		}
		d.Reason, d.RetryAfter = coffeeshop.ReasonPrefixBlocked, t.Sub(now)

	case p.Budget > 0 && spent >= p.Budget:
		// The send becomes possible when the buckets holding the oldest
		// spent-Budget+1 sends have left the window.
		var oldest string
		err := tx.QueryRowContext(ctx, `
			SELECT minute FROM (
				SELECT minute, sum(n) OVER (ORDER BY minute) AS upto
				FROM guard_sends WHERE scope = 'all' AND key = '' AND minute >= $1)
			WHERE upto >= $2 ORDER BY minute LIMIT 1`, guardStamp(budgetSince), spent-p.Budget+1).Scan(&oldest)
		if err != nil {
			return coffeeshop.GuardDecision{}, fmt.Errorf("sqlite: admit send: oldest budget bucket: %w", err)
		}
		t, err := time.Parse(timeLayout, oldest)
		if err != nil {
			return coffeeshop.GuardDecision{}, fmt.Errorf("sqlite: admit send: oldest budget bucket: %w", err)
		}
		d.Reason, d.RetryAfter = coffeeshop.ReasonSMSBudgetExhausted, max(guardrule.Leaves(t, p.BudgetWindow).Sub(now), 0)

	case guardrule.Blocks(sends+1, verified, p):
		b := &coffeeshop.GuardBlock{Prefix: send.Prefix, Country: send.Country, Since: now,
			Strikes: int(strikes.Int64) + 1, Sends: sends + 1, Verified: verified}
		b.Until = now.Add(guardrule.BlockLength(b.Strikes, p))
		_, err := tx.ExecContext(ctx, `
			INSERT INTO guard_blocks (prefix, country, since, until, strikes, sends, verified)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (prefix) DO UPDATE SET country = excluded.country, since = excluded.since,
				until = excluded.until, strikes = excluded.strikes, sends = excluded.sends, verified = excluded.verified`,
			b.Prefix, b.Country, guardStamp(b.Since), guardStamp(b.Until), b.Strikes, b.Sends, b.Verified)
		if err != nil {
			return coffeeshop.GuardDecision{}, fmt.Errorf("sqlite: admit send: block: %w", err)
		}
		d.Reason, d.RetryAfter, d.NewBlock = coffeeshop.ReasonPrefixBlocked, b.Until.Sub(now), b

	default:
		count := st.count
		if p.Budget > 0 {
			count = st.countBudget
			d.BudgetLeft--
		}
		if _, err := tx.StmtContext(ctx, count).ExecContext(ctx, send.Prefix, send.Country, guardStamp(minute)); err != nil {
			return coffeeshop.GuardDecision{}, fmt.Errorf("sqlite: admit send: count: %w", err)
		}
		if send.Key != "" {
			if _, err := tx.StmtContext(ctx, st.remember).ExecContext(ctx,
				send.Key, send.Prefix, guardStamp(now), send.Country, guardStamp(minute), p.Budget > 0); err != nil {
				return coffeeshop.GuardDecision{}, fmt.Errorf("sqlite: admit send: remember key: %w", err)
			}
		}
		d.Allowed = true
	}

	if s.admits.Add(1)%guardrule.PruneEvery == 0 {
		if err := pruneGuard(ctx, tx, now, p); err != nil {
			return coffeeshop.GuardDecision{}, fmt.Errorf("sqlite: admit send: prune: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return coffeeshop.GuardDecision{}, fmt.Errorf("sqlite: admit send: %w", err)
	}
	return d, nil
}

// ReleaseSend takes back a keyed send as coffeeshop.GuardStore says. It is
// one transaction on the single writer connection, as AdmitSend is, so a
// release and the sends of its prefix happen one after another: the key's
// row is deleted, and what the row says the send was counted for (the
// prefix's and country's buckets of its minute, the budget's when it
// counted there) loses one. Of concurrent releases of a key only the one
// that deletes its row changes counts. A key remembered before the
// release columns existed is only forgotten.
func (s *Store) ReleaseSend(ctx context.Context, send coffeeshop.GuardSend) error {
	if err := guardrule.CheckRelease(send); err != nil {
		return err
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: release send: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var country, minute sql.NullString
	var budget sql.NullBool
	err = tx.QueryRowContext(ctx, `DELETE FROM guard_admitted WHERE key = $1 AND prefix = $2 RETURNING country, minute, budget`,
		send.Key, send.Prefix).Scan(&country, &minute, &budget)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // not remembered: nothing to take back
	} else if err != nil {
		return fmt.Errorf("sqlite: release send: forget key: %w", err)
	}
	if country.Valid && minute.Valid {
		for _, q := range guardrule.Uncount {
			if _, err := tx.ExecContext(ctx, q, send.Prefix, country.String, minute.String, budget.Bool); err != nil {
				return fmt.Errorf("sqlite: release send: uncount: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: release send: %w", err)
	}
	return nil
}

// guardStmts are AdmitSend's statements that run on every send, prepared
// once on the writer connection: parsing them each time would cost as much
// as running them.
type guardStmts struct {
	mu                                 sync.Mutex
	read, count, countBudget, remember *sql.Stmt
}

const countSend = `INSERT INTO guard_sends (scope, key, minute, n) VALUES ('prefix', $1, $3, 1), ('country', $2, $3, 1)`

// guardStatements prepares the guard's statements on the first call, or
// the first after a failed one.
func (s *Store) guardStatements() (*guardStmts, error) {
	g := &s.guard
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.remember != nil {
		return g, nil
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		q    string
	}{
		{&g.read, `
			SELECT b.until, b.strikes,
				(SELECT coalesce(sum(n), 0) FROM guard_sends WHERE scope = 'prefix' AND key = $1 AND minute >= $2),
				(SELECT count(*) FROM guard_verified WHERE prefix = $1 AND at > $3),
				(SELECT coalesce(sum(n), 0) FROM guard_sends WHERE scope = 'all' AND key = '' AND minute >= $4),
				(SELECT count(*) FROM guard_admitted WHERE key = $5 AND prefix = $1 AND at >= $6)
			FROM (SELECT 1) LEFT JOIN guard_blocks b ON b.prefix = $1`},
		{&g.count, countSend + ` ON CONFLICT (scope, key, minute) DO UPDATE SET n = guard_sends.n + 1`},
		{&g.countBudget, countSend + `, ('all', '', $3, 1) ON CONFLICT (scope, key, minute) DO UPDATE SET n = guard_sends.n + 1`},
		// A key past the retention may still have its row: it starts again.
		// What it counted is kept for ReleaseSend.
		{&g.remember, `INSERT INTO guard_admitted (key, prefix, at, country, minute, budget) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (key, prefix) DO UPDATE SET at = excluded.at, country = excluded.country,
				minute = excluded.minute, budget = excluded.budget`},
	} {
		if *p.stmt != nil {
			continue
		}
		// Not the caller's context: the statements outlive the call.
		stmt, err := s.writer.PrepareContext(context.Background(), p.q)
		if err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*p.stmt = stmt
	}
	return g, nil
}

// pruneGuard deletes, at most guardrule.PruneLimit rows of each kind at a
// time and oldest first, prefix buckets that p.Window no longer covers and
// country and budget buckets and verifications older than
// guardrule.KeepSince, and keys of admitted sends as old.
func pruneGuard(ctx context.Context, tx *sql.Tx, now time.Time, p coffeeshop.GuardPolicy) error {
	keep := guardStamp(guardrule.KeepSince(now, p))
	for _, d := range []struct {
		q    string
		args []any
	}{
		{`DELETE FROM guard_sends WHERE (scope, key, minute) IN (
			SELECT scope, key, minute FROM guard_sends WHERE scope = 'prefix' AND minute < $1 ORDER BY minute LIMIT $2)`,
			[]any{guardStamp(guardrule.Since(now, p.Window)), guardrule.PruneLimit}},
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
		if _, err := tx.ExecContext(ctx, d.q, d.args...); err != nil {
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
	_, err := s.writer.ExecContext(ctx, `
		INSERT INTO guard_verified (customer_id, prefix, country, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (customer_id) DO NOTHING`,
		customerID, send.Prefix, send.Country, guardStamp(now.UTC().Truncate(time.Microsecond)))
	if err != nil {
		return fmt.Errorf("sqlite: record verified: %w", err)
	}
	return nil
}

// GuardBlocks returns the blocks in force at now, the longest-running
// first (by prefix among those of the same start).
func (s *Store) GuardBlocks(ctx context.Context, now time.Time) ([]coffeeshop.GuardBlock, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT prefix, country, since, until, strikes, sends, verified FROM guard_blocks
		WHERE until > $1 ORDER BY since, prefix`, guardStamp(now.UTC().Truncate(time.Microsecond)))
	if err != nil {
		return nil, fmt.Errorf("sqlite: guard blocks: %w", err)
	}
	defer rows.Close()
	out := []coffeeshop.GuardBlock{}
	for rows.Next() {
		var b coffeeshop.GuardBlock
		var since, until string
		if err := rows.Scan(&b.Prefix, &b.Country, &since, &until, &b.Strikes, &b.Sends, &b.Verified); err != nil {
			return nil, fmt.Errorf("sqlite: guard blocks: %w", err)
		}
		if b.Since, err = time.Parse(timeLayout, since); err != nil {
			return nil, fmt.Errorf("sqlite: guard block %s: since: %w", b.Prefix, err)
		}
		if b.Until, err = time.Parse(timeLayout, until); err != nil {
			return nil, fmt.Errorf("sqlite: guard block %s: until: %w", b.Prefix, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: guard blocks: %w", err)
	}
	return out, nil
}

// GuardCountries sums the country buckets from the one since falls in and
// counts the verifications at or after since. Counts are kept for
// guardrule.Retention (or the policy's longest window) only.
func (s *Store) GuardCountries(ctx context.Context, since time.Time) ([]coffeeshop.GuardCount, error) {
	since = since.UTC().Truncate(time.Microsecond)
	rows, err := s.reader.QueryContext(ctx, `
		SELECT key, sum(n), 0 FROM guard_sends WHERE scope = 'country' AND minute >= $1 GROUP BY key
		UNION ALL
		SELECT country, 0, count(*) FROM guard_verified WHERE at >= $2 GROUP BY country`,
		guardStamp(since.Truncate(guardrule.Bucket)), guardStamp(since))
	if err != nil {
		return nil, fmt.Errorf("sqlite: guard countries: %w", err)
	}
	defer rows.Close()
	byCountry := map[string]*coffeeshop.GuardCount{}
	for rows.Next() {
		var c string
		var sends, verified int
		if err := rows.Scan(&c, &sends, &verified); err != nil {
			return nil, fmt.Errorf("sqlite: guard countries: %w", err)
		}
		if byCountry[c] == nil {
			byCountry[c] = &coffeeshop.GuardCount{Country: c}
		}
		byCountry[c].Sends += sends
		byCountry[c].Verified += verified
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: guard countries: %w", err)
	}
	return guardrule.SortCounts(byCountry), nil
}

// Unblock deletes the prefix's block, strikes and all, and forgets its
// counted sends, so that its next send is not blocked again at once on the
// evidence an operator has just overruled.
func (s *Store) Unblock(ctx context.Context, prefix string, now time.Time) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: unblock: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `DELETE FROM guard_blocks WHERE prefix = $1 AND until > $2`,
		prefix, guardStamp(now.UTC().Truncate(time.Microsecond)))
	if err != nil {
		return fmt.Errorf("sqlite: unblock: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: unblock: %w", err)
	} else if n == 0 {
		return coffeeshop.Errorf(coffeeshop.ENOTFOUND, "prefix %s is not blocked", prefix)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM guard_sends WHERE scope = 'prefix' AND key = $1`, prefix); err != nil {
		return fmt.Errorf("sqlite: unblock: forget sends: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: unblock: %w", err)
	}
	return nil
}

// guardStamp writes t, in UTC and at microsecond precision already, in the
// store's layout.
func guardStamp(t time.Time) string { return t.UTC().Format(timeLayout) }
