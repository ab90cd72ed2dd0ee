package api

import (
	"context"

	"github.com/coffeeshop/coffeeshop"

	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// CreateCustomer validates the customer and has the Verifier create it
// together with its verification. The request's request_id makes the call
// idempotent, also for concurrent duplicates; the client's id and
// phone_verified are ignored. The number must be of an allowed country and
// type (Numbers), and the Guard must admit the text, before the Verifier is
// asked; test numbers skip both. The Guard counts the creates of one
// request_id once. The optional locale (a BCP 47 tag) chooses the
// language of the texts; it is not part of the request's identity. With
// Tokens set, the answer carries the
// customer's verification token.
func (s *Server) CreateCustomer(ctx context.Context, req *customerv1.CreateCustomerRequest) (*customerv1.CreateCustomerResponse, error) {
	c, err := s.newCustomer(req.GetCustomer())
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	// Checked before the guard remembers it as a key (the Verifier checks
	// it too).
	requestID := req.GetRequestId()
	if requestID != "" && !coffeeshop.ValidRequestID(requestID) {
		return nil, s.statusError(ctx, invalid("%s must be at most %d printable ASCII characters without spaces",
			coffeeshop.FieldRequestID, coffeeshop.MaxRequestIDLen))
	}
	locale := req.GetLocale()
	if err := checkLocale(locale); err != nil {
		return nil, s.statusError(ctx, err)
	}
	c.Locale = locale
	// Nothing has started yet: a refused number leaves nothing behind.
	if !s.TestNumbers.Contains(c.PhoneNumber) {
		country, err := s.checkNumber(ctx, c.PhoneNumber)
		if err == nil {
			err = s.Guard.admit(ctx, c.PhoneNumber, country, createKey(requestID))
		}
		if err != nil {
			return nil, s.statusError(ctx, err)
		}
	}
	created, err := s.Verifier.SignUp(ctx, c, requestID)
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	resp := &customerv1.CreateCustomerResponse{Customer: customerToProto(created)}
	if s.Tokens != nil {
		// From the stored creation time, so that a repeated create answers
		// the same token.
		resp.VerificationToken = s.Tokens.Issue(created.ID, created.CreatedAt.Add(s.TokenTTL))
	}
	return resp, nil
}
