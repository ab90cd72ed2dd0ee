package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// cleanupTimeout bounds the removal of a customer whose verification could
// not be started.
const cleanupTimeout = 5 * time.Second

// CreateCustomer validates the customer, stores it under a new UUID and
// starts the verification of its phone number. When the verification cannot
// be started the customer is removed again, so that no customer exists that
// could never be verified.
//
// The request's request_id is accepted because it is part of the wire format,
// but creation does not use it yet: every call creates a new customer, even
// when a client repeats a request_id.
func (s *Server) CreateCustomer(ctx context.Context, req *customerv1.CreateCustomerRequest) (*customerv1.CreateCustomerResponse, error) {
	c, err := newCustomer(req.GetCustomer(), s.phoneRegion())
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	c.ID = id.String()

	if err := s.Store.CreateCustomer(ctx, c); err != nil {
		return nil, s.statusError(ctx, err)
	}
	if err := s.Verifier.StartVerification(ctx, c); err != nil {
		s.removeCustomer(ctx, c.ID)
		return nil, s.statusError(ctx, err)
	}
	return &customerv1.CreateCustomerResponse{Customer: customerToProto(c)}, nil
}

// removeCustomer deletes a customer that was just created, on a context of
// its own so that a client hanging up does not leave the row behind. It is
// best effort: a failure is logged and the original error stands.
func (s *Server) removeCustomer(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := s.Store.DeleteCustomer(ctx, id); err != nil {
		s.logger().LogAttrs(ctx, slog.LevelError, "cannot remove customer whose verification did not start",
			slog.String("customer_id", id),
			slog.String("error", err.Error()))
	}
}
