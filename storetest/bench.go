package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// BenchmarkCreateGet measures one InsertCustomer followed by one
// GetCustomer of the new customer, the path of a sign-up, on s.
func BenchmarkCreateGet(b *testing.B, s coffeeshop.CustomerStore) {
	ctx := b.Context()
	for b.Loop() {
		c := newCustomer()
		if err := s.InsertCustomer(ctx, c); err != nil {
			b.Fatal(err)
		}
		if _, err := s.GetCustomer(ctx, c.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdmitSend measures one AdmitSend with the default policy and a
// budget, the guard's cost on every create: sends spread over 1,000
// prefixes of one country, a millisecond apart, so that windows fill as in
// a busy hour and the prunes run.
func BenchmarkAdmitSend(b *testing.B, g coffeeshop.GuardStore) {
	ctx := b.Context()
	p := guardPolicy
	p.MaxBlock = 24 * time.Hour
	p.Budget, p.BudgetWindow = 1_000_000_000, 24*time.Hour
	now, i := guardClock(), 0
	for b.Loop() {
		s := coffeeshop.GuardSend{Prefix: fmt.Sprintf("+44791%04d", i%1000), Country: "GB"}
		if _, err := g.AdmitSend(ctx, s, p, now.Add(time.Duration(i)*time.Millisecond)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
