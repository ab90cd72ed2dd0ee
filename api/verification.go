package api

import (
	"context"

	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// GetVerification returns the state of the customer's latest verification,
// or NotFound when the customer has none.
func (s *Server) GetVerification(ctx context.Context, req *customerv1.GetVerificationRequest) (*customerv1.GetVerificationResponse, error) {
	id, err := customerID(req)
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	pv, err := verificationToProto(s.Verifier.GetVerification(ctx, id))
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	return &customerv1.GetVerificationResponse{Verification: pv}, nil
}
