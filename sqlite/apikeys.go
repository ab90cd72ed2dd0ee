package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

const apiKeyColumns = `id, name, scopes, hash, created_at, last_used_at, revoked_at`

// InsertAPIKey stores k and sets k.CreatedAt to the insert time, in UTC and
// truncated to the stored microsecond. k must pass k.Validate, or it fails
// with EINVALID; a key with the same ID makes it fail with ECONFLICT and is
// left unchanged. Scopes are kept in the order given.
func (s *Store) InsertAPIKey(ctx context.Context, k *coffeeshop.APIKey) error {
	if err := k.Validate(); err != nil {
		return err
	}
	scopes, err := json.Marshal(k.Scopes)
	if err != nil {
		return fmt.Errorf("sqlite: insert API key: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	res, err := s.writer.ExecContext(ctx, `
		INSERT INTO api_keys (id, name, scopes, hash, created_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO NOTHING`,
		k.ID, k.Name, string(scopes), k.Hash, now.Format(timeLayout))
	if err != nil {
		return fmt.Errorf("sqlite: insert API key: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: insert API key: %w", err)
	}
	if n == 0 {
		return coffeeshop.Errorf(coffeeshop.ECONFLICT, "API key %s exists already", k.ID)
	}
	k.CreatedAt = now
	return nil
}

// GetAPIKey returns the key with the given ID, revoked or not, or an
// ENOTFOUND error.
func (s *Store) GetAPIKey(ctx context.Context, id string) (*coffeeshop.APIKey, error) {
	row := s.reader.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id)
	k, err := scanAPIKey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apiKeyNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: get API key: %w", err)
	}
	return k, nil
}

// ListAPIKeys returns every key, revoked ones included, oldest first (keys
// created in the same microsecond by ID). The result is never nil.
func (s *Store) ListAPIKeys(ctx context.Context) ([]*coffeeshop.APIKey, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list API keys: %w", err)
	}
	defer rows.Close()
	out := []*coffeeshop.APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list API keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list API keys: %w", err)
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
	stamp := at.UTC().Truncate(time.Microsecond).Format(timeLayout)
	// SQLite counts a matched row as changed even when coalesce keeps the
	// old value, so zero rows means no such key.
	res, err := s.writer.ExecContext(ctx, `
		UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1`, id, stamp)
	if err != nil {
		return fmt.Errorf("sqlite: revoke API key: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: revoke API key: %w", err)
	}
	if n == 0 {
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
	stamp := at.UTC().Truncate(time.Microsecond).Format(timeLayout)
	_, err := s.writer.ExecContext(ctx, `
		UPDATE api_keys SET last_used_at = $2
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`, id, stamp)
	if err != nil {
		return fmt.Errorf("sqlite: touch API key: %w", err)
	}
	return nil
}

func apiKeyNotFound(id string) error {
	return coffeeshop.Errorf(coffeeshop.ENOTFOUND, "API key %q not found", id)
}

func scanAPIKey(row scanner) (*coffeeshop.APIKey, error) {
	var k coffeeshop.APIKey
	var scopes, created string
	var used, revoked sql.NullString
	if err := row.Scan(&k.ID, &k.Name, &scopes, &k.Hash, &created, &used, &revoked); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(scopes), &k.Scopes); err != nil {
		return nil, fmt.Errorf("API key %s: scopes: %w", k.ID, err)
	}
	var err error
	if k.CreatedAt, err = time.Parse(timeLayout, created); err != nil {
		return nil, fmt.Errorf("API key %s: created_at: %w", k.ID, err)
	}
	if used.Valid {
		if k.LastUsedAt, err = time.Parse(timeLayout, used.String); err != nil {
			return nil, fmt.Errorf("API key %s: last_used_at: %w", k.ID, err)
		}
	}
	if revoked.Valid {
		if k.RevokedAt, err = time.Parse(timeLayout, revoked.String); err != nil {
			return nil, fmt.Errorf("API key %s: revoked_at: %w", k.ID, err)
		}
	}
	return &k, nil
}
