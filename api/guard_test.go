package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nyaruka/phonenumbers"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// A GB mobile number (Guernsey's +44 7911 1… and +44 7781 … are GG).
const gbMobile = "+447400123456"

// libphonenumber's metadata (v1.8.1) says what each number the rules
// turn on is. +44 871 is a premium-rate number there, not shared cost.
func TestNumberTypesOfLibphonenumber(t *testing.T) {
	for _, c := range []struct {
		number, region string
		typ            phonenumbers.PhoneNumberType
	}{
		{"+449098790000", "GB", phonenumbers.PREMIUM_RATE},
		{"+448712221234", "GB", phonenumbers.PREMIUM_RATE},
		{"+448001234567", "GB", phonenumbers.TOLL_FREE},
		{"+445601234567", "GB", phonenumbers.VOIP},
		{"+447640123456", "GB", phonenumbers.PAGER},
		{"+445512345678", "GB", phonenumbers.UAN},
		{"+447012345678", "GB", phonenumbers.PERSONAL_NUMBER},
		{"+442079460000", "GB", phonenumbers.FIXED_LINE},
		{gbMobile, "GB", phonenumbers.MOBILE},
		{"+447911123456", "GG", phonenumbers.MOBILE},
		{"+12015550123", "US", phonenumbers.FIXED_LINE_OR_MOBILE},
		{"+88213100123", "001", phonenumbers.VOIP},
	} {
		n, err := phonenumbers.Parse(c.number, "GB")
		if err != nil || !phonenumbers.IsValidNumber(n) {
			t.Errorf("%s: not a valid number (%v)", c.number, err)
			continue
		}
		if r, typ := phonenumbers.GetRegionCodeForNumber(n), phonenumbers.GetNumberType(n); r != c.region || typ != c.typ {
			t.Errorf("%s: region %s type %v, want %s %v", c.number, r, typ, c.region, c.typ)
		}
	}
}

// exampleOf returns a valid number of type typ from libphonenumber's
// examples, of the first region that has one.
func exampleOf(t *testing.T, typ phonenumbers.PhoneNumberType) string {
	t.Helper()
	for _, r := range []string{"GB", "FR", "DE", "ES", "IT", "AT", "BE", "NL", "US", "AU", "IN", "BR", "JP"} {
		if n := phonenumbers.GetExampleNumberForType(r, typ); n != nil && phonenumbers.GetNumberType(n) == typ {
			return phonenumbers.Format(n, phonenumbers.E164)
		}
	}
	for r := range phonenumbers.GetSupportedRegions() {
		if n := phonenumbers.GetExampleNumberForType(r, typ); n != nil && phonenumbers.GetNumberType(n) == typ {
			return phonenumbers.Format(n, phonenumbers.E164)
		}
	}
	t.Fatalf("no example number of type %v", typ)
	return ""
}

func TestParseCountries(t *testing.T) {
	for in, want := range map[string]string{"*": "*", "gb": "GB", " GB, gg ,JE,GB": "GB,GG,JE"} {
		c, err := ParseCountries(in)
		if err != nil || c.String() != want {
			t.Errorf("ParseCountries(%q) = %v, %v; want %s", in, c, err, want)
		}
	}
	for _, bad := range []string{"", "UK", "GB,", "GBR", "**", "GB;US"} {
		if _, err := ParseCountries(bad); err == nil {
			t.Errorf("ParseCountries(%q) accepted", bad)
		}
	}
	if c := CountriesOf("GB"); !c.Allows("GB") || c.Allows("GG") || c.Allows("001") || c.All() {
		t.Errorf("CountriesOf(GB) = %v", c)
	}
	if !AllCountries().Allows("001") {
		t.Error("* refuses non-geographic numbers")
	}
}

// guardEdge is the edge harness with number rules, a Guard over a fake
// store, and fake metrics.
type guardEdge struct {
	*edge
	store   *fakeGuardStore
	metrics *fakeGuardMetrics
	clock   *fakeClock
	resends atomic.Int32
}

