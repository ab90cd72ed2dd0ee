package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coffeeshop/coffeeshop"
)

func TestErrorStatus(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		code     codes.Code
		msg      string
		internal bool
	}{
		{"invalid", coffeeshop.Errorf(coffeeshop.EINVALID, "customer is required"), codes.InvalidArgument, "customer is required", false},
		{"not found", coffeeshop.Errorf(coffeeshop.ENOTFOUND, "customer x not found"), codes.NotFound, "customer x not found", false},
		{"conflict", coffeeshop.Errorf(coffeeshop.ECONFLICT, "exists"), codes.AlreadyExists, "exists", false},
		{"unavailable", coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "try later"), codes.Unavailable, "try later", false},
		{"undeliverable", coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "could not be delivered"), codes.FailedPrecondition, "could not be delivered", false},
		{"unauthenticated", coffeeshop.Errorf(coffeeshop.EUNAUTHENTICATED, "invalid API key"), codes.Unauthenticated, "invalid API key", false},
		{"forbidden", coffeeshop.Errorf(coffeeshop.EFORBIDDEN, "no scope"), codes.PermissionDenied, "no scope", false},
		{"wrapped code", fmt.Errorf("store: %w", coffeeshop.Errorf(coffeeshop.ENOTFOUND, "gone")), codes.NotFound, "gone", false},
		{"internal code", coffeeshop.Errorf(coffeeshop.EINTERNAL, "secret detail"), codes.Internal, "internal error", true},
		{"unknown code", coffeeshop.Errorf("weird", "secret detail"), codes.Internal, "internal error", true},
		{"plain error", errors.New("secret detail"), codes.Internal, "internal error", true},
		{"grpc status from a dependency", status.Error(codes.NotFound, "secret detail"), codes.Internal, "internal error", true},
		{"canceled", fmt.Errorf("query: %w", context.Canceled), codes.Canceled, "request canceled", false},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), codes.DeadlineExceeded, "deadline exceeded", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, internal := errorStatus(tc.err)
			if st.Code() != tc.code || st.Message() != tc.msg || internal != tc.internal {
				t.Errorf("got %v %q internal=%v, want %v %q internal=%v",
					st.Code(), st.Message(), internal, tc.code, tc.msg, tc.internal)
			}
		})
	}
}

func TestStatusErrorLogsInternalErrorsOnce(t *testing.T) {
	logs := &syncBuffer{}
	s := &Server{Logger: slog.New(slog.NewTextHandler(logs, nil))}
	ctx := context.Background()

	err := s.statusError(ctx, errors.New("connect 10.0.0.5:5432: refused"))
	if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "internal error" {
		t.Errorf("got %v %q", st.Code(), st.Message())
	}
	if n := strings.Count(logs.String(), "connect 10.0.0.5:5432: refused"); n != 1 {
		t.Errorf("cause logged %d times:\n%s", n, logs)
	}

	before := logs.String()
	err = s.statusError(ctx, coffeeshop.Errorf(coffeeshop.EINVALID, "bad"))
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || st.Message() != "bad" {
		t.Errorf("got %v %q", st.Code(), st.Message())
	}
	if logs.String() != before {
		t.Errorf("client error logged:\n%s", strings.TrimPrefix(logs.String(), before))
	}
}
