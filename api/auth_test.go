package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// The personal data of authEnv's customer A: no refused answer may hold
// any of it.
const (
	piiFirst = "Zelda"
	piiLast  = "Quixotic"
	piiEmail = "zelda.quixotic@example.com"
	piiPhone = "+447700900123"
)

// authEnv is the API served with authentication on, over a key store
// given by the test, with a settable clock.
type authEnv struct {
	h      *harness
	auth   *Authenticator
	keys   coffeeshop.APIKeyStore
	clock  *fakeClock
	tokens *coffeeshop.TokenIssuer
	client customerv1.CustomerServiceClient

	// Customers: a and b exist, missing does not.
	a, b, missing string
	// Keys: full has every scope; revoked had every scope; unknown was
	// never stored; without[s] has every scope but s.
	full, revoked, unknown string
	without                map[coffeeshop.Scope]string

	serial atomic.Int64 // makes each create's customer new
}

// newAuthEnv serves the API over keys, its gateway built with gwOpts.
func newAuthEnv(t *testing.T, keys coffeeshop.APIKeyStore, gwOpts ...GatewayOption) *authEnv {
	t.Helper()
	ctx := context.Background()
	e := &authEnv{keys: keys, clock: newFakeClock(), tokens: coffeeshop.NewTokenIssuer([]byte("test code secret"))}
	auth, err := NewAuthenticator(AuthConfig{Keys: keys, Tokens: e.tokens, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.auth = auth
	t.Cleanup(auth.Wait)

	h := &harness{store: openStore(t), gwOpts: gwOpts}
	h.verifier = &fakeVerifier{
		store: h.store,
		verify: func(id, code string) (coffeeshop.VerificationResult, error) {
			if _, err := h.store.GetCustomer(ctx, id); err != nil {
				return 0, coffeeshop.Errorf(coffeeshop.ENOTFOUND, "no verification for customer %s", id)
			}
			if code == "1234" {
				return coffeeshop.VerificationSuccess, nil
			}
			return coffeeshop.VerificationIncorrectCode, nil
		},
		resend: func(c *coffeeshop.Customer) (*coffeeshop.Verification, error) { return testVerification(c.ID), nil },
		get: func(id string) (*coffeeshop.Verification, error) {
			if _, err := h.store.GetCustomer(ctx, id); err != nil {
				return nil, coffeeshop.Errorf(coffeeshop.ENOTFOUND, "no verification for customer %s", id)
			}
			return testVerification(id), nil
		},
	}
	e.h = h
	h.start(t, &Server{Store: h.store, Verifier: h.verifier, Auth: auth, Tokens: e.tokens, TokenTTL: time.Hour})
	e.client = grpcClient(t, h.grpcAddr)

	e.a, e.b, e.missing = uuid.NewString(), uuid.NewString(), uuid.NewString()
	for _, c := range []*coffeeshop.Customer{
		{ID: e.a, FirstName: piiFirst, LastName: piiLast, Email: piiEmail, PhoneNumber: piiPhone},
		{ID: e.b, FirstName: "Bob", LastName: "B", Email: "bob@example.com", PhoneNumber: "+447700900456"},
	} {
		if err := h.store.InsertCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	e.full = e.newKey(t)
	e.revoked = e.newKey(t)
	id, _, _ := coffeeshop.ParseAPIKey(e.revoked)
	if err := keys.RevokeAPIKey(ctx, id, time.Now()); err != nil {
		t.Fatal(err)
	}
	e.unknown, _, _ = coffeeshop.NewAPIKey("never stored", nil)
	e.without = map[coffeeshop.Scope]string{}
	for _, s := range coffeeshop.AllScopes() {
		var others []coffeeshop.Scope
		for _, o := range coffeeshop.AllScopes() {
			if o != s {
				others = append(others, o)
			}
		}
		e.without[s] = e.newKey(t, others...)
	}
	return e
}

// newKey stores a new key with the given scopes (all if none) and returns it.
func (e *authEnv) newKey(t *testing.T, scopes ...coffeeshop.Scope) string {
	t.Helper()
	key, k, err := coffeeshop.NewAPIKey("test key", scopes)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.keys.InsertAPIKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return key
}

// token is a valid verification token of customer id.
func (e *authEnv) token(id string) string {
	return e.tokens.Issue(id, e.clock.Now().Add(time.Hour))
}

func testVerification(id string) *coffeeshop.Verification {
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	return &coffeeshop.Verification{CustomerID: id, Status: coffeeshop.VerificationStatusInProgress,
		AttemptsLeft: 3, SendsLeft: 4, CodeExpiresAt: now.Add(5 * time.Minute), ExpiresAt: now.Add(time.Hour)}
}

// authRPC is one CustomerService RPC as the matrix calls it, over HTTP and
// over gRPC, naming customer id (where the RPC names one).
type authRPC struct {
	name  string
	scope coffeeshop.Scope
	// tokenOK: a token of the customer the request names is allowed.
	tokenOK bool
	http    func(e *authEnv, id string) (method, path, body string)
	grpc    func(ctx context.Context, e *authEnv, id string, opts ...grpc.CallOption) error
}

// newCustomerBody is a create request for a new customer that is not A.
func (e *authEnv) newCustomerBody() *customerv1.CreateCustomerRequest {
	n := e.serial.Add(1)
	return &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{FirstName: "New", LastName: "Person",
		Email: fmt.Sprintf("new%d@example.com", n), PhoneNumber: fmt.Sprintf("+4479000%05d", n)}}
}

var authRPCs = []authRPC{
	{
		name: "CreateCustomer", scope: coffeeshop.ScopeCustomersWrite,
		http: func(e *authEnv, _ string) (string, string, string) {
			b, _ := protojson.Marshal(e.newCustomerBody())
			return "POST", "/v1/customers", string(b)
		},
		grpc: func(ctx context.Context, e *authEnv, _ string, opts ...grpc.CallOption) error {
			_, err := e.client.CreateCustomer(ctx, e.newCustomerBody(), opts...)
			return err
		},
	},
	{
		name: "GetCustomer", scope: coffeeshop.ScopeCustomersRead,
		http: func(_ *authEnv, id string) (string, string, string) { return "GET", "/v1/customers/" + id, "" },
		grpc: func(ctx context.Context, e *authEnv, id string, opts ...grpc.CallOption) error {
			_, err := e.client.GetCustomer(ctx, &customerv1.GetCustomerRequest{CustomerId: id}, opts...)
			return err
		},
	},
	{
		// Not per customer for tokens: a list of IDs is never one customer.
		name: "BatchGetCustomers", scope: coffeeshop.ScopeCustomersRead,
		http: func(_ *authEnv, id string) (string, string, string) {
			return "GET", "/v1/customers:batchGet?customer_ids=" + id, ""
		},
		grpc: func(ctx context.Context, e *authEnv, id string, opts ...grpc.CallOption) error {
			_, err := e.client.BatchGetCustomers(ctx, &customerv1.BatchGetCustomersRequest{CustomerIds: []string{id}}, opts...)
			return err
		},
	},
	{
		name: "GetVerification", scope: coffeeshop.ScopeVerificationsRead, tokenOK: true,
		http: func(_ *authEnv, id string) (string, string, string) {
			return "GET", "/v1/customers/" + id + "/verification", ""
		},
		grpc: func(ctx context.Context, e *authEnv, id string, opts ...grpc.CallOption) error {
			_, err := e.client.GetVerification(ctx, &customerv1.GetVerificationRequest{CustomerId: id}, opts...)
			return err
		},
	},
	{
		name: "VerifyCustomer", scope: coffeeshop.ScopeVerificationsWrite, tokenOK: true,
		http: func(_ *authEnv, id string) (string, string, string) {
			return "POST", "/v1/customers/" + id + ":verify", `{"verification_code":"0000"}`
		},
		grpc: func(ctx context.Context, e *authEnv, id string, opts ...grpc.CallOption) error {
			_, err := e.client.VerifyCustomer(ctx, &customerv1.VerifyCustomerRequest{CustomerId: id, VerificationCode: "0000"}, opts...)
			return err
		},
	},
	{
		name: "ResendCode", scope: coffeeshop.ScopeVerificationsWrite, tokenOK: true,
		http: func(_ *authEnv, id string) (string, string, string) {
			return "POST", "/v1/customers/" + id + ":resendCode", ""
		},
		grpc: func(ctx context.Context, e *authEnv, id string, opts ...grpc.CallOption) error {
			_, err := e.client.ResendCode(ctx, &customerv1.ResendCodeRequest{CustomerId: id}, opts...)
			return err
		},
	},
}

// authCred is one column of the matrix: the Authorization value for a
// request about customer id ("" sends none), and the status an RPC gets.
type authCred struct {
	name  string
	value func(e *authEnv, rpc authRPC, id string) string
	want  func(rpc authRPC) int
}

func always(status int) func(authRPC) int { return func(authRPC) int { return status } }

var authCreds = []authCred{
	{"no credential", func(*authEnv, authRPC, string) string { return "" }, always(401)},
	{"malformed", func(e *authEnv, _ authRPC, _ string) string { return "Basic " + e.full }, always(401)},
	{"unknown key", func(e *authEnv, _ authRPC, _ string) string { return "Bearer " + e.unknown }, always(401)},
	{"revoked key", func(e *authEnv, _ authRPC, _ string) string { return "Bearer " + e.revoked }, always(401)},
	{"key without the scope", func(e *authEnv, rpc authRPC, _ string) string { return "Bearer " + e.without[rpc.scope] }, always(403)},
	{"key with the scope", func(e *authEnv, rpc authRPC, _ string) string {
		// A key lacking another scope: it has this one, and not all.
		for _, s := range coffeeshop.AllScopes() {
			if s != rpc.scope {
				return "Bearer " + e.without[s]
			}
		}
		return "Bearer " + e.full
	}, always(200)},
	{"this customer's token", func(e *authEnv, _ authRPC, id string) string { return "Bearer " + e.token(id) },
		func(rpc authRPC) int {
			if rpc.tokenOK {
				return 200
			}
			return 403
		}},
	{"another customer's token", func(e *authEnv, _ authRPC, _ string) string { return "Bearer " + e.token(e.b) }, always(403)},
}

// grpcStatus is the gRPC code of an HTTP status in the matrix.
var grpcStatus = map[int]codes.Code{200: codes.OK, 401: codes.Unauthenticated, 403: codes.PermissionDenied}

// TestAuthMatrix runs the authorization matrix against the in-memory key
// store; the SQLite and PostgreSQL stores run it in authstores_test.go.
func TestAuthMatrix(t *testing.T) {
	runAuthMatrix(t, newFakeKeys())
}

// runAuthMatrix calls every RPC with every kind of credential, over HTTP
// and gRPC, and checks the status of each, that a refused answer holds no
// personal data and a WWW-Authenticate challenge, and that it is the same
// whether or not the customer the request names exists.
func runAuthMatrix(t *testing.T, keys coffeeshop.APIKeyStore) {
	e := newAuthEnv(t, keys)
	for _, rpc := range authRPCs {
		for _, cred := range authCreds {
			want := cred.want(rpc)
			t.Run(rpc.name+"/"+cred.name, func(t *testing.T) {
				// Over HTTP, about existing customer A and about a missing
				// one: a refusal must not tell them apart.
				var refusals []response
				for _, id := range []string{e.a, e.missing} {
					method, path, body := rpc.http(e, id)
					var hdr []string
					if v := cred.value(e, rpc, id); v != "" {
						hdr = []string{"Authorization", v}
					}
					r := e.h.do(t, method, path, body, hdr...)
					if id == e.missing && want == 200 {
						break // found or not is the handler's business
					}
					if r.status != want {
						t.Fatalf("HTTP %s %s: %d %s, want %d", method, path, r.status, r.body, want)
					}
					if want != 200 {
						checkRefusal(t, r.status, r.header.Get("WWW-Authenticate"), r.body, r.header, rpc.scope, cred.name != "no credential")
						refusals = append(refusals, r)
					}
				}
				if len(refusals) == 2 && (refusals[0].body != refusals[1].body ||
					refusals[0].header.Get("WWW-Authenticate") != refusals[1].header.Get("WWW-Authenticate")) {
					t.Errorf("refusals differ by the customer's existence:\n%d %s\n%d %s",
						refusals[0].status, refusals[0].body, refusals[1].status, refusals[1].body)
				}

				// Over gRPC, the same.
				var msgs []string
				for _, id := range []string{e.a, e.missing} {
					ctx := context.Background()
					if v := cred.value(e, rpc, id); v != "" {
						ctx = metadata.AppendToOutgoingContext(ctx, "authorization", v)
					}
					var header, trailer metadata.MD
					err := rpc.grpc(ctx, e, id, grpc.Header(&header), grpc.Trailer(&trailer))
					if id == e.missing && want == 200 {
						break
					}
					st := status.Convert(err)
					if st.Code() != grpcStatus[want] {
						t.Fatalf("gRPC %s about %s: %v %q, want %v", rpc.name, id, st.Code(), st.Message(), grpcStatus[want])
					}
					if want != 200 {
						hdr := http.Header{}
						for k, vs := range header {
							hdr[k] = vs
						}
						for k, vs := range trailer {
							hdr[k] = vs
						}
						var challenge string
						if v := header.Get(wwwAuthenticateMetadata); len(v) == 1 {
							challenge = v[0]
						}
						checkRefusal(t, want, challenge, st.Message()+fmt.Sprint(st.Details()), hdr, rpc.scope, cred.name != "no credential")
						msgs = append(msgs, st.Message()+"|"+challenge)
					}
				}
				if len(msgs) == 2 && msgs[0] != msgs[1] {
					t.Errorf("gRPC refusals differ by the customer's existence: %q, %q", msgs[0], msgs[1])
				}
			})
		}
	}
	// The log names callers and never a credential.
	logs := e.h.logs.String()
	// The secret part of each: a key's after its ID, a token's MAC.
	var secrets []string
	for _, key := range []string{e.full, e.revoked, e.unknown} {
		_, secret, ok := coffeeshop.ParseAPIKey(key)
		if !ok {
			t.Fatalf("test key %q does not parse", key)
		}
		secrets = append(secrets, key, secret)
	}
	for _, token := range []string{e.token(e.a), e.token(e.b)} {
		_, mac, ok := strings.Cut(token, ".")
		if !ok {
			t.Fatalf("test token %q has no MAC", token)
		}
		secrets = append(secrets, token, mac)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("a credential is in the log")
		}
	}
	id, _, _ := coffeeshop.ParseAPIKey(e.without[coffeeshop.ScopeCustomersRead])
	for _, want := range []string{`caller="key ` + id + `"`, "caller=token", "caller=none"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %s", want)
		}
	}
	// A forbidden call names its caller: the audit log shows who tried.
	for _, want := range []string{`caller="key ` + id + `" code=PermissionDenied`, "caller=token code=PermissionDenied"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %s", want)
		}
	}
}

