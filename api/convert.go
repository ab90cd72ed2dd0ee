package api

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

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
	{coffeeshop.VerificationExpired, customerv1.VerificationResult_VERIFICATION_RESULT_EXPIRED},
	{coffeeshop.VerificationUndeliverable, customerv1.VerificationResult_VERIFICATION_RESULT_UNDELIVERABLE},
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

// statuses pairs every domain verification status with its enum value on
// the wire, like results.
var statuses = [...]struct {
	domain coffeeshop.VerificationStatus
	wire   customerv1.VerificationStatus
}{
	{coffeeshop.VerificationStatusUnspecified, customerv1.VerificationStatus_VERIFICATION_STATUS_UNSPECIFIED},
	{coffeeshop.VerificationStatusInProgress, customerv1.VerificationStatus_VERIFICATION_STATUS_IN_PROGRESS},
	{coffeeshop.VerificationStatusVerified, customerv1.VerificationStatus_VERIFICATION_STATUS_VERIFIED},
	{coffeeshop.VerificationStatusMaxAttemptsReached, customerv1.VerificationStatus_VERIFICATION_STATUS_MAX_ATTEMPTS_REACHED},
	{coffeeshop.VerificationStatusExpired, customerv1.VerificationStatus_VERIFICATION_STATUS_EXPIRED},
	{coffeeshop.VerificationStatusUndeliverable, customerv1.VerificationStatus_VERIFICATION_STATUS_UNDELIVERABLE},
}

// statusToProto returns the wire value of s, and false when s is not a known
// status.
func statusToProto(s coffeeshop.VerificationStatus) (customerv1.VerificationStatus, bool) {
	for _, p := range statuses {
		if p.domain == s {
			return p.wire, true
		}
	}
	return customerv1.VerificationStatus_VERIFICATION_STATUS_UNSPECIFIED, false
}

// statusFromProto returns the domain value of s, and false when s is not a
// known enum value.
func statusFromProto(s customerv1.VerificationStatus) (coffeeshop.VerificationStatus, bool) {
	for _, p := range statuses {
		if p.wire == s {
			return p.domain, true
		}
	}
	return coffeeshop.VerificationStatusUnspecified, false
}

// verificationToProto returns the wire form of v. A verification without a
// known status is a failure of the Verifier, not an answer.
func verificationToProto(v *coffeeshop.Verification) (*customerv1.Verification, error) {
	if v == nil {
		return nil, fmt.Errorf("verifier returned no verification")
	}
	st, ok := statusToProto(v.Status)
	if !ok || st == customerv1.VerificationStatus_VERIFICATION_STATUS_UNSPECIFIED {
		return nil, fmt.Errorf("verifier returned status %d (%v) for customer %s", int(v.Status), v.Status, v.CustomerID)
	}
	return &customerv1.Verification{
		CustomerId:    v.CustomerID,
		Status:        st,
		AttemptsLeft:  uint32(max(v.AttemptsLeft, 0)),
		SendsLeft:     uint32(max(v.SendsLeft, 0)),
		CodeExpiresAt: timestampOrNil(v.CodeExpiresAt),
		ExpiresAt:     timestampOrNil(v.ExpiresAt),
	}, nil
}

// timestampOrNil leaves an unknown time out of the message (JSON null).
func timestampOrNil(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
