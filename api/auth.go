package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// KeyCacheTTL is how long an Authenticator trusts what it read about an
// API key (or the absence of one) before reading it again. A key revoked
// through another process is refused by this one within KeyCacheTTL plus
// one store read, well inside the 5 seconds the service promises.
const KeyCacheTTL = 2 * time.Second

// Bounds of the Authenticator's bookkeeping.
const (
	// maxCachedKeys bounds the key cache: an attacker sending random key IDs
	// fills it with unknown IDs, which then cost one store read each, as
	// without a cache, and evict each other rather than grow memory.
	maxCachedKeys = 4096
	// touchEvery is how often at most a key's last use is written.
	touchEvery = time.Minute
	// touchTimeout bounds one write of a key's last use, and one read of
	// a key.
	touchTimeout = 5 * time.Second
)

// authorizationMetadata is the gRPC metadata key of the credential; the
// gateway passes the HTTP Authorization header there.
const authorizationMetadata = "authorization"

// wwwAuthenticateMetadata is the response header that names the scheme a
// 401 or 403 wants (RFC 6750); the gateway answers it as WWW-Authenticate.
const wwwAuthenticateMetadata = "www-authenticate"

// bearerRealm starts every WWW-Authenticate value.
const bearerRealm = `Bearer realm="coffeeshop"`

// methodScopes is the one table of which scope each CustomerService RPC
// needs. A CustomerService method missing from it is refused to every
// caller but an open server's (authorize), so a new RPC cannot be served
// unprotected by mistake.
var methodScopes = map[string]coffeeshop.Scope{
	customerv1.CustomerService_CreateCustomer_FullMethodName:    coffeeshop.ScopeCustomersWrite,
	customerv1.CustomerService_GetCustomer_FullMethodName:       coffeeshop.ScopeCustomersRead,
	customerv1.CustomerService_BatchGetCustomers_FullMethodName: coffeeshop.ScopeCustomersRead,
	customerv1.CustomerService_GetVerification_FullMethodName:   coffeeshop.ScopeVerificationsRead,
	customerv1.CustomerService_VerifyCustomer_FullMethodName:    coffeeshop.ScopeVerificationsWrite,
	customerv1.CustomerService_ResendCode_FullMethodName:        coffeeshop.ScopeVerificationsWrite,
}

// tokenMethods are the RPCs a customer's verification token allows, for
// that customer only: the code steps, never reading the customer.
var tokenMethods = map[string]bool{
	customerv1.CustomerService_VerifyCustomer_FullMethodName:  true,
	customerv1.CustomerService_ResendCode_FullMethodName:      true,
	customerv1.CustomerService_GetVerification_FullMethodName: true,
}

// openServices answer without a credential. Server reflection tells what
// the .proto files say (services, messages), which is public anyway (the
// OpenAPI document is served too), and no data; the health service, when
// one is registered, must answer load balancers that hold no key.
var openServices = []string{
	"/grpc.reflection.v1.ServerReflection/",
	"/grpc.reflection.v1alpha.ServerReflection/",
	"/grpc.health.v1.Health/",
}

// AuthConfig configures NewAuthenticator.
type AuthConfig struct {
	// Open allows every call without a credential, as caller "open" (dev on
	// loopback without --auth). Keys and Tokens are then unused.
	Open bool
	// Keys holds the API keys. Required unless Open.
	Keys coffeeshop.APIKeyStore
	// Tokens checks customers' verification tokens; nil refuses every
	// token.
	Tokens *coffeeshop.TokenIssuer
	// Logger gets warnings (a store that fails); if nil, the Server's
	// Logger. Credentials are never logged.
	Logger *slog.Logger
	// Now is the clock of token expiry, the key cache and last-use writes;
	// time.Now if nil.
	Now func() time.Time
}

// Authenticator decides who a gRPC call comes from (an API key, a
// customer's verification token, or nobody) and whether that caller may
// make it. Its interceptors run before the rate limiter, so a caller
// without a valid credential cannot spend the limits of a phone number.
type Authenticator struct {
	cfg AuthConfig
	// page is the signup page's credential (pageCredentialPrefix and 32
	// random bytes), made at start and known only to this process; it
	// allows CreateCustomer only. Never logged.
	page string
	// log is cfg.Logger, or the logger of the first server that uses the
	// Authenticator (useLogger), or slog.Default().
	log atomic.Pointer[slog.Logger]

	mu       sync.Mutex
	cache    map[string]cachedKey
	fetching map[string]*keyFetch
	// touched is when each key's last use was last written (or tried).
	touched map[string]time.Time

	touching     sync.WaitGroup
	touchFailing atomic.Bool
}

// cachedKey is what the store said about a key ID at fetched: the key, or
// nil when there is none.
type cachedKey struct {
	key     *coffeeshop.APIKey
	fetched time.Time
}

