package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
	"github.com/coffeeshop/coffeeshop/signup"
)

// pageEnv is the API as cmd/coffeeshop serves it with the signup page:
// authentication on, a Limiter and a Guard that share the gateway's
// ClientIPs (which trusts no proxy), GB numbers only, and the page's
// backend given to Listen.
type pageEnv struct {
	*harness
	auth    *Authenticator
	page    *PageBackend
	clock   *fakeClock
	guard   *fakeGuardStore
	tokens  *coffeeshop.TokenIssuer
	keysKey string // an API key with every scope
}

func newPageEnv(t *testing.T, limits Limits, policy coffeeshop.GuardPolicy) *pageEnv {
	t.Helper()
	h := newHarness(t) // the store and verifier; its own servers go unused
	h.verifier.resend = func(c *coffeeshop.Customer) (*coffeeshop.Verification, error) { return testVerification(c.ID), nil }
	h.verifier.get = func(id string) (*coffeeshop.Verification, error) { return testVerification(id), nil }
	e := &pageEnv{harness: h, clock: newFakeClock(), guard: newFakeGuardStore(),
		tokens: coffeeshop.NewTokenIssuer([]byte("test code secret"))}
	keys := newFakeKeys()
	auth, err := NewAuthenticator(AuthConfig{Keys: keys, Tokens: e.tokens, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(auth.Wait)
	e.auth = auth
	key, k, err := coffeeshop.NewAPIKey("test", nil)
	if err != nil || keys.InsertAPIKey(context.Background(), k) != nil {
		t.Fatal("cannot make a key", err)
	}
	e.keysKey = key

	if policy == (coffeeshop.GuardPolicy{}) {
		policy = DefaultGuardPolicy()
	}
	h.logs = &syncBuffer{}
	log := slog.New(slog.NewTextHandler(h.logs, nil))
	ips := NewClientIPs(nil)
	srv := &Server{Store: h.store, Verifier: h.verifier, Logger: log, Auth: auth, Tokens: e.tokens, TokenTTL: time.Hour,
		Numbers: NumberRules{Countries: CountriesOf("GB")},
		Guard:   NewGuard(GuardConfig{Store: e.guard, Policy: policy, Logger: log, Now: e.clock.Now})}
	limiter := srv.NewLimiter(LimiterConfig{Limits: limits, ClientIPs: ips, Now: e.clock.Now, Logger: log})
	e.page = NewPageBackend(PageConfig{Auth: auth, ClientIPs: ips})
	l, err := Listen(t.Context(), ListenConfig{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Server: srv,
		ClientIPs: ips, Interceptors: []grpc.UnaryServerInterceptor{limiter.UnaryInterceptor()}, Page: e.page})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Shutdown(time.Minute) })
	h.grpcAddr, h.url = l.GRPCAddr(), "http://"+l.HTTPAddr()
	return e
}

// personAt is a request to the page from a person at ip.
func personAt(ip string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/signup", nil)
	r.RemoteAddr = ip + ":40000"
	return r
}

// signUp signs up phone through the page as the person at ip.
func (e *pageEnv) signUp(t *testing.T, ip, phone string) (id, token string, err error) {
	t.Helper()
	return e.page.SignUp(t.Context(), personAt(ip), signup.NewCustomer{FirstName: "Ada", LastName: "Lovelace",
		Email: "c" + strings.TrimPrefix(phone, "+") + "@example.com", PhoneNumber: phone})
}

