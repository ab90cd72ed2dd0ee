package api

import (
	"context"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// ResendCode texts the customer a fresh code through the Verifier. The
// customer is read from the store first: an unknown customer is NotFound,
// and a verified one is AlreadyExists without asking the Verifier; then its
// number must be of an allowed country (checkCountry) and the Guard admit
// the text, which it counts unless the Verifier then
// refuses it without texting (resendSentNothing). Over a
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
	// The allowed countries and the guard refuse before the workflow is
	// asked: no text. The countries are checked again, so that a customer
	// created before --allowed-countries was narrowed (or under
	// --geo-monitor) is not texted on a resend either; the number's type
	// was checked at its create and does not change.
	var admitted admission
	if !s.TestNumbers.Contains(c.PhoneNumber) {
		country, _, err := s.checkCountry(ctx, c.PhoneNumber)
		if err == nil {
			admitted, err = s.Guard.admit(ctx, c.PhoneNumber, country, resendKey())
		}
		if err != nil {
			return nil, s.statusError(ctx, err)
		}
	}
	v, err := s.Verifier.ResendCode(ctx, c)
	if resendSentNothing(err) {
		s.Guard.release(ctx, admitted)
	}
	pv, err := verificationToProto(v, err)
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	return &customerv1.ResendCodeResponse{Verification: pv}, nil
}

// resendSentNothing reports whether ResendCode's err means that no code was
// texted: the workflow refused the resend (ETOOMANY: the cooldown, the
// verification's most sends, the per-phone cap), the customer is verified
// already (ECONFLICT), has no verification (ENOTFOUND), or the SMS provider
// refused the fresh code for good (EUNDELIVERABLE). Any other failure may
// follow a text: after a timeout or EUNAVAILABLE the Update or the
// restarted run may have sent it, so its count stays.
func resendSentNothing(err error) bool {
	switch coffeeshop.ErrorCode(err) {
	case coffeeshop.ETOOMANY, coffeeshop.ECONFLICT, coffeeshop.ENOTFOUND, coffeeshop.EUNDELIVERABLE:
		return true
	}
	return false
}
