package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/coffeeshop/coffeeshop"
)

// timeLayout is how times are stored: UTC with microseconds and fixed width,
// so that text order is time order and the precision matches PostgreSQL's.
const timeLayout = "2006-01-02T15:04:05.000000Z"

const customerColumns = `id, first_name, last_name, email, phone_number, phone_verified, created_at`

// InsertCustomer inserts c. c.ID must be a UUID in the 36-character
// hyphenated form, in any letter case, or InsertCustomer fails with
// EINVALID; it is stored in lower case and c.ID is set to that form. An
// existing customer with the same ID makes it fail with ECONFLICT and is
// left unchanged. c.CreatedAt is set to the creation time, in UTC and
// truncated to the microsecond that is stored. c.PhoneVerified is stored as
// given.
func (s *Store) InsertCustomer(ctx context.Context, c *coffeeshop.Customer) error {
	if c == nil {
		return coffeeshop.Errorf(coffeeshop.EINVALID, "customer is missing")
	}
	id, ok := coffeeshop.CanonicalID(c.ID)
	if !ok {
		return coffeeshop.Errorf(coffeeshop.EINVALID, "customer ID %q is not a UUID", c.ID)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	stamp := now.Format(timeLayout)
	res, err := s.writer.ExecContext(ctx, `
		INSERT INTO customers (`+customerColumns+`, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
		ON CONFLICT (id) DO NOTHING`,
		id, c.FirstName, c.LastName, c.Email, c.PhoneNumber, c.PhoneVerified, stamp)
	if err != nil {
		return s.insertError(ctx, err, c.PhoneNumber)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: create customer: %w", err)
	}
	if n == 0 {
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
	row := s.reader.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = $1`, cid)
	c, err := scanCustomer(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: get customer: %w", err)
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
	// One JSON array parameter instead of one parameter per ID keeps the
	// statement the same for any number of IDs and far from SQLite's limit
	// on parameters.
	list, err := json.Marshal(order)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get customers: %w", err)
	}
	rows, err := s.reader.QueryContext(ctx, `
		SELECT `+customerColumns+` FROM customers
		WHERE id IN (SELECT value FROM json_each($1))`, string(list))
	if err != nil {
		return nil, fmt.Errorf("sqlite: get customers: %w", err)
	}
	defer rows.Close()
	found := make(map[string]*coffeeshop.Customer, len(order))
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: get customers: %w", err)
		}
		found[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: get customers: %w", err)
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
	stamp := time.Now().UTC().Format(timeLayout)
	// updated_at moves only on a real change, so repeated marks (a retried
	// workflow activity, say) leave the row exactly as the first one did.
	// SQLite counts matched rows as changed even when nothing changes, so
	// zero rows means no such customer.
	res, err := s.writer.ExecContext(ctx, `
		UPDATE customers
		SET phone_verified = 1,
		    updated_at = CASE WHEN phone_verified = 1 THEN updated_at ELSE $2 END
		WHERE id = $1`, cid, stamp)
	if err != nil {
		return fmt.Errorf("sqlite: mark phone verified: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: mark phone verified: %w", err)
	}
	if n == 0 {
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
	if _, err := s.writer.ExecContext(ctx, `DELETE FROM customers WHERE id = $1`, cid); err != nil {
		return fmt.Errorf("sqlite: delete customer: %w", err)
	}
	return nil
}

func notFound(id string) error {
	return coffeeshop.Errorf(coffeeshop.ENOTFOUND, "customer %q not found", id)
}

type scanner interface {
	Scan(dest ...any) error
}

func scanCustomer(row scanner) (*coffeeshop.Customer, error) {
	var c coffeeshop.Customer
	var created string
	if err := row.Scan(&c.ID, &c.FirstName, &c.LastName, &c.Email, &c.PhoneNumber, &c.PhoneVerified, &created); err != nil {
		return nil, err
	}
	t, err := time.Parse(timeLayout, created)
	if err != nil {
		return nil, fmt.Errorf("created_at %q: %w", created, err)
	}
	c.CreatedAt = t
	return &c, nil
}

// insertError tells a phone number or email that another customer has from
// other failures of an insert. SQLite names the column of a plain unique
// index and the index of an expression index in its message. SQLite checks
// the email's index first, PostgreSQL the phone number's; when both are in
// use the phone number is named, as PostgreSQL does, so that a client gets
// the same answer from either store.
func (s *Store) insertError(ctx context.Context, err error, phone string) error {
	var se *msqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		switch msg := se.Error(); {
		case strings.Contains(msg, "customers.phone_number"):
			return coffeeshop.InUseError(coffeeshop.FieldPhoneNumber)
		case strings.Contains(msg, "customers_email_key"):
			var taken bool
			if err := s.writer.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM customers WHERE phone_number = $1)`, phone).Scan(&taken); err != nil {
				return fmt.Errorf("sqlite: create customer: %w", err)
			}
			if taken {
				return coffeeshop.InUseError(coffeeshop.FieldPhoneNumber)
			}
			return coffeeshop.InUseError(coffeeshop.FieldEmail)
		}
	}
	return fmt.Errorf("sqlite: create customer: %w", err)
}
