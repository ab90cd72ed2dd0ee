package api

import (
	"context"
	"testing"

	"google.golang.org/grpc/metadata"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// What authentication adds to one call, with the key in the cache as it is
// for all but one call per key every KeyCacheTTL: docs/benchmarks.md
// compares it with what a verification costs.
func BenchmarkAdmitKey(b *testing.B) {
	keys := newFakeKeys()
	full, k, err := coffeeshop.NewAPIKey("bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := keys.InsertAPIKey(context.Background(), k); err != nil {
		b.Fatal(err)
	}
	a, err := NewAuthenticator(AuthConfig{Keys: keys})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Wait()
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(authorizationMetadata, "Bearer "+full))
	req := &customerv1.VerifyCustomerRequest{CustomerId: "0b5e9f37-6a3c-4f0e-9d55-1c2f3a4b5d6e", VerificationCode: "1234"}
	const method = "/customer.v1.CustomerService/VerifyCustomer"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.admit(ctx, method, req); err != nil {
			b.Fatal(err)
		}
	}
}

// The same for a customer's verification token.
func BenchmarkAdmitToken(b *testing.B) {
	tokens := coffeeshop.NewTokenIssuer(make([]byte, 32))
	a, err := NewAuthenticator(AuthConfig{Keys: newFakeKeys(), Tokens: tokens})
	if err != nil {
		b.Fatal(err)
	}
	const id = "0b5e9f37-6a3c-4f0e-9d55-1c2f3a4b5d6e"
	token := tokens.Issue(id, a.cfg.Now().Add(24*3600e9))
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(authorizationMetadata, "Bearer "+token))
	req := &customerv1.VerifyCustomerRequest{CustomerId: id, VerificationCode: "1234"}
	const method = "/customer.v1.CustomerService/VerifyCustomer"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.admit(ctx, method, req); err != nil {
			b.Fatal(err)
		}
	}
}