// newGuardEdge serves a Server with GB-only numbers and a Guard with policy
// (DefaultGuardPolicy if zero), behind a Limiter with lim that trusts
// loopback as a proxy; configure may change the Server further.
func newGuardEdge(t *testing.T, lim LimiterConfig, policy coffeeshop.GuardPolicy, configure func(*Server, *fakeGuardStore)) *guardEdge {
	t.Helper()
	if policy == (coffeeshop.GuardPolicy{}) {
		policy = DefaultGuardPolicy()
	}
	g := &guardEdge{store: newFakeGuardStore(), metrics: newFakeGuardMetrics(), clock: newFakeClock()}
	g.edge = newEdgeWith(t, lim, func(s *Server) {
		s.Numbers = NumberRules{Countries: CountriesOf("GB")}
		s.GuardMetrics = g.metrics
		s.Guard = NewGuard(GuardConfig{Store: g.store, Policy: policy, Metrics: g.metrics, Logger: s.Logger, Now: g.clock.Now})
		if configure != nil {
			configure(s, g.store)
		}
	}, "127.0.0.1/32")
	g.verifier.resend = func(c *coffeeshop.Customer) (*coffeeshop.Verification, error) {
		g.resends.Add(1)
		return testVerification(c.ID), nil
	}
	return g
}

var emailSeq atomic.Int64

// create signs up phone as the client at ip.
func (g *guardEdge) create(t *testing.T, ip, phone string) response {
	t.Helper()
	body := fmt.Sprintf(`{"customer":{"first_name":"A","last_name":"B","email":"c%d@example.com","phone_number":%q}}`, emailSeq.Add(1), phone)
	return g.do(t, "POST", "/v1/customers", body, "X-Forwarded-For", ip)
}

// idOf returns the customer ID of a create's answer.
func idOf(t *testing.T, r response) string {
	t.Helper()
	_, rest, ok := strings.Cut(r.body, `"id":"`)
	id, _, ok2 := strings.Cut(rest, `"`)
	if r.status != 200 || !ok || !ok2 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	return id
}

// wantReason fails unless r has status and an ErrorInfo of reason.
func (r response) wantReason(t *testing.T, status int, reason string) {
	t.Helper()
	info := `{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"` + reason + `","domain":"coffeeshop","metadata":{}}`
	if r.status != status || !strings.Contains(r.body, info) {
		t.Errorf("got %d %s\nwant %d with %s", r.status, r.body, status, info)
	}
}

// started is how many sign-ups reached the verifier.
func (g *guardEdge) started() int { return len(g.verifier.startedIDs()) }

// A number of another country is refused with 403 and the reason, before
// anything starts; a GB number is not; "*" takes every country.
func TestCreateRefusesOtherCountries(t *testing.T) {
	g := newGuardEdge(t, LimiterConfig{}, coffeeshop.GuardPolicy{}, nil)
	r := g.create(t, "203.0.113.1", "+12015550123")
	r.wantReason(t, http.StatusForbidden, coffeeshop.ReasonCountryNotAllowed)
	if !strings.Contains(r.body, "customer.phone_number is a number of country US; this service accepts numbers of GB only") {
		t.Errorf("message does not name the country: %s", r.body)
	}
	// Guernsey shares +44 but is a country of its own.
	g.create(t, "203.0.113.1", "+447911123456").wantReason(t, http.StatusForbidden, coffeeshop.ReasonCountryNotAllowed)
	// Country before type: a US toll-free number is refused for its country.
	g.create(t, "203.0.113.1", "+18002345678").wantReason(t, http.StatusForbidden, coffeeshop.ReasonCountryNotAllowed)
	if admits, _ := g.store.calls(); g.started() != 0 || admits != 0 {
		t.Errorf("refused numbers reached the verifier (%d) or the guard (%d)", g.started(), admits)
	}
	g.create(t, "203.0.113.1", gbMobile).wantOK(t)
	refused, _, admitted, _ := g.metrics.snapshot()
	if refused["COUNTRY_NOT_ALLOWED/enforce"] != 3 || admitted["GB"] != 1 {
		t.Errorf("metrics: refused %v admitted %v", refused, admitted)
	}
	if logs := g.logs.String(); !strings.Contains(logs, "phone number of a country not allowed") ||
		!strings.Contains(logs, "country=US") || strings.Contains(logs, "+12015550123") {
		t.Errorf("refusal not logged with the number masked:\n%s", logs)
	}

	all := newGuardEdge(t, LimiterConfig{}, coffeeshop.GuardPolicy{}, func(s *Server, _ *fakeGuardStore) {
		s.Numbers.Countries = AllCountries()
	})
	all.create(t, "203.0.113.1", "+12015550123").wantOK(t)
	all.create(t, "203.0.113.1", "+447911123456").wantOK(t)
}

