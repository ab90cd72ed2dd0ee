package api

import (
	"context"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// ResendCode texts the customer a fresh code through the Verifier. The
// customer is read from the store first: an unknown customer is NotFound,
// and a verified one is AlreadyExists without asking the Verifier; then the
// Guard must admit the text. Over a
// limit the Verifier's ETOOMANY becomes ResourceExhausted with the time to
// wait (error.go).
func (s *Server) ResendCode(ctx context.Context, req *customerv1.ResendCodeRequest) (*customerv1.ResendCodeResponse, error) {
	c, err := s.customer(ctx, req)
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	if c.PhoneVerified {
		return nil, s.statusError(ctx, coffeeshop.Errorf(coffeeshop.ECONFLICT, "customer %s is already verified", c.ID))
	}
	// The guard's refusal comes before the workflow is asked: no text.
	if !s.TestNumbers.Contains(c.PhoneNumber) {
		country, _ := regionOf(c.PhoneNumber)
		if err := s.Guard.admit(ctx, c.PhoneNumber, country, ""); err != nil {
			return nil, s.statusError(ctx, err)
		}
	}
	pv, err := verificationToProto(s.Verifier.ResendCode(ctx, c))
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	return &customerv1.ResendCodeResponse{Verification: pv}, nil
}
