package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/coffeeshop/coffeeshop"
	csapi "github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/devserver/devservertest"
	"github.com/coffeeshop/coffeeshop/internal/pgtest"
	"github.com/coffeeshop/coffeeshop/postgres"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/temporalclient"
	"github.com/coffeeshop/coffeeshop/verify"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
)

// diffCustomers are the customers the seed corpus's paths name (those of
// api's FuzzHTTP), stored alike in both stacks before any input.
var diffCustomers = []string{
	"0ddbdea9-1d13-4224-98f7-efe3289ac9fc",
	"10cfbb5d-89cd-49af-a582-555a2d7d6a21",
	"b3da5626-de5a-4a9d-8645-48ccbf4b0816",
	"df872cc7-292c-4e67-bc86-fdfd87d2c3db",
	"2b201189-c092-4cfd-86eb-7fdd17452c80",
}

// diffSecret keys the code MACs and tokens of both stacks.
var diffSecret = []byte("differential test secret, 32 bytes or more")

// diffStore is what a stack's store must be.
type diffStore interface {
	coffeeshop.CustomerStore
	coffeeshop.CodeSendLedger
	coffeeshop.APIKeyStore
	coffeeshop.GuardStore
	Close() error
}

// diffStack is one real service in the test process: an embedded Temporal
// server of its own, a worker and the API behind the real gateway.
type diffStack struct {
	name string
	url  string
}

// acceptSMS takes every text, as dev's console sender does, without
// printing it.
type acceptSMS struct{}

func (acceptSMS) SendSMS(context.Context, string, string) error { return nil }