// In monitor mode a number of another country is counted and logged, and
// let through.
func TestCreateGeoMonitor(t *testing.T) {
	g := newGuardEdge(t, LimiterConfig{}, coffeeshop.GuardPolicy{}, func(s *Server, _ *fakeGuardStore) {
		s.Numbers.GeoMonitor = true
	})
	g.create(t, "203.0.113.1", "+12015550123").wantOK(t)
	refused, _, admitted, _ := g.metrics.snapshot()
	if refused["COUNTRY_NOT_ALLOWED/monitor"] != 1 || refused["COUNTRY_NOT_ALLOWED/enforce"] != 0 || admitted["US"] != 1 {
		t.Errorf("metrics: refused %v admitted %v", refused, admitted)
	}
	logs := g.logs.String()
	if !strings.Contains(logs, "phone number of a country not allowed") || !strings.Contains(logs, "mode=monitor") ||
		!strings.Contains(logs, "country=US") || !strings.Contains(logs, coffeeshop.MaskPhone("+12015550123")) {
		t.Errorf("monitor mode did not log the number masked and its country:\n%s", logs)
	}
	// Number types are refused in monitor mode too.
	g.create(t, "203.0.113.1", "+449098790000").wantReason(t, http.StatusForbidden, coffeeshop.ReasonNumberTypeNotAllowed)
}

// Every type that costs money or cannot receive a text is refused with
// 403, the reason and the type in words; VoIP only without AllowVoIP.
func TestCreateRefusesNumberTypes(t *testing.T) {
	g := newGuardEdge(t, LimiterConfig{}, coffeeshop.GuardPolicy{}, func(s *Server, _ *fakeGuardStore) {
		s.Numbers.Countries = AllCountries()
	})
	cases := []struct {
		number, words string
	}{
		{"+449098790000", "a premium-rate number"},
		{"+448712221234", "a premium-rate number"},
		{exampleOf(t, phonenumbers.SHARED_COST), "a shared-cost number"},
		{"+448001234567", "a toll-free number"},
		{"+445601234567", "a VoIP number"},
		{"+447640123456", "a pager number"},
		{"+445512345678", "a universal access number (UAN)"},
		{exampleOf(t, phonenumbers.VOICEMAIL), "a voicemail access number"},
		{"+447012345678", "a personal (follow-me) number"},
		{"+442079460000", "a fixed-line (landline) number"},
	}
	for _, c := range cases {
		r := g.create(t, "203.0.113.1", c.number)
		r.wantReason(t, http.StatusForbidden, coffeeshop.ReasonNumberTypeNotAllowed)
		if !strings.Contains(r.body, "customer.phone_number is "+c.words+", which cannot be sent verification codes") {
			t.Errorf("%s: message does not name the type %q: %s", c.number, c.words, r.body)
		}
	}
	if n := g.started(); n != 0 {
		t.Errorf("%d refused numbers reached the verifier", n)
	}
	refused, _, _, _ := g.metrics.snapshot()
	if refused["NUMBER_TYPE_NOT_ALLOWED/enforce"] != len(cases) {
		t.Errorf("refusals counted: %v", refused)
	}
	g.create(t, "203.0.113.1", gbMobile).wantOK(t)
	g.create(t, "203.0.113.1", "+12015550123").wantOK(t) // fixed line or mobile

	voip := newGuardEdge(t, LimiterConfig{}, coffeeshop.GuardPolicy{}, func(s *Server, _ *fakeGuardStore) {
		s.Numbers.AllowVoIP = true
	})
	voip.create(t, "203.0.113.1", "+445601234567").wantOK(t)
	voip.create(t, "203.0.113.1", "+448001234567").wantReason(t, http.StatusForbidden, coffeeshop.ReasonNumberTypeNotAllowed)
}

