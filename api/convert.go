package api

import (
	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// customerToProto returns the wire form of c.
func customerToProto(c *coffeeshop.Customer) *customerv1.Customer {
	return &customerv1.Customer{
		Id:            c.ID,
		FirstName:     c.FirstName,
		LastName:      c.LastName,
		Email:         c.Email,
		PhoneNumber:   c.PhoneNumber,
		PhoneVerified: c.PhoneVerified,
	}
}

// results pairs every domain verification result with its enum value on the
// wire. Both conversions read this one table so that they cannot disagree.
var results = [...]struct {
	domain coffeeshop.VerificationResult
	wire   customerv1.VerificationResult
}{
	{coffeeshop.VerificationUnspecified, customerv1.VerificationResult_VERIFICATION_RESULT_UNSPECIFIED},
	{coffeeshop.VerificationInProgress, customerv1.VerificationResult_VERIFICATION_RESULT_IN_PROGRESS},
	{coffeeshop.VerificationCodeExpired, customerv1.VerificationResult_VERIFICATION_RESULT_CODE_EXPIRED},
	{coffeeshop.VerificationIncorrectCode, customerv1.VerificationResult_VERIFICATION_RESULT_INCORRECT_CODE},
	{coffeeshop.VerificationMaxAttemptsReached, customerv1.VerificationResult_VERIFICATION_RESULT_MAX_ATTEMPTS_REACHED},
	{coffeeshop.VerificationSuccess, customerv1.VerificationResult_VERIFICATION_RESULT_SUCCESS},
}

// resultToProto returns the wire value of r, and false when r is not a known
// result.
func resultToProto(r coffeeshop.VerificationResult) (customerv1.VerificationResult, bool) {
	for _, p := range results {
		if p.domain == r {
			return p.wire, true
		}
	}
	return customerv1.VerificationResult_VERIFICATION_RESULT_UNSPECIFIED, false
}

// resultFromProto returns the domain value of r, and false when r is not a
// known enum value.
func resultFromProto(r customerv1.VerificationResult) (coffeeshop.VerificationResult, bool) {
	for _, p := range results {
		if p.wire == r {
			return p.domain, true
		}
	}
	return coffeeshop.VerificationUnspecified, false
}
