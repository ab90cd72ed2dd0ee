package api

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// idempotentVerifier answers a create repeated with the same request_id
// with the customer of the first, as verify.Client does, and passes the
// rest to the harness's fakeVerifier.
type idempotentVerifier struct {
	*fakeVerifier
	mu      sync.Mutex
	created map[string]*coffeeshop.Customer
}

func (v *idempotentVerifier) SignUp(ctx context.Context, c *coffeeshop.Customer, requestID string) (*coffeeshop.Customer, error) {
	if requestID == "" {
		return v.fakeVerifier.SignUp(ctx, c, requestID)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if prev := v.created[requestID]; prev != nil {
		return prev, nil
	}
	created, err := v.fakeVerifier.SignUp(ctx, c, requestID)
	if err == nil {
		v.created[requestID] = created
	}
	return created, err
}

// Duplicates of one create (the same request_id), concurrent or retried
// later, count as one text for the guard: they neither block the prefix
// nor are refused by a block that began after the first was admitted,
// and the admitted-sends metric counts them once. A resend and a create of
// another request_id count as usual. On the fake store and SQLite's.
func TestGuardCountsRetriedCreateOnce(t *testing.T) {
	for _, name := range []string{"fake", "sqlite"} {
		t.Run(name, func(t *testing.T) {
			policy := DefaultGuardPolicy()
			policy.MinSends = 3
			g := newGuardEdge(t, LimiterConfig{}, policy, func(s *Server, _ *fakeGuardStore) {
				s.Verifier = &idempotentVerifier{fakeVerifier: s.Verifier.(*fakeVerifier), created: map[string]*coffeeshop.Customer{}}
				if name == "sqlite" {
					s.Guard.cfg.Store = s.Store.(coffeeshop.GuardStore)
				}
			})
			createWith := func(ip, requestID, phone string) response {
				t.Helper()
				body := fmt.Sprintf(`{"request_id":%q,"customer":{"first_name":"A","last_name":"B","email":"%s@example.com","phone_number":%q}}`,
					requestID, requestID, phone)
				return g.do(t, "POST", "/v1/customers", body, "X-Forwarded-For", ip)
			}

			// Eight concurrent duplicates: one text counted (a third
			// counted send would block the prefix).
			const dups = 8
			rs := make([]response, dups)
			var wg sync.WaitGroup
			for i := range dups {
				wg.Go(func() { rs[i] = createWith(fmt.Sprintf("203.0.113.%d", i+1), "retry-1", "+447400123001") })
			}
			wg.Wait()
			first := idOf(t, rs[0])
			for i, r := range rs {
				if idOf(t, r) != first {
					t.Errorf("duplicate %d: customer %s, want %s", i, idOf(t, r), first)
				}
			}
			if _, _, admitted, _ := g.metrics.snapshot(); admitted["GB"] != 1 {
				t.Errorf("admitted sends counted %v after %d duplicates, want GB: 1", admitted, dups)
			}
			createWith("203.0.113.20", "retry-2", "+447400123002").wantOK(t)
			// The third counted send blocks the prefix.
			createWith("203.0.113.21", "retry-3", "+447400123003").wantReason(t, http.StatusTooManyRequests, coffeeshop.ReasonPrefixBlocked)

			// During the block a retry of an admitted create still answers;
			// a retry of the refused one is refused again.
			g.clock.Add(time.Minute)
			if r := createWith("203.0.113.22", "retry-1", "+447400123001"); idOf(t, r) != first {
				t.Errorf("retry during the block: customer %s, want %s", idOf(t, r), first)
			}
			createWith("203.0.113.23", "retry-3", "+447400123003").wantReason(t, http.StatusTooManyRequests, coffeeshop.ReasonPrefixBlocked)
			g.do(t, "POST", "/v1/customers/"+first+":resendCode", "", "X-Forwarded-For", "203.0.113.24").
				wantReason(t, http.StatusTooManyRequests, coffeeshop.ReasonPrefixBlocked)
			if n := g.started(); n != 2 {
				t.Errorf("%d sign-ups reached the verifier, want 2", n)
			}
			if _, _, admitted, _ := g.metrics.snapshot(); admitted["GB"] != 2 {
				t.Errorf("admitted sends counted %v, want GB: 2", admitted)
			}
		})
	}
}

// A create whose request_id is not one is refused before the guard
// counts it.
func TestCreateRefusesBadRequestIDBeforeGuard(t *testing.T) {
	g := newGuardEdge(t, LimiterConfig{}, coffeeshop.GuardPolicy{}, nil)
	body := `{"request_id":"a b","customer":{"first_name":"A","last_name":"B","email":"x@example.com","phone_number":"+447400123001"}}`
	r := g.do(t, "POST", "/v1/customers", body, "X-Forwarded-For", "203.0.113.1")
	if r.status != http.StatusBadRequest {
		t.Errorf("got %d %s, want 400", r.status, r.body)
	}
	if admits, _ := g.store.calls(); admits != 0 || g.started() != 0 {
		t.Errorf("%d guard calls and %d sign-ups after a bad request_id, want none", admits, g.started())
	}
}
