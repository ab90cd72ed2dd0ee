package admin

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// CreateKey makes a key, stores its hash and prints it: a few lines for
// people, then the key alone on the last line, for scripts (| tail -n 1).
func CreateKey(ctx context.Context, st coffeeshop.APIKeyStore, name string, scopes []coffeeshop.Scope, where string, stdout io.Writer) error {
	key, k, err := coffeeshop.NewAPIKey(name, scopes)
	if err != nil {
		return fmt.Errorf("%s", coffeeshop.ErrorMessage(err))
	}
	if err := st.InsertAPIKey(ctx, k); err != nil {
		return fmt.Errorf("store the key: %w", err)
	}
	_, err = fmt.Fprintf(stdout, `created API key %s
  name:    %s
  scopes:  %s
  store:   %s
The key is shown only this once: only a hash of it is stored. Keep it in a
secret store; revoke it with: coffeeshop keys revoke %s
%s
`, k.ID, strconv.Quote(k.Name), scopeList(k.Scopes), where, k.ID, key)
	return err
}

// ListKeys prints a line per key and nothing else, oldest first, in columns
// aligned with spaces: ID, name, scopes, created, last used, revoked. The
// name is quoted (Go syntax), so one with spaces stays one column and odd
// characters show; the other columns never hold spaces, so `awk '{print
// $1}'` gives the IDs. Times are RFC 3339 in UTC, to the second.
func ListKeys(ctx context.Context, st coffeeshop.APIKeyStore, stdout io.Writer) error {
	keys, err := st.ListAPIKeys(ctx)
	if err != nil {
		return fmt.Errorf("list the keys: %w", err)
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, k := range keys {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, strconv.Quote(k.Name), scopeList(k.Scopes),
			stamp(k.CreatedAt, ""), stamp(k.LastUsedAt, "never"), stamp(k.RevokedAt, "no"))
	}
	return w.Flush()
}

// RevokeKey revokes the key with the given ID and says so; a key revoked
// before stays revoked at its first time, which it prints.
func RevokeKey(ctx context.Context, st coffeeshop.APIKeyStore, id string, at time.Time, stdout io.Writer) error {
	err := st.RevokeAPIKey(ctx, id, at)
	if coffeeshop.ErrorCode(err) == coffeeshop.ENOTFOUND {
		return fmt.Errorf("no API key has the ID %s (keys list shows them)", id)
	} else if err != nil {
		return fmt.Errorf("revoke the key: %w", err)
	}
	k, err := st.GetAPIKey(ctx, id)
	if err != nil {
		return fmt.Errorf("read the revoked key back: %w", err)
	}
	if k.RevokedAt.Equal(at) {
		_, err = fmt.Fprintf(stdout, "revoked %s\n", id)
	} else {
		_, err = fmt.Fprintf(stdout, "%s was already revoked at %s\n", id, stamp(k.RevokedAt, ""))
	}
	return err
}

// scopeList writes scopes comma-separated, without spaces.
func scopeList(scopes []coffeeshop.Scope) string {
	names := make([]string, len(scopes))
	for i, s := range scopes {
		names[i] = string(s)
	}
	return strings.Join(names, ",")
}

// stamp writes t in RFC 3339, UTC, to the second; zero as none.
func stamp(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}
