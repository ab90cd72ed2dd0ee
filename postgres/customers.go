package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/coffeeshop/coffeeshop"
)

const customerColumns = `id, first_name, last_name, email, phone_number, phone_verified, created_at`

// InsertCustomer inserts c. c.ID must be a UUID in the 36-character
// hyphenated form, in any letter case, or InsertCustomer fails with
// EINVALID; c.ID is set to the lower-case form. An existing customer with
// the same ID makes it fail with ECONFLICT and is left unchanged.
// c.CreatedAt is set to the creation time, in UTC and truncated to the
// microsecond that PostgreSQL keeps. c.PhoneVerified is stored as given.
func (s *Store) InsertCustomer(ctx context.Context, c *coffeeshop.Customer) error {
	if c == nil {
		return coffeeshop.Errorf(coffeeshop.EINVALID, "customer is missing")
	}
	id, ok := coffeeshop.CanonicalID(c.ID)
	if !ok {
		return coffeeshop.Errorf(coffeeshop.EINVALID, "customer ID %q is not a UUID", c.ID)
	}
	// The time comes from this process, not the server's now(), so that
	// both stores stamp customers by the same clock.
	now := time.Now().UTC().Truncate(time.Microsecond)
	// ON CONFLICT DO NOTHING reports a duplicate as zero rows instead of an
	// error, which would abort a surrounding transaction and needs
	// SQLSTATE matching.
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO customers (`+customerColumns+`, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
		ON CONFLICT (id) DO NOTHING`,
		id, c.FirstName, c.LastName, c.Email, c.PhoneNumber, c.PhoneVerified, now)
	if err != nil {
		return insertError(err, c)
	}
	if tag.RowsAffected() == 0 {
		return coffeeshop.Errorf(coffeeshop.ECONFLICT, "customer %s exists already", id)
	}
	c.ID = id
	c.CreatedAt = now
	return nil
}

// GetCustomer returns the customer with the given ID, or an ENOTFOUND error.
// The ID is matched without regard to letter case; an ID that is not a UUID
// names no customer, so it gets ENOTFOUND too.
func (s *Store) GetCustomer(ctx context.Context, id string) (*coffeeshop.Customer, error) {
	cid, ok := coffeeshop.CanonicalID(id)
	if !ok {
		return nil, notFound(id)
	}
	row := s.pool.QueryRow(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = $1`, cid)
	c, err := scanCustomer(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("postgres: get customer: %w", err)
	}
	return c, nil
}

// GetCustomers returns the customers with the given IDs in the order of
// ids, each once, leaving out IDs with no customer and IDs that are not
// UUIDs. IDs differing only in letter case are the same ID. The result is
// never nil.
func (s *Store) GetCustomers(ctx context.Context, ids []string) ([]*coffeeshop.Customer, error) {
	order := coffeeshop.DistinctIDs(ids)
	if len(order) == 0 {
		return []*coffeeshop.Customer{}, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = ANY($1)`, order)
	if err != nil {
		return nil, fmt.Errorf("postgres: get customers: %w", err)
	}
	defer rows.Close()
	found := make(map[string]*coffeeshop.Customer, len(order))
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: get customers: %w", err)
		}
		found[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: get customers: %w", err)
	}
	out := make([]*coffeeshop.Customer, 0, len(found))
	for _, id := range order {
		if c, ok := found[id]; ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// MarkPhoneVerified sets PhoneVerified on the customer with the given ID.
// Marking a verified customer again succeeds and changes nothing. It fails
// with ENOTFOUND when there is no such customer or id is not a UUID.
func (s *Store) MarkPhoneVerified(ctx context.Context, id string) error {
	cid, ok := coffeeshop.CanonicalID(id)
	if !ok {
		return notFound(id)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	// updated_at moves only on a real change, so repeated marks (a retried
	// workflow activity, say) leave the row as the first one did. The row
	// counts as updated either way, so zero rows means no such customer.
	tag, err := s.pool.Exec(ctx, `
		UPDATE customers
		SET phone_verified = true,
		    updated_at = CASE WHEN phone_verified THEN updated_at ELSE $2 END
		WHERE id = $1`, cid, now)
	if err != nil {
		return fmt.Errorf("postgres: mark phone verified: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(id)
	}
	return nil
}

// DeleteCustomer removes the customer with the given ID. Deleting a
// customer that does not exist, or an ID that is not a UUID, succeeds.
func (s *Store) DeleteCustomer(ctx context.Context, id string) error {
	cid, ok := coffeeshop.CanonicalID(id)
	if !ok {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM customers WHERE id = $1`, cid); err != nil {
		return fmt.Errorf("postgres: delete customer: %w", err)
	}
	return nil
}

func notFound(id string) error {
	return coffeeshop.Errorf(coffeeshop.ENOTFOUND, "customer %q not found", id)
}

func scanCustomer(row pgx.Row) (*coffeeshop.Customer, error) {
	var c coffeeshop.Customer
	if err := row.Scan(&c.ID, &c.FirstName, &c.LastName, &c.Email, &c.PhoneNumber, &c.PhoneVerified, &c.CreatedAt); err != nil {
		return nil, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return &c, nil
}

// insertError tells a phone number or email that another customer has from
// other failures of an insert, by the unique index that was violated. A
// value PostgreSQL refuses (SQLSTATE class 22, data exception: a NUL or an
// invalid byte sequence, a string too long for its column) is the
// client's mistake, so it is EINVALID naming the field, not a failure of
// the service; SQLite would have stored it, and the API refuses such
// values before they get here, so this guards fields the API may miss.
func insertError(err error, c *coffeeshop.Customer) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return fmt.Errorf("postgres: create customer: %w", err)
	}
	switch {
	case pe.Code == uniqueViolation:
		switch pe.ConstraintName {
		case "customers_phone_number_key":
			return coffeeshop.InUseError(coffeeshop.FieldPhoneNumber)
		case "customers_email_key":
			return coffeeshop.InUseError(coffeeshop.FieldEmail)
		}
	case strings.HasPrefix(pe.Code, dataExceptionClass):
		return coffeeshop.Errorf(coffeeshop.EINVALID, "%s cannot be stored: %s", refusedField(pe, c), pe.Message)
	}
	return fmt.Errorf("postgres: create customer: %w", err)
}

// dataExceptionClass is the SQLSTATE class of values PostgreSQL refuses.
const dataExceptionClass = "22"

// refusedField names the field of c that PostgreSQL refused: the column
// the error names, else the first text field with a NUL or invalid UTF-8
// (PostgreSQL names no column for those), else the customer as a whole.
func refusedField(pe *pgconn.PgError, c *coffeeshop.Customer) string {
	fields := []struct{ column, name, value string }{
		{"first_name", coffeeshop.FieldFirstName, c.FirstName},
		{"last_name", coffeeshop.FieldLastName, c.LastName},
		{"email", coffeeshop.FieldEmail, c.Email},
		{"phone_number", coffeeshop.FieldPhoneNumber, c.PhoneNumber},
	}
	for _, f := range fields {
		if pe.ColumnName == f.column {
			return f.name
		}
	}
	for _, f := range fields {
		if strings.ContainsRune(f.value, 0) || !utf8.ValidString(f.value) {
			return f.name
		}
	}
	return coffeeshop.FieldCustomer
}

// uniqueViolation is PostgreSQL's SQLSTATE for a unique index violation.
const uniqueViolation = "23505"
