package api

import (
	"context"
	"net/http"
	"strings"

	"google.golang.org/grpc/metadata"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// VerifyCustomer passes one verification attempt to the Verifier and returns
// its result; a success is counted by the Guard. Over HTTP the customer ID comes from the path. The attempt's
// idempotency key is the body's request_id or the idempotency-key metadata
// (the Idempotency-Key HTTP header); both may be given if they agree.
func (s *Server) VerifyCustomer(ctx context.Context, req *customerv1.VerifyCustomerRequest) (*customerv1.VerifyCustomerResponse, error) {
	id, err := customerID(req)
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	code := strings.TrimSpace(req.GetVerificationCode())
	if code == "" {
		return nil, s.statusError(ctx, invalid("%s is required", coffeeshop.FieldVerificationCode))
	}
	if p := checkText(code); p != "" {
		return nil, s.statusError(ctx, invalid("%s %s", coffeeshop.FieldVerificationCode, p))
	}
	requestID, err := idempotencyKey(ctx, req.GetRequestId())
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	res, err := s.Verifier.Verify(ctx, id, code, requestID)
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	wire, err := resultToProto(res, id)
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	if res == coffeeshop.VerificationSuccess {
		s.recordVerified(ctx, id)
	}
	return &customerv1.VerifyCustomerResponse{CustomerId: id, Result: wire}, nil
}

// idempotencyKeyMetadata is the gRPC metadata key of an idempotency key;
// the gateway puts the Idempotency-Key HTTP header there.
const idempotencyKeyMetadata = "idempotency-key"

// idempotencyKey returns the request's idempotency key: the body's field,
// or the metadata's, which must agree when both are given.
func idempotencyKey(ctx context.Context, field string) (string, error) {
	key := strings.TrimSpace(field)
	md, _ := metadata.FromIncomingContext(ctx)
	for _, v := range md.Get(idempotencyKeyMetadata) {
		v = strings.TrimSpace(v)
		switch {
		case v == "" || v == key:
		case key == "":
			key = v
		default:
			return "", invalid("%s and the Idempotency-Key header differ", coffeeshop.FieldRequestID)
		}
	}
	return key, nil
}

// idempotencyKeyHeader passes the Idempotency-Key HTTP header to the gRPC
// server as idempotency-key metadata; it is a gateway metadata annotator.
func idempotencyKeyHeader(_ context.Context, r *http.Request) metadata.MD {
	if v := r.Header.Get("Idempotency-Key"); v != "" {
		return metadata.Pairs(idempotencyKeyMetadata, v)
	}
	return nil
}
