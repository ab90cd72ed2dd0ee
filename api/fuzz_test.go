package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sqlite"
)

// fuzzFailCode is the verification code, and fuzzFailEmail the email of a
// new customer, that make fuzzVerifier fail as a broken dependency would:
// the only requests that may be answered 5xx.
const (
	fuzzFailCode  = "5000"
	fuzzFailEmail = "fail@example.com"
)

// fuzzCustomers are the customers of the demo's wire captures, stored
// before fuzzing so that the captured paths name existing customers.
var fuzzCustomers = []string{
	"0ddbdea9-1d13-4224-98f7-efe3289ac9fc",
	"10cfbb5d-89cd-49af-a582-555a2d7d6a21",
	"b3da5626-de5a-4a9d-8645-48ccbf4b0816",
	"df872cc7-292c-4e67-bc86-fdfd87d2c3db",
	"2b201189-c092-4cfd-86eb-7fdd17452c80",
}

// FuzzHTTP sends arbitrary methods, paths, bodies, one extra header and an
// Authorization header to the HTTP API (the real gateway in front of the
// real gRPC server with authentication on, and a SQLite store of customers
// and keys) and checks what every client may rely on: no 5xx unless the
// verifier failed, every error is a JSON {"code","message","details"}
// object, every 401 has a WWW-Authenticate header, every success is JSON,
// and a created customer has a UUID and an E.164 phone number. The seed
// corpus (testdata/fuzz/FuzzHTTP) holds the requests of the demo's wire
// captures with fuzzKey, and requests with fuzzToken and with garbage
// credentials; a plain go test runs it.
func FuzzHTTP(f *testing.F) {
	h := newFuzzHarness(f)
	f.Fuzz(func(t *testing.T, method, path string, body []byte, header, authorization string) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, h.url+path, bytes.NewReader(body))
		if err != nil || strings.ContainsAny(req.URL.RequestURI(), " \t\r\n") {
			// No client can send it: a space in the request target breaks
			// the request line, which net/http's server answers with a
			// plain-text 400 before any handler runs.
			return
		}
		if len(body) > 0 {
			req.Header.Set("Content-Type", "application/json")
		}
		if name, value, ok := strings.Cut(header, ":"); ok {
			req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
		}
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		failures := h.verifier.failures.Load()
		res, err := h.client.Do(req)
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			t.Fatalf("%s %s: no answer within %s", method, path, h.client.Timeout)
		} else if err != nil {
			// The client refused the request (a bad header, say), or the
			// server broke the connection: it must still serve others.
			h.alive(t)
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: read body: %v", method, path, err)
		}
		failed := h.verifier.failures.Load() != failures
		checkFuzzResponse(t, req, res, b, failed)
	})
}

