package api

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// fakeClock is the limiter's and the Authenticator's clock in tests: time moves only when a test
// moves it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rate
		str  string
	}{
		{"30/10m", Rate{30, 10 * time.Minute}, "30/10m"},
		{"5/1h", Rate{5, time.Hour}, "5/1h"},
		{"60/m", Rate{60, time.Minute}, "60/1m"},
		{" 2/90s ", Rate{2, 90 * time.Second}, "2/1m30s"},
		{"1/168h", Rate{1, 168 * time.Hour}, "1/168h"},
		{"off", Rate{}, "off"},
	} {
		got, err := ParseRate(tc.in)
		if err != nil || got != tc.want || got.String() != tc.str {
			t.Errorf("ParseRate(%q) = %+v (%s), %v; want %+v (%s)", tc.in, got, got, err, tc.want, tc.str)
		}
	}
	for _, bad := range []string{"", "30", "x/1m", "30/", "30/1x", "0/1m", "-1/1m", "1000001/1h", "5/500ms", "5/169h", "on"} {
		if r, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) = %+v, want an error", bad, r)
		}
	}
	// Every default prints as a value ParseRate reads back.
	for m, r := range DefaultLimits() {
		for _, rate := range []Rate{r.PerIP, r.PerPhone} {
			if back, err := ParseRate(rate.String()); err != nil || back != rate {
				t.Errorf("%s: %v does not round-trip: %+v, %v", m, rate, back, err)
			}
		}
	}
}

func TestDefaultLimitsCoverCreateVerifyResend(t *testing.T) {
	limits := DefaultLimits()
	for _, m := range []string{CreateMethod, VerifyMethod, ResendMethod} {
		if r := limits[m]; r.PerIP.Off() || r.PerPhone.Off() {
			t.Errorf("%s: %+v, want per-address and per-phone limits", m, r)
		}
	}
	if len(limits) != 3 {
		t.Errorf("limits on %d methods, want 3", len(limits))
	}
}

// A bucket is refilled at Count per Per; the one that is empty says how long
// to wait for the next token.
func TestBucketsRefillAndWait(t *testing.T) {
	b := newBuckets(Rate{3, time.Minute}, 10)
	now := newFakeClock().Now()
	for i := range 3 {
		if d := b.reserve("k", now).DelayFrom(now); d != 0 {
			t.Fatalf("call %d: delay %v", i+1, d)
		}
	}
	r := b.reserve("k", now)
	if d := r.DelayFrom(now); d != 20*time.Second {
		t.Fatalf("4th call: delay %v, want 20s", d)
	}
	b.cancel(r, now)
	// The cancelled call took nothing: after 20 s exactly one more fits.
	now = now.Add(20 * time.Second)
	if d := b.reserve("k", now).DelayFrom(now); d != 0 {
		t.Errorf("after 20s: delay %v", d)
	}
	if d := b.reserve("k", now).DelayFrom(now); d != 20*time.Second {
		t.Errorf("after 20s, 2nd call: delay %v, want 20s", d)
	}
	// Other keys have buckets of their own.
	if d := b.reserve("other", now).DelayFrom(now); d != 0 {
		t.Errorf("other key: delay %v", d)
	}
}

// Memory is bounded: full buckets are dropped (which changes nothing), and
// past maxKeys an arbitrary one is.
func TestBucketsEvictIdleKeysAndStayBounded(t *testing.T) {
	b := newBuckets(Rate{2, 10 * time.Minute}, 50)
	now := newFakeClock().Now()
	b.reserve("busy", now)
	b.reserve("busy", now)
	b.reserve("idle", now)

	// A token comes back every 5 minutes. 2 minutes in nothing is full, so
	// the sweep that the new key triggers keeps everything.
	now = now.Add(2 * time.Minute)
	b.reserve("new1", now)
	if got := b.len(); got != 3 {
		t.Fatalf("after 2m: %d keys, want 3 (busy, idle, new1)", got)
	}
	// 7 minutes in, "idle" and "new1" are full again, "busy" is not.
	now = now.Add(5 * time.Minute)
	b.reserve("new2", now)
	if got := b.len(); got != 2 {
		t.Fatalf("after 7m: %d keys, want 2 (busy, new2)", got)
	}
	// "busy" kept its state: one token back after 5 minutes, not two.
	if d := b.reserve("busy", now).DelayFrom(now); d != 0 {
		t.Errorf("busy: first call after 7m delayed %v", d)
	}
	if d := b.reserve("busy", now).DelayFrom(now); d == 0 {
		t.Error("busy: second call after 7m not delayed; its bucket was reset")
	}

	// A flood of new keys with no time passing never holds more than
	// maxKeys buckets.
	for i := range 500 {
		b.reserve(fmt.Sprintf("flood-%d", i), now)
		if got := b.len(); got > 50 {
			t.Fatalf("%d keys after %d new ones, want at most 50", got, i+1)
		}
	}
}

