package storetest

import (
	"testing"

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
