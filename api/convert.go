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

// enumPair is a domain value and its enum value on the wire.
type enumPair[D, W comparable] struct {
	domain D
	wire   W
}

// enumTable lists every value of a domain enum with its value on the wire.
type enumTable[D, W comparable] []enumPair[D, W]

// toWire returns the wire value of d, and false when d is not in the table.
func (t enumTable[D, W]) toWire(d D) (W, bool) {
	for _, p := range t {
		if p.domain == d {
			return p.wire, true
		}
	}
	var zero W
	return zero, false
}

// toDomain returns the domain value of w, and false when w is not in the
// table.
func (t enumTable[D, W]) toDomain(w W) (D, bool) {
	for _, p := range t {
		if p.wire == w {
			return p.domain, true
		}
	}
	var zero D
	return zero, false
}

// results and statuses are the tables of the two enums of the API.
var results = enumTable[coffeeshop.VerificationResult, customerv1.VerificationResult]{
	{coffeeshop.VerificationUnspecified, customerv1.VerificationResult_VERIFICATION_RESULT_UNSPECIFIED},
	{coffeeshop.VerificationInProgress, customerv1.VerificationResult_VERIFICATION_RESULT_IN_PROGRESS},
	{coffeeshop.VerificationCodeExpired, customerv1.VerificationResult_VERIFICATION_RESULT_CODE_EXPIRED},
	{coffeeshop.VerificationIncorrectCode, customerv1.VerificationResult_VERIFICATION_RESULT_INCORRECT_CODE},
	{coffeeshop.VerificationMaxAttemptsReached, customerv1.VerificationResult_VERIFICATION_RESULT_MAX_ATTEMPTS_REACHED},
	{coffeeshop.VerificationSuccess, customerv1.VerificationResult_VERIFICATION_RESULT_SUCCESS},
	{coffeeshop.VerificationExpired, customerv1.VerificationResult_VERIFICATION_RESULT_EXPIRED},
	{coffeeshop.VerificationUndeliverable, customerv1.VerificationResult_VERIFICATION_RESULT_UNDELIVERABLE},
}

var statuses = enumTable[coffeeshop.VerificationStatus, customerv1.VerificationStatus]{
	{coffeeshop.VerificationStatusUnspecified, customerv1.VerificationStatus_VERIFICATION_STATUS_UNSPECIFIED},
	{coffeeshop.VerificationStatusInProgress, customerv1.VerificationStatus_VERIFICATION_STATUS_IN_PROGRESS},
	{coffeeshop.VerificationStatusVerified, customerv1.VerificationStatus_VERIFICATION_STATUS_VERIFIED},
	{coffeeshop.VerificationStatusMaxAttemptsReached, customerv1.VerificationStatus_VERIFICATION_STATUS_MAX_ATTEMPTS_REACHED},
	{coffeeshop.VerificationStatusExpired, customerv1.VerificationStatus_VERIFICATION_STATUS_EXPIRED},
	{coffeeshop.VerificationStatusUndeliverable, customerv1.VerificationStatus_VERIFICATION_STATUS_UNDELIVERABLE},
}

// resultToProto returns the wire value of the result of one attempt. A
// result that is unspecified or unknown would leave the client guessing
// what the attempt did: it is a failure of the Verifier, not an answer.
func resultToProto(r coffeeshop.VerificationResult, customerID string) (customerv1.VerificationResult, error) {
	wire, ok := results.toWire(r)
	if !ok || wire == customerv1.VerificationResult_VERIFICATION_RESULT_UNSPECIFIED {
		return wire, fmt.Errorf("verifier returned result %d (%v) for customer %s", int(r), r, customerID)
	}
	return wire, nil
}

// verificationToProto returns the wire form of a Verifier's answer v, or
// its error err. A verification without a known status is a failure of the
// Verifier, not an answer.
func verificationToProto(v *coffeeshop.Verification, err error) (*customerv1.Verification, error) {
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("verifier returned no verification")
	}
	st, ok := statuses.toWire(v.Status)
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
		Delivery:      deliveryToProto(v.Delivery),
	}, nil
}

// deliveryToProto returns the wire form of d; nil stays absent.
func deliveryToProto(d *coffeeshop.Delivery) *customerv1.Delivery {
	if d == nil {
		return nil
	}
	return &customerv1.Delivery{Channel: string(d.Channel), Status: string(d.Status), ErrorCode: d.ErrorCode,
		UpdatedAt: timestampOrNil(d.UpdatedAt), NoFallback: d.NoFallback}
}

// deliveryFromProto is deliveryToProto read backwards.
func deliveryFromProto(d *customerv1.Delivery) *coffeeshop.Delivery {
	if d == nil {
		return nil
	}
	return &coffeeshop.Delivery{Channel: coffeeshop.Channel(d.GetChannel()), Status: coffeeshop.DeliveryStatus(d.GetStatus()),
		ErrorCode: d.GetErrorCode(), UpdatedAt: timeOrZero(d.GetUpdatedAt()), NoFallback: d.GetNoFallback()}
}

// timestampOrNil leaves an unknown time out of the message (JSON null).
func timestampOrNil(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// resultFromProto is resultToProto read backwards, for a client of the
// service's own server (page.go): an unspecified or unknown result is an
// internal error.
func resultFromProto(w customerv1.VerificationResult) (coffeeshop.VerificationResult, error) {
	r, ok := results.toDomain(w)
	if !ok || r == coffeeshop.VerificationUnspecified {
		return r, fmt.Errorf("api: server answered verification result %v", w)
	}
	return r, nil
}

// verificationFromProto is verificationToProto read backwards: the domain
// form of the server's answer. A verification without a known status is an
// internal error.
func verificationFromProto(pv *customerv1.Verification) (*coffeeshop.Verification, error) {
	if pv == nil {
		return nil, fmt.Errorf("api: server answered no verification")
	}
	st, ok := statuses.toDomain(pv.GetStatus())
	if !ok || st == coffeeshop.VerificationStatusUnspecified {
		return nil, fmt.Errorf("api: server answered verification status %v", pv.GetStatus())
	}
	return &coffeeshop.Verification{
		CustomerID:    pv.GetCustomerId(),
		Status:        st,
		AttemptsLeft:  int(pv.GetAttemptsLeft()),
		SendsLeft:     int(pv.GetSendsLeft()),
		CodeExpiresAt: timeOrZero(pv.GetCodeExpiresAt()),
		ExpiresAt:     timeOrZero(pv.GetExpiresAt()),
		Delivery:      deliveryFromProto(pv.GetDelivery()),
	}, nil
}

// timeOrZero is timestampOrNil read backwards.
func timeOrZero(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}