// checkRefusal fails t unless a refused answer has the challenge its
// status calls for and holds no personal data of customer A.
func checkRefusal(t *testing.T, status int, challenge, body string, header http.Header, scope coffeeshop.Scope, credGiven bool) {
	t.Helper()
	var want string
	switch {
	case status == 401 && credGiven:
		want = `Bearer realm="coffeeshop", error="invalid_token"`
	case status == 401:
		want = `Bearer realm="coffeeshop"`
	case status == 403:
		want = `Bearer realm="coffeeshop", error="insufficient_scope", scope="` + string(scope) + `"`
	}
	if challenge != want {
		t.Errorf("%d: WWW-Authenticate %q, want %q", status, challenge, want)
	}
	all := body
	for k, vs := range header {
		all += "\n" + k + ": " + strings.Join(vs, ", ")
	}
	for _, pii := range []string{piiFirst, piiLast, piiEmail, piiPhone, strings.TrimPrefix(piiPhone, "+")} {
		if strings.Contains(all, pii) {
			t.Errorf("%d answer holds personal data %q:\n%s", status, pii, all)
		}
	}
}

// TestAuthCredentialSyntax: the Authorization value is "Bearer" in any
// letter case, one space and the credential, given once; the gateway
// passes only the real header on.
func TestAuthCredentialSyntax(t *testing.T) {
	e := newAuthEnv(t, newFakeKeys())
	path := "/v1/customers/" + e.a
	for _, c := range []struct {
		name   string
		header []string
		want   int
	}{
		{"bearer", []string{"Authorization", "Bearer " + e.full}, 200},
		{"lower case", []string{"Authorization", "bearer " + e.full}, 200},
		{"upper case", []string{"Authorization", "BEARER " + e.full}, 200},
		{"two spaces", []string{"Authorization", "Bearer  " + e.full}, 401},
		{"tab", []string{"Authorization", "Bearer\t" + e.full}, 401},
		{"trailing space trimmed by HTTP", []string{"Authorization", "Bearer " + e.full + " "}, 200},
		{"scheme only", []string{"Authorization", "Bearer"}, 401},
		{"scheme and space", []string{"Authorization", "Bearer "}, 401},
		{"no scheme", []string{"Authorization", e.full}, 401},
		{"basic", []string{"Authorization", "Basic " + e.full}, 401},
		{"unknown prefix", []string{"Authorization", "Bearer xyz_" + e.full}, 401},
		{"key cut", []string{"Authorization", "Bearer " + e.full[:len(e.full)-1]}, 401},
		{"key upper case", []string{"Authorization", "Bearer " + strings.ToUpper(e.full)}, 401},
		{"wrong secret", []string{"Authorization", "Bearer " + e.full[:len(e.full)-1] + flipBase32(e.full[len(e.full)-1])}, 401},
		{"two headers", []string{"Authorization", "Bearer " + e.full, "Authorization", "Bearer " + e.full}, 401},
		{"as gateway metadata", []string{"Grpc-Metadata-Authorization", "Bearer " + e.full}, 401},
		{"as gateway metadata too", []string{"Authorization", "Bearer " + e.full, "Grpc-Metadata-Authorization", "Bearer " + e.full}, 200},
		{"token garbage", []string{"Authorization", "Bearer cvt_garbage"}, 401},
		{"huge", []string{"Authorization", "Bearer cvt_" + strings.Repeat("A", 6000)}, 401},
	} {
		r := e.h.do(t, "GET", path, "", c.header...)
		if r.status != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, r.status, r.body, c.want)
		}
		if r.status == 401 && r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", c.name)
		}
	}
	// gRPC: two values are refused too.
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+e.full, "authorization", "Bearer "+e.full)
	_, err := e.client.GetCustomer(ctx, &customerv1.GetCustomerRequest{CustomerId: e.a})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("two authorization values: %v", err)
	}
}