// NewAuthenticator returns an Authenticator; it fails when cfg is not Open
// and has no key store.
func NewAuthenticator(cfg AuthConfig) (*Authenticator, error) {
	if !cfg.Open && cfg.Keys == nil {
		return nil, errors.New("api: an authenticator that is not open needs a key store")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &Authenticator{cfg: cfg, page: newPageCredential(), cache: map[string]cachedKey{}, fetching: map[string]*keyFetch{}, touched: map[string]time.Time{}}
	if cfg.Logger != nil {
		a.log.Store(coffeeshop.LogRequestIDs(cfg.Logger))
	}
	return a, nil
}

// pageCredentialPrefix starts the signup page's credential, so that it is
// told from API keys and tokens without a store read.
const pageCredentialPrefix = "csp_"

// newPageCredential returns a fresh page credential.
func newPageCredential() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return pageCredentialPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// pageCredential is the credential the signup page of this process sends
// (PageBackend); "" for an open Authenticator, which needs none.
func (a *Authenticator) pageCredential() string {
	if a == nil || a.cfg.Open {
		return ""
	}
	return a.page
}

// openAuthenticator allows every call; it serves a Server without Auth.
var openAuthenticator = &Authenticator{cfg: AuthConfig{Open: true, Now: time.Now}}

// useLogger makes log (which adds request IDs) the Authenticator's logger
// unless it has one.
func (a *Authenticator) useLogger(log *slog.Logger) { a.log.CompareAndSwap(nil, log) }

func (a *Authenticator) logger() *slog.Logger {
	if l := a.log.Load(); l != nil {
		return l
	}
	return slog.Default()
}

// Wait waits for the writes of keys' last use in flight. Call it before
// closing the key store.
func (a *Authenticator) Wait() { a.touching.Wait() }

// unary authenticates and authorizes each unary call, puts the caller in
// its context (coffeeshop.WithCaller) and tells the log line
// (callerSlot), and refuses the call with its status when it may not be
// made.
func (a *Authenticator) unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := a.admit(ctx, info.FullMethod, req)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// stream is unary for streaming calls. CustomerService has none; a
// stream has no request to bind a token to, so tokens never pass here.
func (a *Authenticator) stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := a.admit(ss.Context(), info.FullMethod, nil)
		if err != nil {
			return err
		}
		return handler(srv, &ctxStream{ServerStream: ss, ctx: ctx})
	}
}

// admit returns ctx with the caller of the call, or the status error that
// refuses the call, with its www-authenticate header set.
func (a *Authenticator) admit(ctx context.Context, method string, req any) (context.Context, error) {
	caller, refusal := a.authorize(ctx, method, req)
	slot, _ := ctx.Value(callerSlotKey{}).(*callerSlot)
	if refusal != nil {
		// A forbidden call has a known caller, whom its log line names.
		if slot != nil && coffeeshop.ErrorCode(refusal.err) == coffeeshop.EFORBIDDEN {
			slot.set(caller)
		}
		if refusal.challenge != "" {
			// Fails only outside a gRPC call.
			_ = grpc.SetHeader(ctx, metadata.Pairs(wwwAuthenticateMetadata, refusal.challenge))
		}
		st, internal := errorStatus(refusal.err)
		if internal {
			a.logger().LogAttrs(ctx, slog.LevelError, "internal error",
				slog.String("method", method), slog.String("error", refusal.err.Error()))
		}
		return ctx, st.Err()
	}
	if slot != nil {
		slot.set(caller)
	}
	return coffeeshop.WithCaller(ctx, caller), nil
}

// refusal is why a call is refused, and the WWW-Authenticate value that
// goes with it. A refusal without challenge (a failing store) is no
// authentication failure.
type refusal struct {
	err       error
	challenge string
}

func unauthenticated(credentialGiven bool, format string, args ...any) *refusal {
	ch := bearerRealm
	if credentialGiven {
		ch += `, error="invalid_token"`
	}
	return &refusal{err: coffeeshop.Errorf(coffeeshop.EUNAUTHENTICATED, format, args...), challenge: ch}
}

func forbidden(scope coffeeshop.Scope, format string, args ...any) *refusal {
	ch := bearerRealm + `, error="insufficient_scope"`
	if scope != "" {
		ch += `, scope="` + string(scope) + `"`
	}
	return &refusal{err: coffeeshop.Errorf(coffeeshop.EFORBIDDEN, format, args...), challenge: ch}
}

