package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// RecordCodeSent counts the codes sent to phone after at-window and records
// one at at when fewer than limit were. The count and the insert run in one
// transaction on the single writer connection, which BEGIN IMMEDIATE makes
// the only writer of the file, so concurrent callers (also in other
// processes) are serialized. The phone's rows that have left the window are
// deleted on the way. limit and window must be positive.
func (s *Store) RecordCodeSent(ctx context.Context, phone, key string, at time.Time, window time.Duration, limit int) (bool, time.Duration, error) {
	if limit < 1 || window <= 0 {
		return false, 0, coffeeshop.Errorf(coffeeshop.EINVALID, "code send limit and window must be positive")
	}
	at = at.UTC().Truncate(time.Microsecond)
	start := at.Add(-window).Format(timeLayout)

	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return false, 0, fmt.Errorf("sqlite: record code sent: %w", err)
	}
	defer func() { _ = tx.Rollback() }()

	if _, err := tx.ExecContext(ctx, `DELETE FROM code_sends WHERE phone = $1 AND sent_at <= $2`, phone, start); err != nil {
		return false, 0, fmt.Errorf("sqlite: prune code sends: %w", err)
	}
	if key != "" {
		var seen bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM code_sends WHERE send_key = $1)`, key).Scan(&seen); err != nil {
			return false, 0, fmt.Errorf("sqlite: look up code send: %w", err)
		}
		if seen {
			return true, 0, tx.Commit()
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM code_sends WHERE phone = $1`, phone).Scan(&n); err != nil {
		return false, 0, fmt.Errorf("sqlite: count code sends: %w", err)
	}
	if n >= limit {
		// The send becomes possible when all but limit-1 of the counted
		// ones have left the window.
		var oldest string
		err := tx.QueryRowContext(ctx, `SELECT sent_at FROM code_sends WHERE phone = $1
			ORDER BY sent_at LIMIT 1 OFFSET $2`, phone, n-limit).Scan(&oldest)
		if err != nil {
			return false, 0, fmt.Errorf("sqlite: oldest code send: %w", err)
		}
		t, err := time.Parse(timeLayout, oldest)
		if err != nil {
			return false, 0, fmt.Errorf("sqlite: oldest code send: %w", err)
		}
		return false, max(t.Add(window).Sub(at), 0), tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO code_sends (phone, sent_at, send_key) VALUES ($1, $2, NULLIF($3, ''))`,
		phone, at.Format(timeLayout), key); err != nil {
		return false, 0, fmt.Errorf("sqlite: record code sent: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, 0, fmt.Errorf("sqlite: record code sent: %w", err)
	}
	return true, 0, nil
}
