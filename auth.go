package coffeeshop

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Scope names what an API key may do. The values are part of the command
// line (`keys create --scope`) and of the stores' rows.
type Scope string

// The scopes. Each RPC needs exactly one (api/auth.go).
const (
	// ScopeCustomersRead: GetCustomer and BatchGetCustomers (personal data).
	ScopeCustomersRead Scope = "customers:read"
	// ScopeCustomersWrite: CreateCustomer.
	ScopeCustomersWrite Scope = "customers:write"
	// ScopeVerificationsRead: GetVerification.
	ScopeVerificationsRead Scope = "verifications:read"
	// ScopeVerificationsWrite: VerifyCustomer and ResendCode.
	ScopeVerificationsWrite Scope = "verifications:write"
)

// AllScopes returns every scope, in the order lists show them.
func AllScopes() []Scope {
	return []Scope{ScopeCustomersRead, ScopeCustomersWrite, ScopeVerificationsRead, ScopeVerificationsWrite}
}

// ParseScope returns the scope named s, or EINVALID naming the valid ones.
func ParseScope(s string) (Scope, error) {
	for _, sc := range AllScopes() {
		if string(sc) == s {
			return sc, nil
		}
	}
	names := make([]string, 0, 4)
	for _, sc := range AllScopes() {
		names = append(names, string(sc))
	}
	return "", Errorf(EINVALID, "unknown scope %q: one of %s", s, strings.Join(names, ", "))
}

// APIKey is a backend's credential as a store keeps it: its ID, name and
// scopes, and only a hash of its secret (apikey.go), never the secret.
type APIKey struct {
	// ID is public: it is part of the key, names it in `keys list` and
	// `keys revoke`, and in logs and workflow memos.
	ID     string
	Name   string
	Scopes []Scope
	// Hash is HashAPIKeySecret of the key's secret.
	Hash []byte
	// CreatedAt is set by the store on insert.
	CreatedAt time.Time
	// LastUsedAt is when the key last authenticated a call (kept coarse:
	// at most one write per key a minute); zero if never.
	LastUsedAt time.Time
	// RevokedAt is when the key was revoked; zero while it is valid.
	RevokedAt time.Time
}

// Revoked reports whether k was revoked.
func (k *APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// Has reports whether k grants scope s.
func (k *APIKey) Has(s Scope) bool { return slices.Contains(k.Scopes, s) }

// APIKeyStore keeps API keys. Implementations must be safe for concurrent
// use, also by several processes sharing the database.
type APIKeyStore interface {
	// InsertAPIKey stores k, whose ID, Name, Scopes (at least one) and
	// Hash are set; it sets k.CreatedAt. It fails with ECONFLICT when a
	// key with that ID exists.
	InsertAPIKey(ctx context.Context, k *APIKey) error

	// GetAPIKey returns the key with the given ID, revoked or not, or an
	// ENOTFOUND error.
	GetAPIKey(ctx context.Context, id string) (*APIKey, error)

	// ListAPIKeys returns every key, revoked ones included, oldest first.
	ListAPIKeys(ctx context.Context) ([]*APIKey, error)

	// RevokeAPIKey marks the key revoked at at. Revoking a revoked key
	// succeeds and keeps the first time. It fails with ENOTFOUND when
	// there is no such key.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error

	// TouchAPIKey records that the key was used at at, unless a later use
	// is recorded already. An unknown ID is no error.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
}

// CallerKind says how a call was authenticated.
type CallerKind int

const (
	// CallerOpen: authentication is off (dev on loopback without --auth).
	CallerOpen CallerKind = iota
	// CallerKey: an API key, named by Caller.KeyID.
	CallerKey
	// CallerToken: a customer's verification token, for
	// Caller.CustomerID.
	CallerToken
	// CallerPage: the signup page served by the same process (the
	// package signup), which may only create customers.
	CallerPage
)

// Caller is who made an API call, as authentication found it.
type Caller struct {
	Kind CallerKind
	// KeyID is set for CallerKey.
	KeyID string
	// CustomerID is set for CallerToken.
	CustomerID string
}

// String names the caller for logs and workflow memos without any secret:
// "key <id>", "token", "page" or "open".
func (c Caller) String() string {
	switch c.Kind {
	case CallerKey:
		return "key " + c.KeyID
	case CallerToken:
		return "token"
	case CallerPage:
		return "page"
	default:
		return "open"
	}
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller ctx carries, if any.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}
