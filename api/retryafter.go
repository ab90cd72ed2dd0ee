package api

import (
	"context"
	"strconv"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// retrySeconds returns d as the Retry-After header writes it: whole
// seconds, rounded up, at least 1.
func retrySeconds(d time.Duration) int64 {
	return int64(max(coffeeshop.CeilSecond(d), time.Second) / time.Second)
}

// withRetryInfo adds a google.rpc.RetryInfo detail to st when retryAfter is
// positive, so that gRPC clients learn how long to wait.
func withRetryInfo(st *status.Status, retryAfter time.Duration) *status.Status {
	if retryAfter <= 0 {
		return st
	}
	d := time.Duration(retrySeconds(retryAfter)) * time.Second
	if with, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(d)}); err == nil {
		return with
	}
	return st
}

// setRetryAfter sets the "retry-after" response header, in seconds, when
// retryAfter is positive; the gateway passes it on as the HTTP Retry-After
// header.
func setRetryAfter(ctx context.Context, retryAfter time.Duration) {
	if retryAfter <= 0 {
		return
	}
	// Fails only outside a gRPC call (unit tests of handlers).
	_ = grpc.SetHeader(ctx, metadata.Pairs("retry-after", strconv.FormatInt(retrySeconds(retryAfter), 10)))
}
