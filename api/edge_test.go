package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// edge is the harness with the abuse limits wired as cmd/coffeeshop wires
// them (Listen): the Limiter as a gRPC interceptor, the gateway passing
// client addresses with the shared ClientIPs, and a clock the test moves.
type edge struct {
	*harness
	clock *fakeClock
}

// newEdge serves the harness's store and verifier behind a Limiter with
// cfg (its ClientIPs, Now and Logger are filled in). Requests from
// the trusted proxies may name their client in X-Forwarded-For.
func newEdge(t *testing.T, cfg LimiterConfig, trustedProxies ...string) *edge {
	t.Helper()
	return newEdgeWith(t, cfg, nil, trustedProxies...)
}

// newEdgeWith is newEdge with configure (if not nil) called on the Server
// before it serves.
func newEdgeWith(t *testing.T, cfg LimiterConfig, configure func(*Server), trustedProxies ...string) *edge {
	t.Helper()
	h := newHarness(t) // the store and verifier; its own unlimited servers go unused
	e := &edge{harness: h, clock: newFakeClock()}

	var proxies []netip.Prefix
	for _, p := range trustedProxies {
		proxies = append(proxies, netip.MustParsePrefix(p))
	}
	ips := NewClientIPs(proxies)
	h.logs = &syncBuffer{}
	log := slog.New(slog.NewTextHandler(h.logs, nil))
	cfg.ClientIPs, cfg.Now, cfg.Logger = ips, e.clock.Now, log
	srv := &Server{Store: h.store, Verifier: h.verifier, Logger: log}
	if configure != nil {
		configure(srv)
	}
	limiter := srv.NewLimiter(cfg)

	l, err := Listen(t.Context(), ListenConfig{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Server: srv,
		ClientIPs: ips, Interceptors: []grpc.UnaryServerInterceptor{limiter.UnaryInterceptor()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Shutdown(time.Minute) })
	h.grpcAddr, h.url = l.GRPCAddr(), "http://"+l.HTTPAddr()
	return e
}

// verifyFrom sends a right code for customer id as the client at ip (via
// X-Forwarded-For; only believed when the harness trusts loopback).
func (e *edge) verifyFrom(t *testing.T, ip, id string) response {
	t.Helper()
	return e.do(t, "POST", "/v1/customers/"+id+":verify", `{"verification_code":"1234"}`, "X-Forwarded-For", ip)
}

// wantOK fails unless r is a 200.
func (r response) wantOK(t *testing.T) {
	t.Helper()
	if r.status != 200 {
		t.Errorf("got %d %s, want 200", r.status, r.body)
	}
}

// wantLimited fails unless r is the 429 of the given limit with the given
// Retry-After.
func (r response) wantLimited(t *testing.T, scope string, retryAfter int) {
	t.Helper()
	msg := fmt.Sprintf(`{"code":8,"message":"rate limit exceeded for this %s; retry after %ds (temporary)","details":[`, scope, retryAfter)
	if r.status != http.StatusTooManyRequests || !strings.HasPrefix(r.body, msg) {
		t.Errorf("got %d %s\nwant 429 %s…", r.status, r.body, msg)
	}
	if got := r.header.Get("Retry-After"); got != fmt.Sprint(retryAfter) {
		t.Errorf("Retry-After = %q, want %d", got, retryAfter)
	}
	retryInfo := fmt.Sprintf(`{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"%ds"}`, retryAfter)
	if !strings.Contains(r.body, retryInfo) || !strings.Contains(r.body, `"temporary":"true"`) {
		t.Errorf("body %s lacks %s or temporary:true", r.body, retryInfo)
	}
}

// Over the per-address budget an HTTP client gets 429 with Retry-After;
// another address is not affected; the budget refills with time.
func TestRateLimitPerClientOverHTTP(t *testing.T) {
	e := newEdge(t, LimiterConfig{Limits: Limits{VerifyMethod: {PerIP: Rate{3, time.Minute}}}}, "127.0.0.1/32")
	id := e.addCustomer(t, uuid.NewString(), "Ann", false)
	const a, b = "203.0.113.10", "203.0.113.20"

	for range 3 {
		e.verifyFrom(t, a, id).wantOK(t)
	}
	e.verifyFrom(t, a, id).wantLimited(t, "client", 20)
	e.verifyFrom(t, b, id).wantOK(t)

	// A token comes back every 20 s, and the rejected call took none.
	e.clock.Add(19 * time.Second)
	e.verifyFrom(t, a, id).wantLimited(t, "client", 1)
	e.clock.Add(time.Second)
	e.verifyFrom(t, a, id).wantOK(t)
	e.verifyFrom(t, a, id).wantLimited(t, "client", 20)

	// IPv6 clients count per /64: another address in the same /64 shares
	// the budget, another /64 does not.
	const v6a, v6b, v6other = "2001:db8:1:2::1", "2001:db8:1:2::ffff", "2001:db8:1:3::1"
	for range 3 {
		e.verifyFrom(t, v6a, id).wantOK(t)
	}
	e.verifyFrom(t, v6b, id).wantLimited(t, "client", 20)
	e.verifyFrom(t, v6other, id).wantOK(t)

	if !strings.Contains(e.logs.String(), "rate limited") {
		t.Errorf("rejections not logged:\n%s", e.logs)
	}
}

// Reads have no limits.
func TestRateLimitLeavesReadsAlone(t *testing.T) {
	e := newEdge(t, LimiterConfig{Limits: DefaultLimits()})
	id := e.addCustomer(t, uuid.NewString(), "Ann", false)
	for range 100 {
		if r := e.do(t, "GET", "/v1/customers/"+id, ""); r.status != 200 {
			t.Fatalf("get: %d %s", r.status, r.body)
		}
	}
}

// The per-phone budget holds across client addresses, counts a number
// however it is written, and is separate for each phone.
func TestRateLimitPerPhoneAcrossClients(t *testing.T) {
	e := newEdge(t, LimiterConfig{Limits: Limits{
		VerifyMethod: {PerIP: Rate{100, time.Minute}, PerPhone: Rate{2, 10 * time.Minute}},
		CreateMethod: {PerIP: Rate{100, time.Minute}, PerPhone: Rate{1, time.Hour}},
	}}, "127.0.0.1/32")
	ann := e.addCustomer(t, uuid.NewString(), "Ann", false)
	bob := e.addCustomer(t, uuid.NewString(), "Bob", false)

	e.verifyFrom(t, "198.51.100.1", ann).wantOK(t)
	e.verifyFrom(t, "198.51.100.2", ann).wantOK(t)
	e.verifyFrom(t, "198.51.100.3", ann).wantLimited(t, "phone number", 300)
	e.verifyFrom(t, "198.51.100.3", bob).wantOK(t)

	create := func(ip, phone, email string) response {
		return e.do(t, "POST", "/v1/customers",
			`{"customer":{"first_name":"C","last_name":"D","email":"`+email+`","phone_number":"`+phone+`"}}`,
			"X-Forwarded-For", ip)
	}
	if r := create("198.51.100.1", "+44 7911 123456", "c1@example.com"); r.status == 429 {
		t.Fatalf("first create limited: %s", r.body)
	}
	// The same phone, written nationally, from elsewhere.
	create("198.51.100.2", "07911123456", "c2@example.com").wantLimited(t, "phone number", 3600)
	if r := create("198.51.100.2", "+14155550100", "c3@example.com"); r.status == 429 {
		t.Fatalf("another phone limited: %s", r.body)
	}
}

// A call that one limit turns away takes nothing from the others.
func TestRejectedCallsConsumeNothing(t *testing.T) {
	e := newEdge(t, LimiterConfig{Limits: Limits{
		VerifyMethod: {PerIP: Rate{1, time.Minute}, PerPhone: Rate{1, time.Minute}},
	}}, "127.0.0.1/32")
	ann := e.addCustomer(t, uuid.NewString(), "Ann", false)
	bob := e.addCustomer(t, uuid.NewString(), "Bob", false)

	e.verifyFrom(t, "198.51.100.1", ann).wantOK(t)
	e.verifyFrom(t, "198.51.100.2", ann).wantLimited(t, "phone number", 60)
	// 198.51.100.2's one call is still there.
	e.verifyFrom(t, "198.51.100.2", bob).wantOK(t)
}

// A create or verify answered 400 (a malformed field) gives the phone
// number's token back: the person who fixes the form is not limited for
// it. The address's token stays spent.
func TestInvalidCallsGiveThePhoneTokenBack(t *testing.T) {
	e := newEdge(t, LimiterConfig{Limits: Limits{
		CreateMethod: {PerIP: Rate{3, time.Hour}, PerPhone: Rate{1, time.Hour}},
		VerifyMethod: {PerIP: Rate{100, time.Hour}, PerPhone: Rate{1, time.Hour}},
	}}, "127.0.0.1/32")
	create := func(ip, email, phone string) response {
		return e.do(t, "POST", "/v1/customers",
			`{"customer":{"first_name":"C","last_name":"D","email":"`+email+`","phone_number":"`+phone+`"}}`,
			"X-Forwarded-For", ip)
	}
	const phone = "+447911123456"
	if r := create("198.51.100.1", "not an email", phone); r.status != http.StatusBadRequest {
		t.Fatalf("bad email: %d %s, want 400", r.status, r.body)
	}
	if r := create("198.51.100.1", "c1@example.com", phone); r.status != http.StatusOK {
		t.Fatalf("the corrected create: %d %s, want 200", r.status, r.body)
	}
	// The number's one create is spent now.
	create("198.51.100.2", "c2@example.com", phone).wantLimited(t, "phone number", 3600)
	// The bad call counted for the address: its third create is its last.
	if r := create("198.51.100.1", "c3@example.com", "+447911123457"); r.status != http.StatusOK {
		t.Fatalf("the address's third create: %d %s, want 200", r.status, r.body)
	}
	create("198.51.100.1", "c4@example.com", "+447911123458").wantLimited(t, "client", 1200)

	ann := e.addCustomer(t, uuid.NewString(), "Ann", false)
	if r := e.do(t, "POST", "/v1/customers/"+ann+":verify", `{"verification_code":""}`, "X-Forwarded-For", "198.51.100.3"); r.status != http.StatusBadRequest {
		t.Fatalf("malformed code: %d %s, want 400", r.status, r.body)
	}
	e.verifyFrom(t, "198.51.100.3", ann).wantOK(t)
	e.verifyFrom(t, "198.51.100.4", ann).wantLimited(t, "phone number", 3600)
}

// --no-rate-limit (NoPerIPLimits) turns the address limits off and leaves
// the phone limits on.
func TestNoRateLimitKeepsPhoneLimits(t *testing.T) {
	e := newEdge(t, LimiterConfig{NoPerIPLimits: true, Limits: Limits{
		VerifyMethod: {PerIP: Rate{1, time.Hour}, PerPhone: Rate{3, time.Minute}},
	}})
	var ids []string
	for i := range 5 {
		ids = append(ids, e.addCustomer(t, uuid.NewString(), fmt.Sprintf("Cust%d", i), false))
	}
	// One address, five customers, three calls each: only phones limit.
	for _, id := range ids {
		for range 3 {
			e.do(t, "POST", "/v1/customers/"+id+":verify", `{"verification_code":"1234"}`).wantOK(t)
		}
		e.do(t, "POST", "/v1/customers/"+id+":verify", `{"verification_code":"1234"}`).wantLimited(t, "phone number", 20)
	}
}

// An HTTP client cannot pick its address: without trusted proxies
// X-Forwarded-For is ignored, and headers that would become the gateway's
// own metadata are dropped.
func TestHTTPClientCannotSpoofItsAddress(t *testing.T) {
	e := newEdge(t, LimiterConfig{Limits: Limits{VerifyMethod: {PerIP: Rate{2, time.Minute}}}})
	id := e.addCustomer(t, uuid.NewString(), "Ann", false)
	for i := range 3 {
		ip := fmt.Sprintf("198.51.100.%d", i+1)
		r := e.do(t, "POST", "/v1/customers/"+id+":verify", `{"verification_code":"1234"}`,
			"X-Forwarded-For", ip,
			"Grpc-Metadata-Coffeeshop-Client-Ip", ip,
			"Grpc-Metadata-Coffeeshop-Gateway-Token", "guessed")
		if i < 2 {
			r.wantOK(t)
		} else {
			r.wantLimited(t, "client", 30)
		}
	}
}

// A direct gRPC client cannot pick its address either: the gateway's
// metadata is believed only with the gateway's secret token.
func TestGRPCClientCannotSpoofItsAddress(t *testing.T) {
	e := newEdge(t, LimiterConfig{Limits: Limits{VerifyMethod: {PerIP: Rate{2, time.Minute}}}})
	id := e.addCustomer(t, uuid.NewString(), "Ann", false)
	client := grpcClient(t, e.grpcAddr)
	for i := range 3 {
		ctx := metadata.AppendToOutgoingContext(context.Background(),
			mdClientIP, fmt.Sprintf("198.51.100.%d", i+1),
			mdGatewayToken, "guessed",
			mdForwardedFor, fmt.Sprintf("198.51.100.%d", i+1))
		var hdr metadata.MD
		_, err := client.VerifyCustomer(ctx, &customerv1.VerifyCustomerRequest{CustomerId: id, VerificationCode: "1234"}, grpc.Header(&hdr))
		if i < 2 {
			if err != nil {
				t.Fatalf("call %d: %v", i+1, err)
			}
			continue
		}
		// The gRPC form of the answer: status, retry-after header, details.
		st := status.Convert(err)
		if st.Code() != codes.ResourceExhausted || st.Message() != "rate limit exceeded for this client; retry after 30s (temporary)" {
			t.Fatalf("call 3: %v %q", st.Code(), st.Message())
		}
		if got := hdr.Get("retry-after"); len(got) != 1 || got[0] != "30" {
			t.Errorf("retry-after header %v, want [30]", got)
		}
		var retry *errdetails.RetryInfo
		for _, d := range st.Details() {
			if d, ok := d.(*errdetails.RetryInfo); ok {
				retry = d
			}
		}
		if retry == nil || retry.GetRetryDelay().AsDuration() != 30*time.Second {
			t.Errorf("RetryInfo %v, want 30s", retry)
		}
	}
}

// Bodies up to 64 KiB are served; larger ones get 413 before decoding, also
// when their length is not announced.
func TestBodyLimit(t *testing.T) {
	e := newEdge(t, LimiterConfig{})
	id := e.addCustomer(t, uuid.NewString(), "Ann", false)
	path := "/v1/customers/" + id + ":verify"
	// An unknown field pads the body to an exact size; the gateway ignores it.
	body := func(size int) string {
		head, tail := `{"verification_code":"1234","padding":"`, `"}`
		return head + strings.Repeat("a", size-len(head)-len(tail)) + tail
	}
	const tooLarge = `{"code":8,"message":"request body is larger than 65536 bytes","details":[]}`

	e.do(t, "POST", path, body(64<<10)).want(t, 200, `{"customerId":"`+id+`","result":"VERIFICATION_RESULT_SUCCESS"}`)
	e.do(t, "POST", path, body(64<<10+1)).want(t, 413, tooLarge)
	e.do(t, "POST", path, body(1<<20)).want(t, 413, tooLarge)

	// Chunked: no Content-Length, so the size is found by reading.
	for size, want := range map[int]int{64 << 10: 200, 64<<10 + 1: 413} {
		req, err := http.NewRequest("POST", e.url+path, io.MultiReader(strings.NewReader(body(size))))
		if err != nil {
			t.Fatal(err)
		}
		if req.ContentLength != 0 {
			t.Fatalf("request has Content-Length %d", req.ContentLength)
		}
		if r := roundTrip(t, req); r.status != want {
			t.Errorf("chunked %d bytes: got %d %s, want %d", size, r.status, r.body, want)
		}
	}
	if r := e.do(t, "POST", path, body(64<<10+1)); r.header.Get("Content-Type") != "application/json" {
		t.Errorf("413 Content-Type %q", r.header.Get("Content-Type"))
	}
}