// authorize decides who makes the call and whether they may. Nothing in
// it looks at customers, so a refusal is the same whether or not the
// customer a request names exists.
func (a *Authenticator) authorize(ctx context.Context, method string, req any) (coffeeshop.Caller, *refusal) {
	open := coffeeshop.Caller{Kind: coffeeshop.CallerOpen}
	if a.cfg.Open {
		return open, nil
	}
	for _, svc := range openServices {
		if strings.HasPrefix(method, svc) {
			return open, nil
		}
	}
	scope, known := methodScopes[method]

	kind, cred, r := credential(ctx)
	if r != nil {
		return coffeeshop.Caller{}, r
	}
	switch kind {
	case credKey:
		k, r := a.key(ctx, cred)
		if r != nil {
			return coffeeshop.Caller{}, r
		}
		if !known || !k.Has(scope) {
			return coffeeshop.Caller{Kind: coffeeshop.CallerKey, KeyID: k.ID}, forbidden(scope, "the API key does not have the scope %s this call needs", scopeName(scope))
		}
		a.touch(k.ID)
		return coffeeshop.Caller{Kind: coffeeshop.CallerKey, KeyID: k.ID}, nil
	case credPage:
		// The page's calls come over loopback from this process; the
		// credential from anywhere else is refused even if it leaked.
		p, _ := peer.FromContext(ctx)
		if a.page == "" || subtle.ConstantTimeCompare([]byte(cred), []byte(a.page)) != 1 || p == nil || !sameHost(p) {
			return coffeeshop.Caller{}, unauthenticated(true, "invalid credential")
		}
		page := coffeeshop.Caller{Kind: coffeeshop.CallerPage}
		if method != customerv1.CustomerService_CreateCustomer_FullMethodName {
			return page, forbidden(scope, "the signup page may only create customers")
		}
		return page, nil
	default: // credToken
		if a.cfg.Tokens == nil {
			return coffeeshop.Caller{}, unauthenticated(true, "verification tokens are not accepted here")
		}
		id, err := a.cfg.Tokens.Check(cred, a.cfg.Now())
		if err != nil {
			return coffeeshop.Caller{}, unauthenticated(true, "invalid or expired verification token")
		}
		// The request's customer ID, read as the handlers read it; a
		// malformed one matches no token.
		ir, isID := req.(idRequest)
		if !tokenMethods[method] || !isID {
			return coffeeshop.Caller{Kind: coffeeshop.CallerToken, CustomerID: id}, forbidden(scope, "a verification token allows only verifying, resending and reading the verification of its own customer")
		}
		if want, err := customerID(ir); err != nil || want != id {
			return coffeeshop.Caller{Kind: coffeeshop.CallerToken, CustomerID: id}, forbidden(scope, "a verification token allows only verifying, resending and reading the verification of its own customer")
		}
		return coffeeshop.Caller{Kind: coffeeshop.CallerToken, CustomerID: id}, nil
	}
}

// scopeName names a scope in a message; a method with none needs one no
// key has.
func scopeName(s coffeeshop.Scope) string {
	if s == "" {
		return "(none: this method is not served)"
	}
	return string(s)
}

const msgMalformed = `malformed Authorization value: want "Bearer <API key or verification token>"`

type credKind int

const (
	credKey credKind = iota
	credToken
	credPage
)

// credential returns the call's credential: the one authorization
// metadata value, "Bearer <credential>" (the scheme in any letter case,
// one space), whose credential is an API key or a verification token by
// its prefix. Anything else is refused; the credential is never quoted.
func credential(ctx context.Context) (credKind, string, *refusal) {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get(authorizationMetadata)
	switch len(vals) {
	case 0:
		return 0, "", unauthenticated(false, `this call needs a credential: "Authorization: Bearer <API key or verification token>"`)
	case 1:
	default:
		return 0, "", unauthenticated(true, "more than one Authorization value")
	}
	scheme, cred, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" || strings.ContainsAny(cred, " \t\r\n") {
		return 0, "", unauthenticated(true, "%s", msgMalformed)
	}
	switch {
	case strings.HasPrefix(cred, coffeeshop.APIKeyPrefix):
		return credKey, cred, nil
	case strings.HasPrefix(cred, coffeeshop.TokenPrefix):
		return credToken, cred, nil
	case strings.HasPrefix(cred, pageCredentialPrefix):
		return credPage, cred, nil
	}
	return 0, "", unauthenticated(true, "the credential is neither an API key (%s…) nor a verification token (%s…)",
		coffeeshop.APIKeyPrefix, coffeeshop.TokenPrefix)
}

