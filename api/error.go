package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coffeeshop/coffeeshop"
)

// internalMessage is all a client learns about a failure of the service
// itself; the details go to the log.
const internalMessage = "internal error"

// grpcCodes maps the coffeeshop error codes whose message is meant for the
// client to gRPC codes. EINTERNAL is absent on purpose: like an error without
// a code, it becomes codes.Internal with internalMessage.
var grpcCodes = map[string]codes.Code{
	coffeeshop.EINVALID:     codes.InvalidArgument,
	coffeeshop.ENOTFOUND:    codes.NotFound,
	coffeeshop.ECONFLICT:    codes.AlreadyExists,
	coffeeshop.EUNAVAILABLE: codes.Unavailable,
	coffeeshop.ETOOMANY:     codes.ResourceExhausted,
	// The customer's phone number cannot receive the code: the client must
	// change something (HTTP 400), unlike EUNAVAILABLE.
	coffeeshop.EUNDELIVERABLE: codes.FailedPrecondition,
	// The gateway answers these 401 and 403 (auth.go sets the
	// WWW-Authenticate header).
	coffeeshop.EUNAUTHENTICATED: codes.Unauthenticated,
	coffeeshop.EFORBIDDEN:       codes.PermissionDenied,
}

// errorStatus returns the status a client gets for err, and whether err is
// an internal failure whose details must be logged. A context error that no
// adapter gave a code to means the caller gave up or ran out of time, which is
// no failure of the service.
func errorStatus(err error) (st *status.Status, internal bool) {
	if code, ok := grpcCodes[coffeeshop.ErrorCode(err)]; ok {
		st := withRetryInfo(status.New(code, coffeeshop.ErrorMessage(err)), coffeeshop.ErrorRetryAfter(err))
		return withReason(st, coffeeshop.ErrorReason(err)), false
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, "request canceled"), false
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, "deadline exceeded"), false
	}
	return status.New(codes.Internal, internalMessage), true
}

// ErrorDomain is the domain of the google.rpc.ErrorInfo details the
// service sends.
const ErrorDomain = "coffeeshop"

// withReason adds a google.rpc.ErrorInfo detail with reason to st when
// reason is set, so that clients can tell refusals of one status apart
// (COUNTRY_NOT_ALLOWED from a missing scope, PREFIX_BLOCKED from a rate
// limit) without reading the message.
func withReason(st *status.Status, reason string) *status.Status {
	if reason == "" {
		return st
	}
	if with, err := st.WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain}); err == nil {
		return with
	}
	return st
}

// statusError is the one place where handlers turn an error into the gRPC
// status error they return. It logs internal failures, once, with the error
// text that the client does not see.
func (s *Server) statusError(ctx context.Context, err error) error {
	st, internal := errorStatus(err)
	setRetryAfter(ctx, coffeeshop.ErrorRetryAfter(err))
	if internal {
		method, _ := grpc.Method(ctx)
		s.logger().LogAttrs(ctx, slog.LevelError, "internal error",
			slog.String("method", method),
			slog.String("error", err.Error()))
	}
	return st.Err()
}

// domainCodes is grpcCodes read backwards.
var domainCodes = func() map[codes.Code]string {
	m := make(map[codes.Code]string, len(grpcCodes))
	for c, g := range grpcCodes {
		m[g] = c
	}
	return m
}()

// errorFromStatus is errorStatus read backwards, for a client of the
// service's own gRPC server (the signup page, page.go): the coded error a
// status error stands for, with its message, the reason of its ErrorInfo
// and the delay of its RetryInfo. A canceled or timed-out call wraps the
// context error; any other code is EINTERNAL with the generic message. An
// error that is no status error is returned as it is.
func errorFromStatus(err error) error {
	st, ok := status.FromError(err)
	if !ok || err == nil {
		return err
	}
	switch st.Code() {
	case codes.Canceled:
		return fmt.Errorf("api: %s: %w", st.Message(), context.Canceled)
	case codes.DeadlineExceeded:
		return fmt.Errorf("api: %s: %w", st.Message(), context.DeadlineExceeded)
	}
	code, ok := domainCodes[st.Code()]
	if !ok {
		return coffeeshop.Errorf(coffeeshop.EINTERNAL, "%s", internalMessage)
	}
	e := &coffeeshop.Error{Code: code, Message: st.Message()}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			e.Reason = d.GetReason()
		case *errdetails.RetryInfo:
			e.RetryAfter = d.GetRetryDelay().AsDuration()
		}
	}
	return e
}