// The interceptor on its own: the gRPC answer over a limit.
func TestLimiterRejectionStatus(t *testing.T) {
	clock := newFakeClock()
	l := (&Server{}).NewLimiter(LimiterConfig{
		Limits: Limits{VerifyMethod: {PerIP: Rate{1, 90 * time.Second}}},
		Now:    clock.Now,
		Logger: discardLogger(),
	})
	intercept := l.UnaryInterceptor()
	calls := 0
	handler := func(context.Context, any) (any, error) { calls++; return "ok", nil }
	info := &grpc.UnaryServerInfo{FullMethod: VerifyMethod}
	req := &customerv1.VerifyCustomerRequest{CustomerId: "3f1d2c4b-5a69-4788-9abc-def012345678"}

	if _, err := intercept(context.Background(), req, info, handler); err != nil {
		t.Fatal(err)
	}
	clock.Add(500 * time.Millisecond)
	_, err := intercept(context.Background(), req, info, handler)
	st := status.Convert(err)
	if st.Code() != codes.ResourceExhausted ||
		st.Message() != "rate limit exceeded for this client; retry after 90s (temporary)" {
		t.Fatalf("got %v %q", st.Code(), st.Message())
	}
	var retry *errdetails.RetryInfo
	var errInfo *errdetails.ErrorInfo
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.RetryInfo:
			retry = d
		case *errdetails.ErrorInfo:
			errInfo = d
		}
	}
	// 89.5 s rounds up: a client that waits what it was told is let in.
	if retry == nil || retry.GetRetryDelay().AsDuration() != 90*time.Second {
		t.Errorf("RetryInfo %v, want 90s", retry)
	}
	if errInfo == nil || errInfo.GetReason() != "RATE_LIMITED" || errInfo.GetMetadata()["temporary"] != "true" ||
		errInfo.GetMetadata()["limit"] != "client" {
		t.Errorf("ErrorInfo %v", errInfo)
	}
	if calls != 1 {
		t.Errorf("handler ran %d times, want 1", calls)
	}
	// Methods without a rule are not limited.
	for range 5 {
		if _, err := intercept(context.Background(), req, &grpc.UnaryServerInfo{FullMethod: customerv1.CustomerService_GetCustomer_FullMethodName}, handler); err != nil {
			t.Fatal(err)
		}
	}
}

// One phone has one key however it is written; numbers that do not parse
// still count.
func TestPhoneKey(t *testing.T) {
	l := (&Server{PhoneRegion: "GB"}).NewLimiter(LimiterConfig{})
	for _, tc := range []struct{ a, b string }{
		{"+44 7911 123456", "07911123456"},
		{"+447911123456", "07911-123-456"},
		{"+1 415 555 0100", "+14155550100"},
	} {
		if ka, kb := l.phoneKeyOf(tc.a), l.phoneKeyOf(tc.b); ka != kb || ka == "" {
			t.Errorf("%q → %q, %q → %q; want one key", tc.a, ka, tc.b, kb)
		}
	}
	if k := l.phoneKeyOf("0700 CALL ME"); k == "" {
		t.Error("an unparsable number has no key")
	}
	if k := l.phoneKeyOf(strings.Repeat("9", 10_000)); len(k) > 100 {
		t.Errorf("key of a huge number is %d bytes", len(k))
	}
	if a, b := l.phoneKeyOf("+14155550100"), l.phoneKeyOf("+14155550101"); a == b {
		t.Errorf("two numbers share key %q", a)
	}
	// National numbers are read in the Server's region.
	us := (&Server{PhoneRegion: "US"}).NewLimiter(LimiterConfig{})
	if a, b := us.phoneKeyOf("(415) 555-0100"), us.phoneKeyOf("+1 415 555 0100"); a != b {
		t.Errorf("in region US: %q and %q, want one key", a, b)
	}
}
