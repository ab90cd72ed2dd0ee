package postgres

import "github.com/google/uuid"

// canonicalID returns id in the canonical lower-case form that is stored,
// and false when id is not a UUID in the 36-character hyphenated form.
// Other spellings uuid.Parse accepts (braces, urn: prefix, no hyphens) are
// refused although PostgreSQL would take them, so that this store accepts
// exactly the IDs the SQLite store does.
func canonicalID(id string) (string, bool) {
	if len(id) != 36 {
		return "", false
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return "", false
	}
	return u.String(), true
}