// The page signs up with its credential, then verifies with the person's
// token; its calls are logged as caller "page"; the same credential is
// refused every other RPC, over HTTP and gRPC.
func TestPageBackendFlow(t *testing.T) {
	e := newPageEnv(t, nil, coffeeshop.GuardPolicy{})
	person := personAt("203.0.113.9")
	id, token, err := e.signUp(t, "203.0.113.9", gbMobile)
	if err != nil || id == "" || !strings.HasPrefix(token, coffeeshop.TokenPrefix) {
		t.Fatalf("SignUp = %q, %q, %v", id, token, err)
	}
	if c, err := e.store.GetCustomer(t.Context(), id); err != nil || c.PhoneNumber != gbMobile {
		t.Fatalf("stored customer %+v, %v", c, err)
	}
	if !strings.Contains(e.logs.String(), "caller=page") {
		t.Errorf("create not logged with caller page:\n%s", e.logs.String())
	}

	v, err := e.page.Status(t.Context(), person, token, id)
	if err != nil || *v != *testVerification(id) {
		t.Errorf("Status = %+v, %v; want %+v", v, err, testVerification(id))
	}
	if v, err := e.page.Resend(t.Context(), person, token, id); err != nil || v.AttemptsLeft != 3 || v.Status != coffeeshop.VerificationStatusInProgress {
		t.Errorf("Resend = %+v, %v", v, err)
	}
	if res, err := e.page.Verify(t.Context(), person, token, id, "0000"); err != nil || res != coffeeshop.VerificationIncorrectCode {
		t.Errorf("wrong code: %v, %v", res, err)
	}
	if res, err := e.page.Verify(t.Context(), person, token, id, "1234"); err != nil || res != coffeeshop.VerificationSuccess {
		t.Errorf("right code: %v, %v", res, err)
	}

	// The code steps without a token, or with another customer's, are
	// refused.
	if _, err := e.page.Verify(t.Context(), person, "", id, "1234"); coffeeshop.ErrorCode(err) != coffeeshop.EUNAUTHENTICATED {
		t.Errorf("verify without token: %v", err)
	}
	other, _, err := e.signUp(t, "203.0.113.9", "+447400123457")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.page.Status(t.Context(), person, token, other); coffeeshop.ErrorCode(err) != coffeeshop.EFORBIDDEN {
		t.Errorf("status of another customer: %v", err)
	}

	// The page's credential allows nothing but a create.
	cred := e.auth.pageCredential()
	if !strings.HasPrefix(cred, "csp_") || len(cred) != len("csp_")+43 {
		t.Fatalf("page credential has the wrong form (length %d)", len(cred))
	}
	r := e.do(t, "GET", "/v1/customers/"+id, "", "Authorization", "Bearer "+cred)
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "the signup page may only create customers") {
		t.Errorf("GET with the page credential: %d %s", r.status, r.body)
	}
	ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+cred)
	client := grpcClient(t, e.grpcAddr)
	if _, err := client.GetCustomer(ctx, &customerv1.GetCustomerRequest{CustomerId: id}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("gRPC GetCustomer with the page credential: %v", err)
	}
	if _, err := client.VerifyCustomer(ctx, &customerv1.VerifyCustomerRequest{CustomerId: id, VerificationCode: "1234"}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("gRPC VerifyCustomer with the page credential: %v", err)
	}
	// A credential of the page's form that is not this process's is 401.
	r = e.do(t, "POST", "/v1/customers", `{"customer":{"first_name":"A","last_name":"B","email":"x@example.com","phone_number":"+447400123458"}}`,
		"Authorization", "Bearer csp_"+strings.Repeat("A", 43))
	if r.status != http.StatusUnauthorized {
		t.Errorf("create with a forged page credential: %d %s", r.status, r.body)
	}
	if strings.Contains(e.logs.String(), cred) {
		t.Error("the page credential was logged")
	}
}

// Refusals come back as the coded errors the API answers: a bad field
// names the field, the guard's refusals carry reason and retry delay.
func TestPageBackendErrors(t *testing.T) {
	policy := DefaultGuardPolicy()
	policy.MinSends = 3
	e := newPageEnv(t, nil, policy)
	ctx := t.Context()
	person := personAt("203.0.113.9")

	_, _, err := e.signUp(t, "203.0.113.9", "0740")
	if coffeeshop.ErrorCode(err) != coffeeshop.EINVALID || signup.FieldOf(err) != coffeeshop.FieldPhoneNumber ||
		!strings.Contains(coffeeshop.ErrorMessage(err), "such as +") {
		t.Errorf("invalid phone: %v (field %q)", err, signup.FieldOf(err))
	}
	_, _, err = e.page.SignUp(ctx, person, signup.NewCustomer{FirstName: " ", LastName: "B", Email: "a@example.com", PhoneNumber: gbMobile})
	if signup.FieldOf(err) != coffeeshop.FieldFirstName {
		t.Errorf("no first name: %v (field %q)", err, signup.FieldOf(err))
	}
	_, _, err = e.page.SignUp(ctx, person, signup.NewCustomer{FirstName: "A", LastName: "B", Email: "nope", PhoneNumber: gbMobile})
	if signup.FieldOf(err) != coffeeshop.FieldEmail {
		t.Errorf("bad email: %v (field %q)", err, signup.FieldOf(err))
	}
	_, _, err = e.signUp(t, "203.0.113.9", "+12015550123")
	if coffeeshop.ErrorCode(err) != coffeeshop.EFORBIDDEN || coffeeshop.ErrorReason(err) != coffeeshop.ReasonCountryNotAllowed || signup.FieldOf(err) != "" {
		t.Errorf("US number: %v, reason %q", err, coffeeshop.ErrorReason(err))
	}

	id, token, err := e.signUp(t, "203.0.113.1", "+447400123001")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.page.Verify(ctx, person, token, id, " "); signup.FieldOf(err) != coffeeshop.FieldVerificationCode {
		t.Errorf("empty code: %v (field %q)", err, signup.FieldOf(err))
	}
	if _, _, err := e.signUp(t, "203.0.113.2", "+447400123002"); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.signUp(t, "203.0.113.3", "+447400123003") // the third unverified send blocks the prefix
	if coffeeshop.ErrorCode(err) != coffeeshop.ETOOMANY || coffeeshop.ErrorReason(err) != coffeeshop.ReasonPrefixBlocked ||
		coffeeshop.ErrorRetryAfter(err) != 15*time.Minute || !strings.Contains(coffeeshop.ErrorMessage(err), "range are paused") {
		t.Errorf("blocked prefix: %v, reason %q, retry after %v", err, coffeeshop.ErrorReason(err), coffeeshop.ErrorRetryAfter(err))
	}
}