// newDiffStack starts a stack over st: open authentication (dev on
// loopback), no per-address limits and no pumping guard, so that both
// stacks answer alike; codes are always 1234, so that corpus inputs can
// verify.
func newDiffStack(t testing.TB, name string, st diffStore) *diffStack {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for i, id := range diffCustomers {
		c := &coffeeshop.Customer{ID: id, FirstName: "Test", LastName: "Customer",
			Email: fmt.Sprintf("seed%c@example.com", 'a'+i), PhoneNumber: fmt.Sprintf("+44750051400%d", i)}
		if err := st.InsertCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	srv := devservertest.Start(t, devserver.Config{Logger: quiet})
	tc, err := temporalclient.Dial(ctx, temporalclient.Options{Address: srv.FrontendAddr(), Namespace: "default",
		ContextPropagators: []workflow.ContextPropagator{verify.RequestIDPropagator()}, Logger: quiet, InProcess: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	w, err := verify.StartWorker(tc, &verify.Activities{Store: st, Ledger: st, NewCode: verify.FixedCode("1234"),
		Secret: diffSecret, SMS: acceptSMS{}, Texts: verify.DefaultTexts()}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	verifier := &verify.Client{Temporal: tc, Secret: diffSecret, Store: st}
	ips := csapi.NewClientIPs(nil)
	s := &csapi.Server{Store: st, Verifier: verifier, Logger: quiet, PhoneRegion: csapi.DefaultPhoneRegion,
		Tokens: coffeeshop.NewTokenIssuer(diffSecret), TokenTTL: time.Hour,
		Guard: csapi.NewGuard(csapi.GuardConfig{Store: st, Off: true, Logger: quiet})}
	limiter := s.NewLimiter(csapi.LimiterConfig{Limits: csapi.DefaultLimits(), NoPerIPLimits: true, ClientIPs: ips, Logger: quiet})
	l, err := csapi.Listen(ctx, csapi.ListenConfig{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Server: s, ClientIPs: ips,
		Interceptors: []grpc.UnaryServerInterceptor{limiter.UnaryInterceptor()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Shutdown(5 * time.Second) })
	return &diffStack{name: name, url: "http://" + l.HTTPAddr()}
}

// diffHarness is the pair of stacks, started once per process.
type diffHarness struct {
	dev, split *diffStack
	client     *http.Client
}

func newDiffHarness(t testing.TB) *diffHarness {
	t.Helper()
	// The PostgreSQL half first: pgtest skips (or, under CI, fails) before
	// anything is started when the server is unreachable.
	pgURL := pgtest.URL(t)
	pg, err := postgres.Open(context.Background(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	lite, err := sqlite.Open(filepath.Join(t.TempDir(), "coffeeshop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	return &diffHarness{
		dev:   newDiffStack(t, "dev", lite),
		split: newDiffStack(t, "split", pg),
		client: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
	}
}

// diffAnswer is what one stack answered.
type diffAnswer struct {
	status int
	allow  string
	body   []byte
	err    error
}

// send sends one request to base; ok is false when no client can send it.
func (h *diffHarness) send(base, method, path string, body []byte, header, authorization string) (diffAnswer, bool) {
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil || strings.ContainsAny(req.URL.RequestURI(), " \t\r\n") {
		return diffAnswer{}, false
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
	res, err := h.client.Do(req)
	if err != nil {
		return diffAnswer{err: err}, true
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return diffAnswer{status: res.StatusCode, allow: res.Header.Get("Allow"), body: b, err: err}, true
}

// compare sends the same request to both stacks, one after the other, and
// fails t unless they answer alike: the same status (never 5xx), the same
// Allow header, and bodies equal after blanking what differs by nature
// (IDs, tokens, times). It returns dev's answer.
func (h *diffHarness) compare(t *testing.T, method, path string, body []byte, header, authorization string) diffAnswer {
	t.Helper()
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	what := fmt.Sprintf("%s %q %q", method, path, body)
	dev, ok := h.send(h.dev.url, method, path, body, header, authorization)
	if !ok {
		return dev
	}
	split, _ := h.send(h.split.url, method, path, body, header, authorization)
	if (dev.err != nil) != (split.err != nil) {
		t.Fatalf("%s: dev error %v, split error %v", what, dev.err, split.err)
	}
	if dev.err != nil {
		return dev // refused alike by the client, or the connection broken alike
	}
	for _, a := range []struct {
		name string
		diffAnswer
	}{{"dev", dev}, {"split", split}} {
		if a.status >= 500 {
			t.Fatalf("%s: %s answered %d %s", what, a.name, a.status, a.body)
		}
	}
	if dev.status != split.status || dev.allow != split.allow {
		t.Fatalf("%s: dev %d (Allow %q) %s; split %d (Allow %q) %s", what,
			dev.status, dev.allow, dev.body, split.status, split.allow, split.body)
	}
	if method == http.MethodHead {
		return dev
	}
	if d, s := blank(dev.body), blank(split.body); d != s {
		t.Fatalf("%s: %d with different bodies\ndev:   %s\nsplit: %s", what, dev.status, d, s)
	}
	return dev
}

var (
	uuidPattern  = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	tokenPattern = regexp.MustCompile(`cvt_[A-Za-z0-9_.\-]+`)
	// A wait counts down while the request goes from one stack to the
	// other: "retry after 41s" and a RetryInfo's "41s" may be 42s there.
	retryPattern    = regexp.MustCompile(`retry after [0-9]+s`)
	durationPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?s$`)
)

// blank is a body in a form that compares across stacks: a JSON value
// re-encoded with sorted keys, every RFC 3339 time, UUID, token and
// retry wait replaced; anything else as it is.
func blank(body []byte) string {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return string(body)
	}
	b, err := json.Marshal(blankValue(v))
	if err != nil {
		return string(body)
	}
	return string(b)
}

func blankValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v[k] = blankValue(v[k])
		}
		return v
	case []any:
		for i := range v {
			v[i] = blankValue(v[i])
		}
		return v
	case string:
		if _, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return "<time>"
		}
		if durationPattern.MatchString(v) {
			return "<duration>"
		}
		v = retryPattern.ReplaceAllString(v, "retry after <n>s")
		v = uuidPattern.ReplaceAllStringFunc(v, func(s string) string {
			if _, err := uuid.Parse(s); err == nil && !isDiffCustomer(s) {
				return "<id>"
			}
			return s
		})
		return tokenPattern.ReplaceAllString(v, "<token>")
	}
	return v
}

// isDiffCustomer: the seeded customers keep their IDs, which are the same
// in both stacks.
func isDiffCustomer(id string) bool {
	for _, c := range diffCustomers {
		if strings.EqualFold(c, id) {
			return true
		}
	}
	return false
}

// FuzzDifferential sends the inputs of api's FuzzHTTP (method, path, body,
// one header, Authorization; its seed corpus is copied here) to two real
// stacks in this process, dev's (SQLite) and split mode's (PostgreSQL),
// each with its own embedded Temporal server and worker, and fails when
// they answer differently or either answers 5xx: a client's input must get
// the same answer on every store. Both stacks see the inputs in the same
// order, so that a repeated phone number or email collides on both alike.
func FuzzDifferential(f *testing.F) {
	h := newDiffHarness(f)
	f.Fuzz(func(t *testing.T, method, path string, body []byte, header, authorization string) {
		h.compare(t, method, path, body, header, authorization)
	})
}

// TestDifferential runs the cases through both stacks: the same
// answer on both, and the answer the input policy gives.
func TestDifferential(t *testing.T) {
	h := newDiffHarness(t)
	create := func(first, last, email, phone string) []byte {
		b, _ := json.Marshal(map[string]any{"customer": map[string]string{
			"firstName": first, "lastName": last, "email": email, "phoneNumber": phone}})
		return b
	}
	for _, c := range []struct {
		name         string
		method, path string
		body         []byte
		want         int
		// allow is the Allow header a 405 must carry.
		allow string
		// field, for a 400, is named in the error's message.
		field string
	}{
		{"NUL first name", "POST", "/v1/customers", create("\u0000", "Lovelace", "nul@example.com", "+447400123401"), 400, "", "first_name"},
		{"tab in a name", "POST", "/v1/customers", create("Ada\tB", "Lovelace", "tab@example.com", "+447400123402"), 400, "", "first_name"},
		{"bidi override in a name", "POST", "/v1/customers", create("Ada\u202e", "Lovelace", "bidi@example.com", "+447400123403"), 400, "", "first_name"},
		{"email a@b", "POST", "/v1/customers", create("Ada", "Lovelace", "a@b", "+447400123404"), 400, "", "email"},
		{"valid create", "POST", "/v1/customers", create("Zoë", "Lovelace", "ada@example.com", "+447400123456"), 200, "", ""},
		// SQLite checks the email's index first, PostgreSQL the phone's.
		{"phone and email in use", "POST", "/v1/customers", create("Bob", "Other", "ada@example.com", "+447400123456"), 409, "", "phone_number"},
		{"DELETE a customer", "DELETE", "/v1/customers/" + diffCustomers[0], nil, 405, "GET", ""},
		{"unknown path", "GET", "/v1/nothing", nil, 404, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := h.compare(t, c.method, c.path, c.body, "", "")
			if a.err != nil || a.status != c.want {
				t.Fatalf("%d %s (%v), want %d", a.status, a.body, a.err, c.want)
			}
			if a.allow != c.allow {
				t.Fatalf("Allow %q, want %q", a.allow, c.allow)
			}
			if c.want >= 400 {
				var e struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				}
				if err := json.Unmarshal(a.body, &e); err != nil || e.Code == 0 || e.Message == "" {
					t.Fatalf("body %s, want the API's JSON error", a.body)
				}
				if c.field != "" && !strings.Contains(e.Message, c.field) {
					t.Fatalf("message %q does not name %s", e.Message, c.field)
				}
			}
		})
	}
	// A name written unnormalised (e and a combining acute accent) is
	// stored in NFC by both stores: the create's request_id gives the
	// customer the same ID on both, so that one GET reads both rows.
	t.Run("unnormalised name", func(t *testing.T) {
		body, _ := json.Marshal(map[string]any{"requestId": "differential-nfc", "customer": map[string]string{
			"firstName": "Rene\u0301", "lastName": "Lovelace", "email": "nfc@example.com", "phoneNumber": "+447400123405"}})
		if a := h.compare(t, "POST", "/v1/customers", body, "", ""); a.status != 200 {
			t.Fatalf("create: %d %s", a.status, a.body)
		}
		a := h.compare(t, "GET", "/v1/customers/"+verify.CustomerID("differential-nfc"), nil, "", "")
		var got struct {
			Customer struct {
				FirstName string `json:"firstName"`
			} `json:"customer"`
		}
		if err := json.Unmarshal(a.body, &got); err != nil || a.status != 200 || got.Customer.FirstName != "Ren\u00e9" {
			t.Fatalf("GET: %d %s, want the first name %q (NFC)", a.status, a.body, "Ren\u00e9")
		}
	})
}

// TestDifferentialCorpusHasFuzzHTTP: FuzzDifferential's corpus holds every
// input of FuzzHTTP's, byte for byte, so that an input found by either
// fuzz target is sent to both stores (its own finds are added to it only).
func TestDifferentialCorpusHasFuzzHTTP(t *testing.T) {
	const from, to = "../api/testdata/fuzz/FuzzHTTP", "testdata/fuzz/FuzzDifferential"
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatalf("%s is empty", from)
	}
	for _, e := range entries {
		want, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(to, e.Name()))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s/%s is not a copy of %s/%s (%v): cp %[3]s/%[4]s %[1]s/", to, e.Name(), from, e.Name(), err)
		}
	}
}
