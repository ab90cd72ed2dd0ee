package api

import (
	"context"
	"errors"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// CustomerCreator creates a customer together with its verification, so
// that neither exists without the other. The Server's Verifier must
// implement it (verify.Client does).
type CustomerCreator interface {
	// CreateCustomer stores c (its names, email and normalized phone
	// number; ID and PhoneVerified are chosen by the creator) and starts
	// its verification, and returns the stored customer. A non-empty
	// requestID makes it idempotent: the same requestID with the same
	// fields answers with the same customer, with other fields ECONFLICT.
	// A phone number or email another customer has is ECONFLICT naming the
	// field.
	CreateCustomer(ctx context.Context, c *coffeeshop.Customer, requestID string) (*coffeeshop.Customer, error)
}

// CreateCustomer validates the customer and has the Verifier create it
// together with its verification. The request's request_id makes the call
// idempotent, also for concurrent duplicates; the client's id and
// phone_verified are ignored.
func (s *Server) CreateCustomer(ctx context.Context, req *customerv1.CreateCustomerRequest) (*customerv1.CreateCustomerResponse, error) {
	c, err := newCustomer(req.GetCustomer(), s.phoneRegion())
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	creator, ok := s.Verifier.(CustomerCreator)
	if !ok {
		return nil, s.statusError(ctx, errors.New("api: the verifier cannot create customers"))
	}
	created, err := creator.CreateCustomer(ctx, c, req.GetRequestId())
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	return &customerv1.CreateCustomerResponse{Customer: customerToProto(created)}, nil
}