// A blocked prefix is refused with 429, Retry-After, RetryInfo and the
// reason, over HTTP and gRPC; the block is logged and counted; nothing
// starts.
func TestGuardBlocksPrefix(t *testing.T) {
	policy := DefaultGuardPolicy()
	policy.MinSends = 3
	g := newGuardEdge(t, LimiterConfig{}, policy, nil)
	g.create(t, "203.0.113.1", "+447400123001").wantOK(t)
	g.create(t, "203.0.113.2", "+447400123002").wantOK(t)
	r := g.create(t, "203.0.113.3", "+447400123003") // the third unverified send blocks
	r.wantReason(t, http.StatusTooManyRequests, coffeeshop.ReasonPrefixBlocked)
	if got := r.header.Get("Retry-After"); got != "900" {
		t.Errorf("Retry-After = %q, want 900", got)
	}
	if !strings.Contains(r.body, `"retryDelay":"900s"`) || !strings.Contains(r.body, "range are paused") {
		t.Errorf("body: %s", r.body)
	}
	if n := g.started(); n != 2 {
		t.Errorf("%d sign-ups started, want 2", n)
	}
	logs := g.logs.String()
	if !strings.Contains(logs, "SMS guard blocked a number prefix") || !strings.Contains(logs, "prefix=+447400123 country=GB strikes=1") {
		t.Errorf("block not logged:\n%s", logs)
	}
	refused, blocked, _, _ := g.metrics.snapshot()
	if blocked["GB"] != 1 || refused["PREFIX_BLOCKED/enforce"] != 1 {
		t.Errorf("metrics: refused %v blocked %v", refused, blocked)
	}
	// Another prefix goes on; this one, over gRPC, says why it waits.
	g.create(t, "203.0.113.4", "+447400124001").wantOK(t)
	g.clock.Add(time.Minute)
	_, err := grpcClient(t, g.grpcAddr).CreateCustomer(context.Background(), &customerv1.CreateCustomerRequest{
		Customer: &customerv1.Customer{FirstName: "A", LastName: "B", Email: "a@example.com", PhoneNumber: "+447400123999"}})
	st := status.Convert(err)
	var reason string
	var retry time.Duration
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			reason = d.Reason + "/" + d.Domain
		case *errdetails.RetryInfo:
			retry = d.RetryDelay.AsDuration()
		}
	}
	if st.Code() != codes.ResourceExhausted || reason != "PREFIX_BLOCKED/coffeeshop" || retry != 14*time.Minute {
		t.Errorf("gRPC: %v, details %v", st, st.Details())
	}
	// The block ends.
	g.clock.Add(14 * time.Minute)
	g.store.mu.Lock()
	g.store.sends = map[string][]time.Time{} // as if the window had passed
	g.store.mu.Unlock()
	g.create(t, "203.0.113.5", "+447400123005").wantOK(t)
}