func flipBase32(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

// TestAuthTokenUpperCaseCustomerID: a token matches the customer ID as the
// handlers read it, in any letter case.
func TestAuthTokenUpperCaseCustomerID(t *testing.T) {
	e := newAuthEnv(t, newFakeKeys())
	r := e.h.do(t, "GET", "/v1/customers/"+strings.ToUpper(e.a)+"/verification", "", "Authorization", "Bearer "+e.token(e.a))
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	// A malformed customer ID matches no token.
	r = e.h.do(t, "GET", "/v1/customers/not-a-uuid/verification", "", "Authorization", "Bearer "+e.token(e.a))
	if r.status != 403 {
		t.Errorf("malformed ID with a token: %d %s", r.status, r.body)
	}
}

// TestAuthTokenExpires: a token is refused from its expiry on, by the
// Authenticator's clock.
func TestAuthTokenExpires(t *testing.T) {
	e := newAuthEnv(t, newFakeKeys())
	tok := e.tokens.Issue(e.a, e.clock.Now().Add(time.Minute))
	path := "/v1/customers/" + e.a + "/verification"
	if r := e.h.do(t, "GET", path, "", "Authorization", "Bearer "+tok); r.status != 200 {
		t.Fatalf("fresh token: %d %s", r.status, r.body)
	}
	e.clock.Add(time.Minute)
	r := e.h.do(t, "GET", path, "", "Authorization", "Bearer "+tok)
	if r.status != 401 || r.header.Get("WWW-Authenticate") != `Bearer realm="coffeeshop", error="invalid_token"` {
		t.Errorf("expired token: %d %s %v", r.status, r.body, r.header)
	}
}

// TestAuthRevokedWithinTTL: a key revoked in the store (by another
// process, say) is refused once KeyCacheTTL has passed, which is within
// the promised 5 seconds; until then the cache answers.
func TestAuthRevokedWithinTTL(t *testing.T) {
	if KeyCacheTTL >= 5*time.Second {
		t.Fatalf("KeyCacheTTL %s: a revoke must be honoured within 5 s", KeyCacheTTL)
	}
	keys := newFakeKeys()
	e := newAuthEnv(t, keys)
	key := e.newKey(t)
	id, _, _ := coffeeshop.ParseAPIKey(key)
	path := "/v1/customers/" + e.a
	get := func() int { return e.h.do(t, "GET", path, "", "Authorization", "Bearer "+key).status }
	if s := get(); s != 200 {
		t.Fatalf("valid key: %d", s)
	}
	reads := keys.reads.Load()
	if err := keys.RevokeAPIKey(context.Background(), id, time.Now()); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(KeyCacheTTL - time.Millisecond)
	if s := get(); s != 200 {
		t.Errorf("within the cache's TTL: %d, want the cached answer", s)
	}
	if got := keys.reads.Load(); got != reads {
		t.Errorf("%d store reads within the TTL, want none", got-reads)
	}
	e.clock.Add(time.Millisecond)
	if s := get(); s != 401 {
		t.Errorf("after the TTL: %d, want 401", s)
	}
}

// TestAuthUnknownIDsCachedAndBounded: a repeated unknown key costs one
// store read per TTL, and the cache stays bounded.
func TestAuthUnknownIDsCachedAndBounded(t *testing.T) {
	keys := newFakeKeys()
	e := newAuthEnv(t, keys)
	reads := keys.reads.Load()
	for range 3 {
		if r := e.h.do(t, "GET", "/v1/customers/"+e.a, "", "Authorization", "Bearer "+e.unknown); r.status != 401 {
			t.Fatalf("unknown key: %d", r.status)
		}
	}
	if got := keys.reads.Load() - reads; got != 1 {
		t.Errorf("%d store reads for one unknown key, want 1", got)
	}

	ctx := context.Background()
	for i := range maxCachedKeys + 100 {
		if _, err := e.auth.lookup(ctx, fmt.Sprintf("%016x", i)); err != nil {
			t.Fatal(err)
		}
	}
	e.auth.mu.Lock()
	n := len(e.auth.cache)
	e.auth.mu.Unlock()
	if n > maxCachedKeys {
		t.Errorf("cache holds %d entries, bound %d", n, maxCachedKeys)
	}
}

// TestAuthLookupsShareARead: lookups of one ID while its read is in
// flight wait for that read instead of making their own.
func TestAuthLookupsShareARead(t *testing.T) {
	keys := newFakeKeys()
	keys.block, keys.entered = make(chan struct{}), make(chan struct{}, 100)
	a, err := NewAuthenticator(AuthConfig{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const n = 20
	errs := make(chan error, n)
	lookup := func() {
		k, err := a.lookup(ctx, "0123456789abcdef")
		if err == nil && k != nil {
			err = fmt.Errorf("found %+v", k)
		}
		errs <- err
	}
	go lookup()
	<-keys.entered // the first read is in flight
	for range n - 1 {
		go lookup()
	}
	close(keys.block)
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if r := keys.reads.Load(); r != 1 {
		t.Errorf("%d store reads for %d concurrent lookups, want 1", r, n)
	}
}

// TestAuthTouchThrottled: a key's last use is written at most once a
// minute, off the request path.
func TestAuthTouchThrottled(t *testing.T) {
	keys := newFakeKeys()
	e := newAuthEnv(t, keys)
	key := e.newKey(t)
	id, _, _ := coffeeshop.ParseAPIKey(key)
	call := func() {
		t.Helper()
		if r := e.h.do(t, "GET", "/v1/customers/"+e.a, "", "Authorization", "Bearer "+key); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		e.auth.Wait()
	}
	call()
	call()
	if n := keys.touchCount(); n != 1 {
		t.Fatalf("%d touches after two calls, want 1", n)
	}
	e.clock.Add(touchEvery - time.Second)
	call()
	if n := keys.touchCount(); n != 1 {
		t.Errorf("%d touches within a minute, want 1", n)
	}
	e.clock.Add(time.Second)
	call()
	if n := keys.touchCount(); n != 2 {
		t.Errorf("%d touches a minute later, want 2", n)
	}
	k, err := keys.GetAPIKey(context.Background(), id)
	if err != nil || !k.LastUsedAt.Equal(e.clock.Now()) {
		t.Errorf("last used %v, want %v (%v)", k.LastUsedAt, e.clock.Now(), err)
	}
}

// TestAuthStoreDown: a key store that fails is 503, not 401 (the key may
// be good), logged once per lookup; a failing touch is logged once.
func TestAuthStoreDown(t *testing.T) {
	keys := newFakeKeys()
	e := newAuthEnv(t, keys)
	key := e.newKey(t)
	keys.fail.Store(true)
	r := e.h.do(t, "GET", "/v1/customers/"+e.a, "", "Authorization", "Bearer "+key)
	if r.status != 503 || strings.Contains(r.body, piiFirst) {
		t.Errorf("store down: %d %s", r.status, r.body)
	}
	if !strings.Contains(e.h.logs.String(), "cannot read API key") {
		t.Errorf("store failure not logged:\n%s", e.h.logs)
	}
}

// TestAuthTouchFailureLoggedOnce: a failing last-use write is logged at
// warn, once until one works again.
func TestAuthTouchFailureLoggedOnce(t *testing.T) {
	keys := newFakeKeys()
	var logs syncBuffer
	clock := newFakeClock()
	a, err := NewAuthenticator(AuthConfig{Keys: keys, Now: clock.Now, Logger: slogTo(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	keys.fail.Store(true)
	for i := range 3 {
		a.touch(fmt.Sprint("key", i))
		a.Wait()
	}
	if n := strings.Count(logs.String(), "cannot record an API key's last use"); n != 1 {
		t.Errorf("logged %d times, want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("not at warn: %s", logs.String())
	}
}

// TestAuthBeforeOtherInterceptors: a call without a valid credential never
// reaches the interceptors given to NewGRPCServer (the rate limiter), so
// it cannot spend a phone number's limits.
func TestAuthBeforeOtherInterceptors(t *testing.T) {
	keys := newFakeKeys()
	auth, err := NewAuthenticator(AuthConfig{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	var reached atomic.Int64
	count := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		reached.Add(1)
		if c, ok := coffeeshop.CallerFrom(ctx); !ok || c.Kind != coffeeshop.CallerKey {
			t.Errorf("caller in context: %+v %v", c, ok)
		}
		return handler(ctx, req)
	}
	store := openStore(t)
	addr := serveGRPC(t, NewGRPCServer(&Server{Store: store, Verifier: &fakeVerifier{store: store}, Auth: auth,
		Logger: slogTo(&syncBuffer{})}, grpc.ChainUnaryInterceptor(count)))
	client := grpcClient(t, addr)
	req := &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{FirstName: "A", LastName: "B",
		Email: "a@example.com", PhoneNumber: "+447911123999"}}
	if _, err := client.CreateCustomer(context.Background(), req); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("no credential: %v", err)
	}
	if reached.Load() != 0 {
		t.Fatal("an unauthenticated call reached the next interceptor")
	}
	key, k, _ := coffeeshop.NewAPIKey("k", nil)
	if err := keys.InsertAPIKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+key)
	if _, err := client.CreateCustomer(ctx, req); err != nil {
		t.Fatal(err)
	}
	if reached.Load() != 1 {
		t.Errorf("an authenticated call reached the next interceptor %d times", reached.Load())
	}
}

// TestAuthEveryMethodHasAScope: every CustomerService RPC is in the scope
// table, so none is refused to every key by omission.
func TestAuthEveryMethodHasAScope(t *testing.T) {
	for _, m := range customerv1.CustomerService_ServiceDesc.Methods {
		full := "/" + customerv1.CustomerService_ServiceDesc.ServiceName + "/" + m.MethodName
		if _, ok := methodScopes[full]; !ok {
			t.Errorf("%s has no scope", full)
		}
	}
	if len(methodScopes) != len(customerv1.CustomerService_ServiceDesc.Methods) {
		t.Errorf("the scope table has %d methods, the service %d", len(methodScopes), len(customerv1.CustomerService_ServiceDesc.Methods))
	}
	// A method missing from the table is refused to a full key.
	a, _ := NewAuthenticator(AuthConfig{Keys: newFakeKeys()})
	key, k, _ := coffeeshop.NewAPIKey("k", nil)
	_ = a.cfg.Keys.InsertAPIKey(context.Background(), k)
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+key))
	if _, r := a.authorize(ctx, "/customer.v1.CustomerService/DeleteEverything", nil); r == nil || coffeeshop.ErrorCode(r.err) != coffeeshop.EFORBIDDEN {
		t.Errorf("unknown method: %+v", r)
	}
	// Reflection stays open.
	if _, r := a.authorize(context.Background(), "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", nil); r != nil {
		t.Errorf("reflection: %v", r.err)
	}
}

// TestCreateAnswersToken: create answers the customer's token, valid until
// its creation plus TokenTTL, which then runs the code steps over HTTP.
func TestCreateAnswersToken(t *testing.T) {
	e := newAuthEnv(t, newFakeKeys())
	e.clock.Set(time.Now()) // the store stamps CreatedAt with the real time
	r := e.h.do(t, "POST", "/v1/customers", `{"customer":{"first_name":"T","last_name":"K","email":"t@example.com","phone_number":"+447911123777"}}`,
		"Authorization", "Bearer "+e.full)
	var resp customerv1.CreateCustomerResponse
	if err := protojson.Unmarshal([]byte(r.body), &resp); err != nil || r.status != 200 {
		t.Fatalf("%d %s %v", r.status, r.body, err)
	}
	id, tok := resp.GetCustomer().GetId(), resp.GetVerificationToken()
	c, err := e.h.store.GetCustomer(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if tok != e.tokens.Issue(id, c.CreatedAt.Add(time.Hour)) {
		t.Errorf("token %q is not the customer's, expiring at creation + TokenTTL", tok)
	}
	auth := []string{"Authorization", "Bearer " + tok}
	if r := e.h.do(t, "POST", "/v1/customers/"+id+":verify", `{"verification_code":"1234"}`, auth...); r.status != 200 ||
		!strings.Contains(r.body, "VERIFICATION_RESULT_SUCCESS") {
		t.Errorf("verify with the token: %d %s", r.status, r.body)
	}
	if r := e.h.do(t, "GET", "/v1/customers/"+id, "", auth...); r.status != 403 || strings.Contains(r.body, "t@example.com") {
		t.Errorf("read the customer with its token: %d %s", r.status, r.body)
	}
	// A server without an issuer answers an empty token.
	h := newHarness(t)
	r = h.do(t, "POST", "/v1/customers", `{"customer":{"first_name":"T","last_name":"K","email":"t@example.com","phone_number":"+447911123777"}}`)
	if !strings.HasSuffix(r.body, `"verificationToken":""}`) {
		t.Errorf("no issuer: %s", r.body)
	}
}

// TestOpenServerLogsOpenCaller: without Auth every call is allowed, as
// caller "open".
func TestOpenServerLogsOpenCaller(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer(t, uuid.NewString(), "Ann", false)
	h.do(t, "GET", "/v1/customers/"+id, "").want(t, 200, `{"customer":`+customerJSON(id, "Ann", false)+`}`)
	if !strings.Contains(h.logs.String(), "caller=open") {
		t.Errorf("no caller=open in\n%s", h.logs)
	}
}

func TestNewAuthenticatorNeedsKeys(t *testing.T) {
	if _, err := NewAuthenticator(AuthConfig{}); err == nil {
		t.Error("no key store and not open: no error")
	}
	if _, err := NewAuthenticator(AuthConfig{Open: true}); err != nil {
		t.Error(err)
	}
}