// The limits count the person's address, not the loopback address the
// page's calls come from.
func TestPageBackendLimitsCountThePerson(t *testing.T) {
	e := newPageEnv(t, Limits{CreateMethod: {PerIP: Rate{2, time.Hour}}}, coffeeshop.GuardPolicy{})
	for _, phone := range []string{"+447400100001", "+447400200001"} {
		if _, _, err := e.signUp(t, "203.0.113.1", phone); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := e.signUp(t, "203.0.113.1", "+447400300001")
	if coffeeshop.ErrorCode(err) != coffeeshop.ETOOMANY || coffeeshop.ErrorReason(err) != "RATE_LIMITED" ||
		coffeeshop.ErrorRetryAfter(err) != 30*time.Minute {
		t.Errorf("third create from one person: %v, reason %q, retry after %v", err, coffeeshop.ErrorReason(err), coffeeshop.ErrorRetryAfter(err))
	}
	if _, _, err := e.signUp(t, "203.0.113.2", "+447400400001"); err != nil {
		t.Errorf("another person is limited too: %v", err)
	}
	if _, _, err := e.signUp(t, "2001:db8::1", "+447400500001"); err != nil {
		t.Errorf("an IPv6 person: %v", err)
	}
}

// A backend that is not listening yet, or closed, answers EUNAVAILABLE.
func TestPageBackendUnavailable(t *testing.T) {
	p := NewPageBackend(PageConfig{})
	if _, _, err := p.SignUp(t.Context(), personAt("203.0.113.1"), signup.NewCustomer{}); coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE {
		t.Errorf("before Listen: %v", err)
	}
	e := newPageEnv(t, nil, coffeeshop.GuardPolicy{})
	if err := e.page.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.page.Status(t.Context(), personAt("203.0.113.1"), "", "x"); coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE {
		t.Errorf("after Close: %v", err)
	}
}

// errorFromStatus reads back what errorStatus writes, for every code a
// client may see.
func TestErrorFromStatus(t *testing.T) {
	for code := range grpcCodes {
		in := &coffeeshop.Error{Code: code, Message: "m " + code, Reason: "R", RetryAfter: 3 * time.Second}
		st, _ := errorStatus(in)
		out := errorFromStatus(st.Err())
		var got *coffeeshop.Error
		if !errors.As(out, &got) || *got != *in {
			t.Errorf("%s: got %#v, want %#v", code, out, in)
		}
	}
	st, _ := errorStatus(errors.New("secret detail"))
	if err := errorFromStatus(st.Err()); coffeeshop.ErrorCode(err) != coffeeshop.EINTERNAL || coffeeshop.ErrorMessage(err) != internalMessage {
		t.Errorf("internal: %v", err)
	}
	st, _ = errorStatus(context.Canceled)
	if err := errorFromStatus(st.Err()); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	if err := errorFromStatus(nil); err != nil {
		t.Errorf("nil: %v", err)
	}
}

// The example of a region is a valid mobile number of that region.
func TestExamplePhone(t *testing.T) {
	if got := ExamplePhone("GB"); got != gbMobile {
		t.Errorf("GB example %q, want %q", got, gbMobile)
	}
	if got, valid := parsePhone(ExamplePhone("US"), "US"); !valid || got == "" {
		t.Errorf("US example %q not valid", ExamplePhone("US"))
	}
	if got := ExamplePhone("XX"); got != "" {
		t.Errorf("unknown region: %q", got)
	}
}