// A spent budget refuses every send with 429 and its reason; the metric
// shows what is left.
func TestGuardBudget(t *testing.T) {
	policy := DefaultGuardPolicy()
	policy.Budget, policy.BudgetWindow = 2, time.Hour
	g := newGuardEdge(t, LimiterConfig{}, policy, nil)
	g.create(t, "203.0.113.1", "+447400100001").wantOK(t)
	g.clock.Add(10 * time.Minute)
	g.create(t, "203.0.113.2", "+447400200001").wantOK(t)
	r := g.create(t, "203.0.113.3", "+447400300001")
	r.wantReason(t, http.StatusTooManyRequests, coffeeshop.ReasonSMSBudgetExhausted)
	if got := r.header.Get("Retry-After"); got != "3000" || !strings.Contains(r.body, "as many verification codes as it may") {
		t.Errorf("Retry-After %q, body %s", got, r.body)
	}
	if _, _, _, left := g.metrics.snapshot(); fmt.Sprint(left) != "[1 0 0]" {
		t.Errorf("budget left reported %v, want [1 0 0]", left)
	}
	if n := g.started(); n != 2 {
		t.Errorf("%d sign-ups started, want 2", n)
	}
}

// A guard whose store fails refuses the send (fail closed) with 503, logs
// the cause once, and starts nothing.
func TestGuardFailsClosed(t *testing.T) {
	g := newGuardEdge(t, LimiterConfig{}, coffeeshop.GuardPolicy{}, func(_ *Server, st *fakeGuardStore) {
		st.err = errors.New("database is locked")
	})
	g.create(t, "203.0.113.1", gbMobile).want(t, http.StatusServiceUnavailable,
		`{"code":14,"message":"the SMS guard is unavailable; retry later","details":[]}`)
	if n := g.started(); n != 0 {
		t.Errorf("%d sign-ups started", n)
	}
	if logs := g.logs.String(); strings.Count(logs, "database is locked") != 1 {
		t.Errorf("the cause is not logged once:\n%s", logs)
	}
}

// Off (--no-rate-limit) turns the guard off, not the number rules.
func TestGuardOff(t *testing.T) {
	g := newGuardEdge(t, LimiterConfig{}, coffeeshop.GuardPolicy{}, func(s *Server, st *fakeGuardStore) {
		st.err = errors.New("never asked")
		s.Guard = NewGuard(GuardConfig{Store: st, Policy: DefaultGuardPolicy(), Off: true})
	})
	for i := range 20 {
		g.create(t, "203.0.113.1", fmt.Sprintf("+4474001230%02d", i)).wantOK(t)
	}
	g.create(t, "203.0.113.1", "+12015550123").wantReason(t, http.StatusForbidden, coffeeshop.ReasonCountryNotAllowed)
	g.create(t, "203.0.113.1", "+449098790000").wantReason(t, http.StatusForbidden, coffeeshop.ReasonNumberTypeNotAllowed)
	if admits, _ := g.store.calls(); admits != 0 {
		t.Errorf("the guard was asked %d times", admits)
	}
}

// A resend is a send: the guard is asked after the customer is read and
// its refusal reaches no workflow.
func TestGuardResend(t *testing.T) {
	policy := DefaultGuardPolicy()
	policy.MinSends = 2
	g := newGuardEdge(t, LimiterConfig{}, policy, nil)
	id := idOf(t, g.create(t, "203.0.113.1", gbMobile))
	g.do(t, "POST", "/v1/customers/"+id+":resendCode", "").wantReason(t, http.StatusTooManyRequests, coffeeshop.ReasonPrefixBlocked)
	if n := g.resends.Load(); n != 0 {
		t.Errorf("the refused resend reached the verifier (%d)", n)
	}
	g.do(t, "POST", "/v1/customers/"+uuid.NewString()+":resendCode", "").wantNotFound(t)
	if admits, _ := g.store.calls(); admits != 2 {
		t.Errorf("guard asked %d times, want 2 (an unknown customer is not a send)", admits)
	}
}

