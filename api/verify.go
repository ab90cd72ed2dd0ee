package api

import (
	"context"
	"fmt"
	"strings"

	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// VerifyCustomer passes one verification attempt to the Verifier and returns
// its result. Over HTTP the customer ID comes from the path.
func (s *Server) VerifyCustomer(ctx context.Context, req *customerv1.VerifyCustomerRequest) (*customerv1.VerifyCustomerResponse, error) {
	id, err := parseID("customer_id", req.GetCustomerId())
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	code := strings.TrimSpace(req.GetVerificationCode())
	if code == "" {
		return nil, s.statusError(ctx, invalid("verification_code is required"))
	}
	res, err := s.Verifier.Verify(ctx, id, code)
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	// The Verifier must report what this attempt did; "unspecified" or an
	// unknown value would leave the client guessing, so it is a failure of
	// the service and not an answer.
	wire, ok := resultToProto(res)
	if !ok || wire == customerv1.VerificationResult_VERIFICATION_RESULT_UNSPECIFIED {
		return nil, s.statusError(ctx, fmt.Errorf("verifier returned result %d (%v) for customer %s", int(res), res, id))
	}
	return &customerv1.VerifyCustomerResponse{CustomerId: id, Result: wire}, nil
}