// checkFuzzResponse fails t when the answer to req breaks an invariant of
// the API. failed says whether the verifier was made to fail meanwhile.
func checkFuzzResponse(t *testing.T, req *http.Request, res *http.Response, body []byte, failed bool) {
	t.Helper()
	what := req.Method + " " + req.URL.RequestURI()
	if res.StatusCode == http.StatusMethodNotAllowed && res.Header.Get("Allow") == "" {
		t.Fatalf("%s: 405 without Allow", what)
	}
	if res.StatusCode >= 500 && !failed {
		t.Fatalf("%s: %d %s", what, res.StatusCode, body)
	}
	if req.Method == http.MethodHead {
		return // no body
	}
	if res.StatusCode == http.StatusUnauthorized && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer ") {
		t.Fatalf("%s: 401 with WWW-Authenticate %q", what, res.Header.Values("WWW-Authenticate"))
	}
	if res.StatusCode >= 300 {
		var e map[string]json.RawMessage
		if err := json.Unmarshal(body, &e); err != nil || len(e) != 3 {
			t.Fatalf("%s: %d with body %q, want a JSON error object", what, res.StatusCode, body)
		}
		var code int
		var msg string
		var details []json.RawMessage
		if json.Unmarshal(e["code"], &code) != nil || json.Unmarshal(e["message"], &msg) != nil ||
			json.Unmarshal(e["details"], &details) != nil || e["details"] == nil || code == 0 {
			t.Fatalf("%s: %d with body %q, want {\"code\",\"message\",\"details\"}", what, res.StatusCode, body)
		}
		return
	}
	if !json.Valid(body) {
		t.Fatalf("%s: %d with body %q, want JSON", what, res.StatusCode, body)
	}
	if req.Method == http.MethodPost && req.URL.Path == "/v1/customers" {
		var created struct {
			Customer struct {
				ID          string `json:"id"`
				PhoneNumber string `json:"phoneNumber"`
			} `json:"customer"`
		}
		if err := json.Unmarshal(body, &created); err != nil {
			t.Fatalf("%s: %d %s: %v", what, res.StatusCode, body, err)
		}
		if id, err := uuid.Parse(created.Customer.ID); err != nil || id.String() != created.Customer.ID {
			t.Fatalf("%s: created customer ID %q, want a lower-case UUID", what, created.Customer.ID)
		}
		if !e164.MatchString(created.Customer.PhoneNumber) {
			t.Fatalf("%s: created customer phone %q, want E.164", what, created.Customer.PhoneNumber)
		}
	}
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// The fuzz server's credentials, fixed so that the seed corpus can hold
// them: an API key with every scope, and a verification token of
// fuzzCustomers[0] that expires in 2099 (fuzzTokenSecret is the code secret
// of the server's TokenIssuer).
const (
	fuzzKeyID       = "0123456789abcdef"
	fuzzKeySecret   = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"
	fuzzKey         = "csk_" + fuzzKeyID + "_" + fuzzKeySecret
	fuzzTokenSecret = "fuzz code secret"
	fuzzToken       = "cvt_AQAAAADypSOAMGRkYmRlYTktMWQxMy00MjI0LTk4ZjctZWZlMzI4OWFjOWZj.MidkiEx0ROtRLAF2NNCQisgrT27SGh5IW9j0WEqMiMs"
)

// fuzzTokenExpiry is when the seed corpus's token expires.
var fuzzTokenExpiry = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)

// fuzzHarness is the API served once per fuzzing process: starting a
// server per input would leave the fuzzer few inputs a second. No rate
// limits are configured, so none can answer 429 to the fuzzer's pace.
type fuzzHarness struct {
	url      string
	client   *http.Client
	verifier *fuzzVerifier
}

func newFuzzHarness(f testing.TB) *fuzzHarness {
	f.Helper()
	store, err := sqlite.Open(filepath.Join(f.TempDir(), "coffeeshop.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	for i, id := range fuzzCustomers {
		c := &coffeeshop.Customer{ID: id, FirstName: "Test", LastName: "Customer",
			Email: "seed" + string(rune('a'+i)) + "@example.com", PhoneNumber: "+44750051400" + string(rune('0'+i))}
		if err := store.InsertCustomer(f.Context(), c); err != nil {
			f.Fatal(err)
		}
	}
	v := &fuzzVerifier{store: store}
	// The server logs every call; the fuzzer would spend its time there.
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	keys := store // the SQLite key store, as dev's
	if err := keys.InsertAPIKey(f.Context(), &coffeeshop.APIKey{ID: fuzzKeyID, Name: "fuzz", Scopes: coffeeshop.AllScopes(),
		Hash: coffeeshop.HashAPIKeySecret(fuzzKeySecret)}); err != nil {
		f.Fatal(err)
	}
	tokens := coffeeshop.NewTokenIssuer([]byte(fuzzTokenSecret))
	auth, err := NewAuthenticator(AuthConfig{Keys: keys, Tokens: tokens, Logger: quiet})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(auth.Wait)
	srv := NewGRPCServer(&Server{Store: store, Verifier: v, Logger: quiet, Auth: auth, Tokens: tokens, TokenTTL: time.Hour})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	go srv.Serve(lis)
	f.Cleanup(srv.Stop)
	ctx, cancel := context.WithCancel(context.Background())
	f.Cleanup(cancel)
	gw, err := NewGateway(ctx, lis.Addr().String(), WithGatewayLogger(quiet))
	if err != nil {
		f.Fatal(err)
	}
	hs := httptest.NewServer(gw)
	f.Cleanup(hs.Close)
	return &fuzzHarness{url: hs.URL, verifier: v,
		client: &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}}
}