// A resend meets the number rules again: a customer whose number was let
// in under --geo-monitor, or before the allowed countries were narrowed,
// is refused 403 on a resend, and nothing reaches the guard or the
// verifier.
func TestResendChecksTheNumberRules(t *testing.T) {
	g := newGuardEdge(t, LimiterConfig{}, coffeeshop.GuardPolicy{}, nil)
	id := uuid.NewString()
	if err := g.harness.store.InsertCustomer(t.Context(), &coffeeshop.Customer{ID: id, FirstName: "Al", LastName: "B",
		Email: "al@example.com", PhoneNumber: "+12015550123"}); err != nil {
		t.Fatal(err)
	}
	g.do(t, "POST", "/v1/customers/"+id+":resendCode", "").wantReason(t, http.StatusForbidden, coffeeshop.ReasonCountryNotAllowed)
	if admits, _ := g.store.calls(); admits != 0 || g.resends.Load() != 0 {
		t.Errorf("the refused resend reached the guard (%d) or the verifier (%d)", admits, g.resends.Load())
	}
	gb := idOf(t, g.create(t, "203.0.113.1", gbMobile))
	g.do(t, "POST", "/v1/customers/"+gb+":resendCode", "").wantOK(t)
}

// wantNotFound fails unless r is a 404.
func (r response) wantNotFound(t *testing.T) {
	t.Helper()
	if r.status != http.StatusNotFound {
		t.Errorf("got %d %s, want 404", r.status, r.body)
	}
}

// A verify answered SUCCESS records the conversion; a wrong code does not;
// a store failure there does not fail the verify.
func TestGuardRecordsVerified(t *testing.T) {
	g := newGuardEdge(t, LimiterConfig{}, coffeeshop.GuardPolicy{}, nil)
	id := idOf(t, g.create(t, "203.0.113.1", gbMobile))
	g.do(t, "POST", "/v1/customers/"+id+":verify", `{"verification_code":"9999"}`).wantOK(t)
	g.do(t, "POST", "/v1/customers/"+id+":verify", `{"verification_code":"1234"}`).wantOK(t)
	if _, rec := g.store.calls(); fmt.Sprint(rec) != "["+id+"]" {
		t.Errorf("recorded %v, want [%s]", rec, id)
	}
	g.store.mu.Lock()
	v := g.store.verified["+447400123"][id]
	g.store.err = errors.New("disk full")
	g.store.mu.Unlock()
	if v.IsZero() {
		t.Error("the verification was not counted for the prefix +447400123")
	}
	g.do(t, "POST", "/v1/customers/"+id+":verify", `{"verification_code":"1234"}`).wantOK(t)
	if !strings.Contains(g.logs.String(), "SMS guard cannot record a verification") {
		t.Errorf("the failure is not logged:\n%s", g.logs)
	}
}

// Test numbers skip the per-address and per-phone limits, the number
// rules (and need not be valid) and the guard.
func TestTestNumbersSkipLimitsAndGuard(t *testing.T) {
	tn, err := coffeeshop.ParseTestNumbers("+447700900000-+447700900999,+12015550199")
	if err != nil {
		t.Fatal(err)
	}
	lim := LimiterConfig{Limits: Limits{
		CreateMethod: {PerIP: Rate{1, time.Hour}, PerPhone: Rate{1, time.Hour}},
		VerifyMethod: {PerIP: Rate{1, time.Hour}, PerPhone: Rate{1, time.Hour}},
		ResendMethod: {PerIP: Rate{1, time.Hour}, PerPhone: Rate{1, time.Hour}},
	}}
	g := newGuardEdge(t, lim, coffeeshop.GuardPolicy{}, func(s *Server, st *fakeGuardStore) {
		st.err = errors.New("the guard must not be asked")
		s.TestNumbers = tn
	})
	const ip = "203.0.113.7"
	id := idOf(t, g.create(t, ip, "+447700900123")) // not valid by libphonenumber
	idOf(t, g.create(t, ip, "+447700900124"))
	idOf(t, g.create(t, ip, "+12015550199")) // another country
	// The same number again: the store's conflict, not a limit.
	if r := g.create(t, ip, "+447700900123"); r.status != http.StatusConflict {
		t.Errorf("repeat: %d %s, want 409", r.status, r.body)
	}
	for range 3 {
		g.do(t, "POST", "/v1/customers/"+id+":verify", `{"verification_code":"1234"}`, "X-Forwarded-For", ip).wantOK(t)
		g.do(t, "POST", "/v1/customers/"+id+":resendCode", "", "X-Forwarded-For", ip).wantOK(t)
	}
	if admits, rec := g.store.calls(); admits != 0 || len(rec) != 0 {
		t.Errorf("the guard was asked %d times and recorded %v", admits, rec)
	}
	// Other numbers still meet every rule.
	g.create(t, "203.0.113.8", "+447700901123").want(t, http.StatusBadRequest,
		`{"code":3,"message":"customer.phone_number must be a valid phone number, such as +14155550100","details":[]}`)
	if r := g.create(t, "203.0.113.9", gbMobile); r.status != http.StatusServiceUnavailable {
		t.Errorf("a real number: %d %s, want 503 from the guard's store", r.status, r.body)
	}
}

