package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coffeeshop/coffeeshop"
)

const apiKeyColumns = `id, name, scopes, hash, created_at, last_used_at, revoked_at`

// InsertAPIKey stores k and sets k.CreatedAt to the insert time, in UTC and
// truncated to the microsecond PostgreSQL keeps. k must pass k.Validate, or
// it fails with EINVALID; a key with the same ID makes it fail with
// ECONFLICT and is left unchanged. Scopes are kept in the order given.
func (s *Store) InsertAPIKey(ctx context.Context, k *coffeeshop.APIKey) error {
	if err := k.Validate(); err != nil {
		return err
	}
	scopes := make([]string, len(k.Scopes))
	for i, sc := range k.Scopes {
		scopes[i] = string(sc)
	}
	// This process's clock, as for customers, so both stores stamp alike.
	now := time.Now().UTC().Truncate(time.Microsecond)
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO api_keys (id, name, scopes, hash, created_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO NOTHING`,
		k.ID, k.Name, scopes, k.Hash, now)
	if err != nil {
		return fmt.Errorf("postgres: insert API key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return coffeeshop.Errorf(coffeeshop.ECONFLICT, "API key %s exists already", k.ID)
	}
	k.CreatedAt = now
	return nil
}

// GetAPIKey returns the key with the given ID, revoked or not, or an
// ENOTFOUND error.
func (s *Store) GetAPIKey(ctx context.Context, id string) (*coffeeshop.APIKey, error) {
	row := s.pool.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id)
	k, err := scanAPIKey(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apiKeyNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("postgres: get API key: %w", err)
	}
	return k, nil
}

// ListAPIKeys returns every key, revoked ones included, oldest first (keys
// created in the same microsecond by ID). The result is never nil.
func (s *Store) ListAPIKeys(ctx context.Context) ([]*coffeeshop.APIKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list API keys: %w", err)
	}
	defer rows.Close()
	out := []*coffeeshop.APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list API keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list API keys: %w", err)
	}
	return out, nil
}

// RevokeAPIKey marks the key revoked at at (truncated to the microsecond),
// unless it is revoked already: then the first time stays. It fails with
// ENOTFOUND when there is no such key and EINVALID when at is zero.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		return coffeeshop.Errorf(coffeeshop.EINVALID, "revocation time is missing")
	}
	at = at.UTC().Truncate(time.Microsecond)
	// A matched row counts as updated even when coalesce keeps the old
	// time, so zero rows means no such key.
	tag, err := s.pool.Exec(ctx, `
		UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1`, id, at)
	if err != nil {
		return fmt.Errorf("postgres: revoke API key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return apiKeyNotFound(id)
	}
	return nil
}

// TouchAPIKey records a use of the key at at (truncated to the
// microsecond), unless a use at or after at is recorded already. An unknown
// ID is no error. It is one conditional UPDATE, which writes nothing when
// the recorded use is as recent.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		return coffeeshop.Errorf(coffeeshop.EINVALID, "use time is missing")
	}
	at = at.UTC().Truncate(time.Microsecond)
	_, err := s.pool.Exec(ctx, `
		UPDATE api_keys SET last_used_at = $2
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`, id, at)
	if err != nil {
		return fmt.Errorf("postgres: touch API key: %w", err)
	}
	return nil
}

func apiKeyNotFound(id string) error {
	return coffeeshop.Errorf(coffeeshop.ENOTFOUND, "API key %q not found", id)
}

func scanAPIKey(row pgx.Row) (*coffeeshop.APIKey, error) {
	var k coffeeshop.APIKey
	var scopes []string
	var used, revoked *time.Time
	if err := row.Scan(&k.ID, &k.Name, &scopes, &k.Hash, &k.CreatedAt, &used, &revoked); err != nil {
		return nil, err
	}
	k.Scopes = make([]coffeeshop.Scope, len(scopes))
	for i, sc := range scopes {
		k.Scopes[i] = coffeeshop.Scope(sc)
	}
	k.CreatedAt = k.CreatedAt.UTC()
	if used != nil {
		k.LastUsedAt = used.UTC()
	}
	if revoked != nil {
		k.RevokedAt = revoked.UTC()
	}
	return &k, nil
}