// key returns the valid API key s, or the refusal: malformed, unknown, a
// wrong secret and revoked are all 401. The secret is compared in
// constant time (APIKey.Matches).
func (a *Authenticator) key(ctx context.Context, s string) (*coffeeshop.APIKey, *refusal) {
	id, secret, ok := coffeeshop.ParseAPIKey(s)
	if !ok {
		return nil, unauthenticated(true, "malformed API key")
	}
	k, err := a.lookup(ctx, id)
	if err != nil {
		// The store failed: no verdict on the key, and no 401 that would
		// make a client drop a good key.
		a.logger().LogAttrs(ctx, slog.LevelWarn, "cannot read API key", slog.String("key_id", id), slog.String("error", err.Error()))
		return nil, &refusal{err: coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "cannot check the API key now; try again")}
	}
	if k == nil || !k.Matches(secret) {
		return nil, unauthenticated(true, "invalid API key")
	}
	if k.Revoked() {
		return nil, unauthenticated(true, "the API key was revoked")
	}
	return k, nil
}

// lookup returns the key with ID id, nil if there is none, from the cache
// while it is younger than KeyCacheTTL, else from the store. Unknown IDs
// are cached too, so that a client repeating one bad key costs a store
// read per KeyCacheTTL, not per call; a key created meanwhile is seen
// within KeyCacheTTL. Concurrent calls that miss the cache for one ID share
// one store read, so a busy key costs one read per KeyCacheTTL, not a burst
// of them each time its entry goes stale.
func (a *Authenticator) lookup(ctx context.Context, id string) (*coffeeshop.APIKey, error) {
	now := a.cfg.Now()
	a.mu.Lock()
	if c, ok := a.cache[id]; ok && now.Sub(c.fetched) < KeyCacheTTL && !now.Before(c.fetched) {
		a.mu.Unlock()
		return c.key, nil
	}
	if f, ok := a.fetching[id]; ok {
		a.mu.Unlock()
		select {
		case <-f.done:
			return f.key, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &keyFetch{done: make(chan struct{})}
	a.fetching[id] = f
	a.mu.Unlock()

	// The read is shared, so no one caller's cancellation ends it.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), touchTimeout)
	k, err := a.cfg.Keys.GetAPIKey(rctx, id)
	cancel()
	if coffeeshop.ErrorCode(err) == coffeeshop.ENOTFOUND {
		k, err = nil, nil
	}
	f.key, f.err = k, err

	a.mu.Lock()
	delete(a.fetching, id)
	if err == nil {
		if len(a.cache) >= maxCachedKeys {
			a.evict(now)
		}
		a.cache[id] = cachedKey{key: k, fetched: now}
	}
	a.mu.Unlock()
	close(f.done)
	return k, err
}

// keyFetch is a store read of a key in flight, which concurrent lookups of
// the same ID wait for.
type keyFetch struct {
	done chan struct{}
	key  *coffeeshop.APIKey
	err  error
}

// evict makes room in the full cache: it drops every stale entry, and when
// none was stale, one entry at random (map order). Called with a.mu held.
func (a *Authenticator) evict(now time.Time) {
	for id, c := range a.cache {
		if now.Sub(c.fetched) >= KeyCacheTTL {
			delete(a.cache, id)
		}
	}
	if len(a.cache) < maxCachedKeys {
		return
	}
	for id := range a.cache {
		delete(a.cache, id)
		return
	}
}

// touch records the key's use in the store at most once per touchEvery,
// in the background so that no call waits for the write. A failing write
// is logged once, until one succeeds again.
func (a *Authenticator) touch(id string) {
	now := a.cfg.Now()
	a.mu.Lock()
	last, ok := a.touched[id]
	due := !ok || now.Sub(last) >= touchEvery || now.Before(last)
	if due {
		a.touched[id] = now
	}
	a.mu.Unlock()
	if !due {
		return
	}
	a.touching.Add(1)
	go func() {
		defer a.touching.Done()
		ctx, cancel := context.WithTimeout(context.Background(), touchTimeout)
		defer cancel()
		if err := a.cfg.Keys.TouchAPIKey(ctx, id, now); err != nil {
			if !a.touchFailing.Swap(true) {
				a.logger().LogAttrs(ctx, slog.LevelWarn, "cannot record an API key's last use (logged once until it works again)",
					slog.String("key_id", id), slog.String("error", err.Error()))
			}
			return
		}
		a.touchFailing.Store(false)
	}()
}

// callerSlot is where the authentication interceptor tells the logging
// interceptor, which runs outside it, who made the call.
type callerSlot struct {
	mu     sync.Mutex
	caller coffeeshop.Caller
	ok     bool
}

type callerSlotKey struct{}

func (s *callerSlot) set(c coffeeshop.Caller) {
	s.mu.Lock()
	s.caller, s.ok = c, true
	s.mu.Unlock()
}

func (s *callerSlot) get() (coffeeshop.Caller, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caller, s.ok
}

// withCallerSlot returns ctx with an empty callerSlot for the call.
func withCallerSlot(ctx context.Context) (context.Context, *callerSlot) {
	s := &callerSlot{}
	return context.WithValue(ctx, callerSlotKey{}, s), s
}
