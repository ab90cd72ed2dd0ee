package postgres

import "strings"

// RedactURL hides the password of a database URL
// (scheme://user:password@host/…) so that the URL can be printed.
func RedactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	userinfo := u[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return u[:scheme+3] + userinfo[:i] + ":***" + u[at:]
	}
	return u
}
