package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAPI answers the three calls the tool makes with the JSON shapes of
// coffeeshop's HTTP gateway. With stale set it behaves like the demo: it
// checks each code correctly but answers a verify with the result of the
// customer's previous attempt. conflictEvery makes every such create answer
// 409.
type fakeAPI struct {
	code          string
	stale         bool
	conflictEvery int
	// expired answers every right code CODE_EXPIRED, as a server does
	// whose code TTL passed before the verify phase reached the customer.
	expired bool
	// apiKey, when set, must come with every request as a bearer
	// credential; a request without it is answered 401.
	apiKey string

	mu        sync.Mutex
	creates   int
	customers map[string]*fakeCustomer
	phones    map[string]bool
}

type fakeCustomer struct {
	verified bool
	last     string // result of the previous attempt
}

func newFakeAPI(code string) *fakeAPI {
	return &fakeAPI{code: code, customers: map[string]*fakeCustomer{}, phones: map[string]bool{}}
}

func (f *fakeAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/customers", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Customer struct {
				PhoneNumber string `json:"phone_number"`
			} `json:"customer"`
			RequestID string `json:"request_id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.RequestID == "" {
			http.Error(w, `{"code":3}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.creates++
		if f.phones[req.Customer.PhoneNumber] || (f.conflictEvery > 0 && f.creates%f.conflictEvery == 0) {
			http.Error(w, `{"code":6}`, http.StatusConflict)
			return
		}
		f.phones[req.Customer.PhoneNumber] = true
		id := "id-" + req.RequestID
		f.customers[id] = &fakeCustomer{last: "VERIFICATION_RESULT_UNSPECIFIED"}
		writeJSON(w, map[string]any{"customer": map[string]any{"id": id, "phoneVerified": false}})
	})
	mux.HandleFunc("POST /v1/customers/{call}", func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutSuffix(r.PathValue("call"), ":verify")
		var req struct {
			Code string `json:"verification_code"`
		}
		if !ok || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, `{"code":3}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		c := f.customers[id]
		if c == nil {
			http.Error(w, `{"code":5}`, http.StatusNotFound)
			return
		}
		result := ResultIncorrectCode
		switch {
		case req.Code == f.code && f.expired:
			result = ResultCodeExpired
		case req.Code == f.code:
			result = ResultSuccess
			c.verified = true
		}
		answer := result
		if f.stale {
			answer = c.last
		}
		c.last = result
		writeJSON(w, VerifyAnswer{CustomerID: id, Result: answer})
	})
	mux.HandleFunc("GET /v1/customers/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		f.mu.Lock()
		defer f.mu.Unlock()
		c := f.customers[id]
		if c == nil {
			http.Error(w, `{"code":5}`, http.StatusNotFound)
			return
		}
		writeJSON(w, map[string]any{"customer": map[string]any{"id": id, "phoneVerified": c.verified}})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// runAgainst runs the tool against api over loopback HTTP.
func runAgainst(t *testing.T, api *fakeAPI, cfg Config) *Report {
	t.Helper()
	h := api.handler()
	if api.apiKey != "" {
		next := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+api.apiKey {
				w.Header().Set("WWW-Authenticate", "Bearer")
				http.Error(w, `{"code":16}`, http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.URL = srv.URL
	if cfg.Code == "" {
		cfg.Code = "1234"
	}
	cfg.Timeout = 10 * time.Second
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func opByName(t *testing.T, rep *Report, name string) OpStats {
	t.Helper()
	for _, op := range rep.Operations {
		if op.Name == name {
			return op
		}
	}
	t.Fatalf("report has no %q operation: %+v", name, rep.Operations)
	return OpStats{}
}

func TestRunAgainstHonestServer(t *testing.T) {
	for _, wrongFirst := range []bool{false, true} {
		rep := runAgainst(t, newFakeAPI("1234"), Config{N: 60, Concurrency: 4, WrongFirst: wrongFirst})
		if rep.Stale != 0 || rep.NotVerified != 0 || rep.Failed() {
			t.Errorf("wrongFirst=%v: stale %d, not verified %d; want 0 and 0", wrongFirst, rep.Stale, rep.NotVerified)
		}
		want := []string{OpCreate, OpVerify, OpGet}
		if wrongFirst {
			want = []string{OpCreate, OpVerifyWrong, OpVerify, OpGet}
		}
		if len(rep.Operations) != len(want) {
			t.Fatalf("wrongFirst=%v: operations %+v, want %v", wrongFirst, rep.Operations, want)
		}
		for k, op := range rep.Operations {
			if op.Name != want[k] || op.Requests != 60 || op.OK != 60 || len(op.Errors) != 0 {
				t.Errorf("wrongFirst=%v: %+v, want %s with 60 requests, all ok", wrongFirst, op, want[k])
			}
			if op.Throughput <= 0 || op.Max <= 0 || op.P50 > op.P99 || op.P99 > op.Max {
				t.Errorf("wrongFirst=%v: %s figures out of order: %+v", wrongFirst, op.Name, op)
			}
		}
		if rep.VerifiedPerSec <= 0 {
			t.Errorf("wrongFirst=%v: verified/s %v", wrongFirst, rep.VerifiedPerSec)
		}
	}
}

func TestRunCountsStaleAnswers(t *testing.T) {
	api := newFakeAPI("1234")
	api.stale = true
	rep := runAgainst(t, api, Config{N: 40, Concurrency: 8, WrongFirst: true})
	// Every wrong code is answered with UNSPECIFIED and every right code
	// with the wrong code's INCORRECT_CODE: two stale answers a customer.
	// The server did verify them, so the read-back finds all verified.
	if rep.Stale != 80 || rep.NotVerified != 0 || !rep.Failed() {
		t.Errorf("stale %d, not verified %d, failed %v; want 80, 0, true", rep.Stale, rep.NotVerified, rep.Failed())
	}
	if rep.VerifiedPerSec != 0 {
		t.Errorf("verified/s %v counts answers that were not SUCCESS", rep.VerifiedPerSec)
	}
	if v := opByName(t, rep, OpVerify); v.OK != 40 {
		t.Errorf("verify ok %d: a stale answer is still an HTTP success", v.OK)
	}
}

func TestRunCountsErrorsAndUnverified(t *testing.T) {
	api := newFakeAPI("1234")
	api.conflictEvery = 4
	rep := runAgainst(t, api, Config{N: 40, Concurrency: 3})
	create := opByName(t, rep, OpCreate)
	if create.Requests != 40 || create.OK != 30 || create.Errors["409"] != 10 {
		t.Errorf("create %+v; want 40 requests, 30 ok, 10×409", create)
	}
	if v := opByName(t, rep, OpVerify); v.Requests != 30 {
		t.Errorf("verify sent %d requests, want one per created customer (30)", v.Requests)
	}
	if rep.NotVerified != 10 || rep.Stale != 0 || !rep.Failed() {
		t.Errorf("not verified %d, stale %d; want 10 and 0", rep.NotVerified, rep.Stale)
	}

	// The wrong code for the server: every verify answers INCORRECT_CODE,
	// which is stale for a code the tool believes right.
	rep = runAgainst(t, newFakeAPI("9999"), Config{N: 10, Concurrency: 2})
	if rep.Stale != 10 || rep.NotVerified != 10 {
		t.Errorf("wrong --code: stale %d, not verified %d; want 10 and 10", rep.Stale, rep.NotVerified)
	}
}

// Right codes answered CODE_EXPIRED are counted as expired, not stale; their
// customers are not verified, so the run fails.
func TestRunCountsExpiredCodes(t *testing.T) {
	api := newFakeAPI("1234")
	api.expired = true
	rep := runAgainst(t, api, Config{N: 12, Concurrency: 3})
	if rep.Expired != 12 || rep.Stale != 0 || rep.NotVerified != 12 || !rep.Failed() {
		t.Errorf("expired %d, stale %d, not verified %d, failed %v; want 12, 0, 12, true",
			rep.Expired, rep.Stale, rep.NotVerified, rep.Failed())
	}
	var out strings.Builder
	if err := rep.WriteText(&out); err != nil || !strings.Contains(out.String(), "expired codes: 12") {
		t.Errorf("text report %q (%v) does not name the expired codes", out.String(), err)
	}
}

func TestRunAgainstNoServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	rep, err := Run(context.Background(), Config{URL: url, N: 5, Concurrency: 2, Code: "1234", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if c := opByName(t, rep, OpCreate); c.Errors["transport"] != 5 || rep.NotVerified != 5 {
		t.Errorf("create %+v, not verified %d; want 5 transport errors and 5 unverified", c, rep.NotVerified)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "127.0.0.1:8081", N: 1, Concurrency: 1, Code: "1", Timeout: time.Second}, "--url"},
		{Config{URL: "http://x", N: 0, Concurrency: 1, Code: "1", Timeout: time.Second}, "-n"},
		{Config{URL: "http://x", N: 1, Concurrency: 0, Code: "1", Timeout: time.Second}, "-c"},
		{Config{URL: "http://x", N: 1, Concurrency: 1, Code: "12a", Timeout: time.Second}, "--code"},
		{Config{URL: "http://x", N: 1, Concurrency: 1, Code: "1", Timeout: 0}, "--timeout"},
	} {
		if _, err := Run(context.Background(), tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one naming %s", tc.cfg, err, tc.want)
		}
	}
}

// With --api-key every request carries the key; without it a server that
// requires one answers every request 401, which the report counts.
func TestRunSendsAPIKey(t *testing.T) {
	api := newFakeAPI("1234")
	api.apiKey = "csk_0123456789abcdef_secret"
	rep := runAgainst(t, api, Config{N: 10, Concurrency: 2, APIKey: api.apiKey})
	if rep.Failed() || rep.NotVerified != 0 {
		t.Errorf("with the key: %+v", rep)
	}
	rep = runAgainst(t, api, Config{N: 10, Concurrency: 2})
	if create := opByName(t, rep, OpCreate); create.OK != 0 || create.Errors["401"] != 10 {
		t.Errorf("without the key: create %+v, want 10 answers 401", create)
	}
}
