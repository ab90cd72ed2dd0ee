package coffeeshop

import "strings"

// CanonicalID returns a customer ID in the one textual form the service
// stores and compares: a UUID in the 36-character hyphenated form, lower
// case. It returns false for anything else; other spellings of a UUID
// (braces, a urn: prefix, no hyphens) are refused so that each customer has
// exactly one ID.
func CanonicalID(id string) (string, bool) {
	if len(id) != 36 {
		return "", false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return "", false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return "", false
		}
	}
	return strings.ToLower(id), true
}

// DistinctIDs returns the canonical forms of the customer IDs among ids,
// each once, in first-seen order; IDs that are not UUIDs are left out.
func DistinctIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		cid, ok := CanonicalID(id)
		if !ok || seen[cid] {
			continue
		}
		seen[cid] = true
		out = append(out, cid)
	}
	return out
}
