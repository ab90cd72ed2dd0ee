package sqlite

import "github.com/google/uuid"

// canonicalID returns id in the canonical lower-case form that is stored,
// and false when id is not a UUID in the 36-character hyphenated form.
// Other spellings uuid.Parse accepts (braces, urn: prefix, no hyphens) are
// refused so that each customer has exactly one textual ID, matching what
// the PostgreSQL store accepts.
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
