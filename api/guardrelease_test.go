package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// newReleaseEdge is a guardEdge with the default policy (a prefix's 10th
// unverified text in an hour blocks it) whose guard keeps its counts in
// the fake store, or in the harness's SQLite store when store is "sqlite".
func newReleaseEdge(t *testing.T, store string) *guardEdge {
	t.Helper()
	return newGuardEdge(t, LimiterConfig{}, coffeeshop.GuardPolicy{}, func(s *Server, _ *fakeGuardStore) {
		if store == "sqlite" {
			s.Guard.cfg.Store = s.Store.(coffeeshop.GuardStore)
		}
	})
}

// prefixNumber is the i-th number of gbMobile's prefix, +447400123.
func prefixNumber(i int) string { return fmt.Sprintf("+447400123%03d", i) }

// wantPrefixRoom fails t unless exactly n more creates on gbMobile's prefix
// are admitted before the prefix blocks: it holds 9-n counted texts. It
// uses the numbers from first on.
func (g *guardEdge) wantPrefixRoom(t *testing.T, first, n int) {
	t.Helper()
	for i := range n {
		if r := g.create(t, "203.0.113.1", prefixNumber(first+i)); r.status != http.StatusOK {
			t.Fatalf("create %d of %d the prefix should still take: %d %s", i+1, n, r.status, r.body)
		}
	}
	g.create(t, "203.0.113.1", prefixNumber(first+n)).wantReason(t, http.StatusTooManyRequests, coffeeshop.ReasonPrefixBlocked)
}

// setSignUpErr makes the harness's verifier answer every create with err
// (none with nil).
func (g *guardEdge) setSignUpErr(err error) {
	g.verifier.mu.Lock()
	defer g.verifier.mu.Unlock()
	g.verifier.startErr = err
}

// A resend the workflow refuses sent no text, so the guard does not count
// it: one customer tapping resend 20 times into the cooldown or the
// per-phone cap leaves its prefix's neighbours alone. A resend that failed
// as unavailable may have been texted and stays counted. On the fake store
// and SQLite's.
func TestGuardReleasesRefusedResends(t *testing.T) {
	for _, store := range []string{"fake", "sqlite"} {
		t.Run(store, func(t *testing.T) {
			g := newReleaseEdge(t, store)
			id := idOf(t, g.create(t, "203.0.113.1", gbMobile)) // 1 counted
			refusals := []error{
				&coffeeshop.Error{Code: coffeeshop.ETOOMANY, RetryAfter: 30 * time.Second, Message: "a code was sent less than 30s ago"},
				&coffeeshop.Error{Code: coffeeshop.ETOOMANY, RetryAfter: time.Hour, Message: "no more codes can be sent to this phone number now"},
				coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "the verification code could not be delivered"),
				coffeeshop.Errorf(coffeeshop.ECONFLICT, "customer %s is already verified", id),
			}
			var answer error
			g.verifier.resend = func(*coffeeshop.Customer) (*coffeeshop.Verification, error) {
				g.resends.Add(1)
				return nil, answer
			}
			for i := range 20 {
				answer = refusals[i%len(refusals)]
				r := g.do(t, "POST", "/v1/customers/"+id+":resendCode", "")
				if r.status == http.StatusOK || strings.Contains(r.body, coffeeshop.ReasonPrefixBlocked) {
					t.Fatalf("refused resend %d: %d %s, want the verifier's refusal", i+1, r.status, r.body)
				}
			}
			if n := g.resends.Load(); n != 20 {
				t.Fatalf("%d resends reached the verifier, want 20", n)
			}
			if n := g.metrics.releasedBy("GB"); n != 20 {
				t.Errorf("released sends counted %d, want 20", n)
			}
			answer = coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "verification service unavailable, retry later")
			g.do(t, "POST", "/v1/customers/"+id+":resendCode", "").wantStatus(t, http.StatusServiceUnavailable) // 2 counted
			g.wantPrefixRoom(t, 0, 7)
		})
	}
}

// A create the Verifier refuses before texting (409: the number or email
// is another customer's; 400: the store refused a value) does not count;
// one that failed as unavailable may have been texted and counts. A
// create repeating a request_id admitted before is that create's text:
// its refusal takes nothing back. On the fake store and SQLite's.
func TestGuardReleasesRefusedCreates(t *testing.T) {
	for _, store := range []string{"fake", "sqlite"} {
		t.Run(store, func(t *testing.T) {
			g := newReleaseEdge(t, store)
			createWith := func(requestID, phone string) response {
				t.Helper()
				body := fmt.Sprintf(`{"request_id":%q,"customer":{"first_name":"A","last_name":"B","email":"%s@example.com","phone_number":%q}}`,
					requestID, requestID, phone)
				return g.do(t, "POST", "/v1/customers", body, "X-Forwarded-For", "203.0.113.1")
			}
			createWith("first", gbMobile).wantOK(t) // 1 counted

			g.setSignUpErr(coffeeshop.Errorf(coffeeshop.ECONFLICT, "customer.phone_number is already in use"))
			for i := range 10 {
				g.create(t, "203.0.113.1", prefixNumber(i)).wantStatus(t, http.StatusConflict)
				createWith("taken", prefixNumber(i)).wantStatus(t, http.StatusConflict)
			}
			// The repeat of "first" is allowed as that text; it is not
			// taken back.
			createWith("first", gbMobile).wantStatus(t, http.StatusConflict)
			g.setSignUpErr(coffeeshop.Errorf(coffeeshop.EINVALID, "customer.email is not an email address"))
			g.create(t, "203.0.113.1", gbMobile).wantStatus(t, http.StatusBadRequest)
			g.setSignUpErr(coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "verification service unavailable, retry later"))
			g.create(t, "203.0.113.1", gbMobile).wantStatus(t, http.StatusServiceUnavailable) // 2 counted
			g.setSignUpErr(nil)
			g.wantPrefixRoom(t, 100, 7)
		})
	}
}

// A release the store fails is logged at warn, without the number, and
// the client's answer is the Verifier's; the send stays counted.
func TestGuardReleaseFailureIsLogged(t *testing.T) {
	g := newReleaseEdge(t, "fake")
	g.store.mu.Lock()
	g.store.releaseErr = errors.New("disk full")
	g.store.mu.Unlock()
	g.setSignUpErr(coffeeshop.Errorf(coffeeshop.ECONFLICT, "customer.phone_number is already in use"))
	g.create(t, "203.0.113.1", gbMobile).want(t, http.StatusConflict,
		`{"code":6,"message":"customer.phone_number is already in use","details":[]}`)
	logs := g.logs.String()
	if !strings.Contains(logs, "SMS guard cannot release a send") || !strings.Contains(logs, "disk full") ||
		!strings.Contains(logs, "level=WARN") || strings.Contains(logs, gbMobile) {
		t.Errorf("the failed release is not logged at warn without the number:\n%s", logs)
	}
	if releases, keys := g.store.released(); releases != 1 || keys != 1 {
		t.Errorf("%d releases asked, %d keys remembered; want 1 and 1 (still counted)", releases, keys)
	}
	if n := g.metrics.releasedBy("GB"); n != 0 {
		t.Errorf("a failed release counted as released (%d)", n)
	}
}

// wantStatus fails t unless r has status.
func (r response) wantStatus(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Errorf("got %d %s, want %d", r.status, r.body, status)
	}
}
