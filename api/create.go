package api

import (
	"context"
	"slices"
	"strings"

	"github.com/coffeeshop/coffeeshop"

	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// CreateCustomer validates the customer and has the Verifier create it
// together with its verification. The request's request_id makes the call
// idempotent, also for concurrent duplicates; the client's id and
// phone_verified are ignored. The number must be of an allowed country and
// type (Numbers), and the Guard must admit the text, before the Verifier is
// asked; test numbers skip both. The Guard counts the creates of one
// request_id once, and not at all when the Verifier refuses the create
// before texting (createSentNothing). The optional locale (a BCP 47 tag) chooses the
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
	if p := checkText(requestID); p != "" {
		return nil, s.statusError(ctx, invalid("%s %s", coffeeshop.FieldRequestID, p))
	}
	if requestID != "" && !coffeeshop.ValidRequestID(requestID) {
		return nil, s.statusError(ctx, invalid("%s must be at most %d printable ASCII characters without spaces",
			coffeeshop.FieldRequestID, coffeeshop.MaxRequestIDLen))
	}
	locale := req.GetLocale()
	if err := checkLocale(locale); err != nil {
		return nil, s.statusError(ctx, err)
	}
	c.Locale = locale
	if ch := req.GetChannel(); ch != "" {
		if ctx, err = s.withChannel(ctx, ch); err != nil {
			return nil, s.statusError(ctx, err)
		}
	}
	// Nothing has started yet: a refused number leaves nothing behind.
	var admitted admission
	if !s.TestNumbers.Contains(c.PhoneNumber) {
		country, err := s.checkNumber(ctx, c.PhoneNumber)
		if err == nil {
			admitted, err = s.Guard.admit(ctx, c.PhoneNumber, country, createKey(requestID))
		}
		if err != nil {
			return nil, s.statusError(ctx, err)
		}
	}
	created, err := s.Verifier.SignUp(ctx, c, requestID)
	if err != nil {
		if createSentNothing(err) {
			s.Guard.release(ctx, admitted)
		}
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

// createSentNothing reports whether SignUp's err means that no code was
// texted: ECONFLICT (the number or email is another customer's, or the
// request_id was used with other fields) and EINVALID (the store refused a
// value) come before the workflow's first code, which is sent only once
// the customer is stored. Any other failure may follow a text: after a
// timeout or EUNAVAILABLE the workflow may have started, and it texts the
// first code whatever became of the call, so its count stays.
func createSentNothing(err error) bool {
	switch coffeeshop.ErrorCode(err) {
	case coffeeshop.ECONFLICT, coffeeshop.EINVALID:
		return true
	}
	return false
}

// withChannel returns ctx asking for the create's channel name, or
// EINVALID when it is no channel or not one Channels enables (checked here
// too, before the guard counts the create).
func (s *Server) withChannel(ctx context.Context, name string) (context.Context, error) {
	ch, err := coffeeshop.ParseChannel(name)
	if err != nil {
		return ctx, invalid("%s: %s", coffeeshop.FieldChannel, coffeeshop.ErrorMessage(err))
	}
	enabled := s.Channels
	if len(enabled) == 0 {
		enabled = []coffeeshop.Channel{coffeeshop.ChannelSMS}
	}
	if !slices.Contains(enabled, ch) {
		names := make([]string, len(enabled))
		for i, c := range enabled {
			names[i] = string(c)
		}
		return ctx, invalid("%s %q is not enabled on this server: one of %s", coffeeshop.FieldChannel, name,
			strings.Join(names, ", "))
	}
	return coffeeshop.WithChannel(ctx, ch), nil
}