// TestFuzzCredentials: the seed corpus's credentials are the fuzz server's,
// so that its requests get past authentication.
func TestFuzzCredentials(t *testing.T) {
	if tok := coffeeshop.NewTokenIssuer([]byte(fuzzTokenSecret)).Issue(fuzzCustomers[0], fuzzTokenExpiry); tok != fuzzToken {
		t.Fatalf("fuzzToken is stale; the issuer now writes %s (update it and the seed corpus)", tok)
	}
	h := newFuzzHarness(t)
	for _, c := range []struct {
		path, auth string
		want       int
	}{
		{"/v1/customers/" + fuzzCustomers[0], "Bearer " + fuzzKey, 200},
		{"/v1/customers/" + fuzzCustomers[0] + "/verification", "Bearer " + fuzzToken, 200},
		{"/v1/customers/" + fuzzCustomers[0], "Bearer " + fuzzToken, 403},
		{"/v1/customers/" + fuzzCustomers[0], "", 401},
	} {
		req, err := http.NewRequest(http.MethodGet, h.url+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		res, err := h.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("GET %s with %.20q: %d, want %d", c.path, c.auth, res.StatusCode, c.want)
		}
	}
}

// alive fails t unless the API still answers a plain request.
func (h *fuzzHarness) alive(t *testing.T) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.url+"/v1/customers/"+fuzzCustomers[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+fuzzKey)
	res, err := h.client.Do(req)
	if err != nil {
		t.Fatalf("the API stopped answering: %v", err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the API answers %d to a plain GET", res.StatusCode)
	}
}

// fuzzVerifier is a coffeeshop.Verifier over a store that fails only when
// asked to (fuzzFailCode, fuzzFailEmail), counting its failures.
type fuzzVerifier struct {
	store    coffeeshop.CustomerStore
	failures atomic.Int64
}

var errFuzzFail = errors.New("fuzzVerifier: failing as asked")

func (v *fuzzVerifier) fail() error {
	v.failures.Add(1)
	return errFuzzFail
}

func (v *fuzzVerifier) SignUp(ctx context.Context, c *coffeeshop.Customer, _ string) (*coffeeshop.Customer, error) {
	if strings.EqualFold(c.Email, fuzzFailEmail) {
		return nil, v.fail()
	}
	c.ID = uuid.NewString()
	if err := v.store.InsertCustomer(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

func (v *fuzzVerifier) Verify(ctx context.Context, id, code, _ string) (coffeeshop.VerificationResult, error) {
	if code == fuzzFailCode {
		return 0, v.fail()
	}
	if _, err := v.store.GetCustomer(ctx, id); err != nil {
		return 0, err
	}
	if code == "1234" {
		return coffeeshop.VerificationSuccess, nil
	}
	return coffeeshop.VerificationIncorrectCode, nil
}

func (v *fuzzVerifier) ResendCode(_ context.Context, c *coffeeshop.Customer) (*coffeeshop.Verification, error) {
	if c.PhoneVerified {
		return nil, coffeeshop.Errorf(coffeeshop.ECONFLICT, "customer %s is already verified", c.ID)
	}
	return v.verification(c.ID), nil
}

func (v *fuzzVerifier) GetVerification(ctx context.Context, id string) (*coffeeshop.Verification, error) {
	if _, err := v.store.GetCustomer(ctx, id); err != nil {
		return nil, err
	}
	return v.verification(id), nil
}

func (v *fuzzVerifier) verification(id string) *coffeeshop.Verification {
	return &coffeeshop.Verification{CustomerID: id, Status: coffeeshop.VerificationStatusInProgress,
		AttemptsLeft: 3, SendsLeft: 4, CodeExpiresAt: time.Now().Add(time.Minute), ExpiresAt: time.Now().Add(time.Hour)}
}
