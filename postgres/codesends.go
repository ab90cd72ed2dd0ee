package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coffeeshop/coffeeshop"
)

// RecordCodeSent counts the codes sent to phone after at-window and records
// one at at when fewer than limit were. The transaction first takes an
// advisory lock on the phone number, so callers for one phone, in any
// process, count and insert one after another while other phones go on in
// parallel. The phone's rows that have left the window are deleted on the
// way. limit and window must be positive.
func (s *Store) RecordCodeSent(ctx context.Context, phone, key string, at time.Time, window time.Duration, limit int) (bool, time.Duration, error) {
	if limit < 1 || window <= 0 {
		return false, 0, coffeeshop.Errorf(coffeeshop.EINVALID, "code send limit and window must be positive")
	}
	at = at.UTC().Truncate(time.Microsecond)
	start := at.Add(-window)

	var allowed bool
	var retryAfter time.Duration
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(
			hashtextextended('coffeeshop.code_sends:' || $1, 0))`, phone); err != nil {
			return fmt.Errorf("lock phone: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM code_sends WHERE phone = $1 AND sent_at <= $2`, phone, start); err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		if key != "" {
			var seen bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM code_sends WHERE send_key = $1)`, key).Scan(&seen); err != nil {
				return fmt.Errorf("look up send: %w", err)
			}
			if seen {
				allowed = true
				return nil
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM code_sends WHERE phone = $1`, phone).Scan(&n); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		if n >= limit {
			// The send becomes possible when all but limit-1 of the
			// counted ones have left the window.
			var oldest time.Time
			if err := tx.QueryRow(ctx, `SELECT sent_at FROM code_sends WHERE phone = $1
				ORDER BY sent_at LIMIT 1 OFFSET $2`, phone, n-limit).Scan(&oldest); err != nil {
				return fmt.Errorf("oldest: %w", err)
			}
			retryAfter = max(oldest.Add(window).Sub(at), 0)
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO code_sends (phone, sent_at, send_key) VALUES ($1, $2, NULLIF($3, ''))`, phone, at, key); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		allowed = true
		return nil
	})
	if err != nil {
		return false, 0, fmt.Errorf("postgres: record code sent: %w", err)
	}
	return allowed, retryAfter, nil
}