// The target, on the real API stack (gateway, gRPC, limits as
// configured by default, SQLite store) with the default guard policy: 200
// sign-ups on numbers that share all but their last two digits, each from a
// new address behind a trusted proxy, never verified, cost at most 30
// texts; 40 customers on prefixes of their own, interleaved, each from its
// own address, all get through and verify.
func TestGuardStopsPumping(t *testing.T) {
	t.Run("fake store", func(t *testing.T) {
		g := newGuardEdge(t, LimiterConfig{Limits: DefaultLimits()}, coffeeshop.GuardPolicy{}, nil)
		stopsPumping(t, g)
		if _, rec := g.store.calls(); len(rec) != 40 {
			t.Errorf("%d verifications recorded, want 40", len(rec))
		}
	})
	t.Run("SQLite store", func(t *testing.T) {
		// The guard on the SQLite store the customers are in.
		var st coffeeshop.GuardStore
		clock := newFakeClock()
		g := newGuardEdge(t, LimiterConfig{Limits: DefaultLimits()}, coffeeshop.GuardPolicy{}, func(s *Server, _ *fakeGuardStore) {
			st = s.Store.(coffeeshop.GuardStore)
			s.Guard = NewGuard(GuardConfig{Store: st, Policy: DefaultGuardPolicy(), Metrics: s.GuardMetrics, Logger: s.Logger, Now: clock.Now})
		})
		stopsPumping(t, g)
		counts, err := st.GuardCountries(context.Background(), clock.Now().Add(-time.Hour))
		if err != nil || len(counts) != 1 || counts[0].Verified != 40 {
			t.Errorf("the store's counts %+v (%v), want 40 verifications in GB", counts, err)
		}
	})
}

// stopsPumping runs the attack with interleaved legitimate
// customers against g.
func stopsPumping(t *testing.T, g *guardEdge) {
	t.Helper()
	texts, legit := 0, 0
	for i := range 200 {
		r := g.create(t, fmt.Sprintf("198.18.%d.%d", i/200, i%200+1), fmt.Sprintf("+4474001234%02d", i%100))
		switch r.status {
		case http.StatusOK:
			texts++
		case http.StatusTooManyRequests, http.StatusConflict:
		default:
			t.Fatalf("attack create %d: %d %s", i, r.status, r.body)
		}
		if i%5 == 4 {
			ip := fmt.Sprintf("203.0.113.%d", legit+1)
			id := idOf(t, g.create(t, ip, fmt.Sprintf("+4474%02d%03d555", 10+legit, legit)))
			if r := g.verifyFrom(t, ip, id); !strings.Contains(r.body, `"result":"VERIFICATION_RESULT_SUCCESS"`) {
				t.Fatalf("legitimate customer %d: %d %s", legit, r.status, r.body)
			}
			legit++
		}
	}
	if texts > 30 {
		t.Errorf("the attack cost %d texts, want at most 30", texts)
	}
	if legit != 40 {
		t.Errorf("%d legitimate customers verified, want 40", legit)
	}
	t.Logf("attack texts: %d of 200 sign-ups", texts)
}
