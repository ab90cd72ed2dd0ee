package sqlite

import (
	"fmt"
	"net/url"
)

// PathFromURL returns the file path named by a sqlite URL, so that a
// command can take one database URL flag for both stores. Accepted forms:
//
//	sqlite:///abs/path/to/file.db  → /abs/path/to/file.db
//	sqlite:relative/file.db        → relative/file.db
//
// The scheme may also be "sqlite3" or "file". Percent-escapes are decoded.
// A host other than empty or "localhost" is refused (sqlite://data/x.db
// would otherwise silently drop "data"), and so is a query string, since
// Open takes no options.
func PathFromURL(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("sqlite: parse database URL: %w", err)
	}
	switch u.Scheme {
	case "sqlite", "sqlite3", "file":
	default:
		return "", fmt.Errorf("sqlite: database URL scheme %q is not sqlite", u.Scheme)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("sqlite: database URL %q must have no query or fragment", rawURL)
	}
	if u.Opaque != "" {
		p, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return "", fmt.Errorf("sqlite: database URL path: %w", err)
		}
		return p, nil
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("sqlite: database URL %q has host %q; write sqlite:///abs/path or sqlite:rel/path", rawURL, u.Host)
	}
	if u.Path == "" {
		return "", fmt.Errorf("sqlite: database URL %q names no file", rawURL)
	}
	return u.Path, nil
}
