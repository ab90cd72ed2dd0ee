package api

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// logUnary logs one line per call. Details of internal failures are logged
// where they are turned into a status (error.go), so this line carries only
// the outcome.
func logUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		ctx, slot := withCallerSlot(ctx)
		resp, err := handler(ctx, req)
		logCall(ctx, log, info.FullMethod, slot, start, err)
		return resp, err
	}
}

// logStream is logUnary for streaming calls, which CustomerService has none
// of but services registered next to it (health checks) may.
func logStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		ctx, slot := withCallerSlot(ss.Context())
		err := handler(srv, &ctxStream{ServerStream: ss, ctx: ctx})
		logCall(ctx, log, info.FullMethod, slot, start, err)
		return err
	}
}

// logCall logs a call's outcome and its caller as authentication found it
// (coffeeshop.Caller.String: a key's ID, "token" or "open", never a
// credential); a call refused before it was authenticated has caller
// "none".
func logCall(ctx context.Context, log *slog.Logger, method string, slot *callerSlot, start time.Time, err error) {
	caller := "none"
	if c, ok := slot.get(); ok {
		caller = c.String()
	}
	log.LogAttrs(ctx, slog.LevelInfo, "grpc call",
		slog.String("method", method),
		slog.String("caller", caller),
		slog.String("code", status.Code(err).String()),
		slog.Duration("duration", time.Since(start)))
}

// recoverUnary turns a panic in a handler into codes.Internal, so that one
// bad request cannot take the service down for everybody.
func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				resp, err = nil, panicStatus(ctx, log, info.FullMethod, p)
			}
		}()
		return handler(ctx, req)
	}
}

// recoverStream is recoverUnary for streaming calls.
func recoverStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = panicStatus(ss.Context(), log, info.FullMethod, p)
			}
		}()
		return handler(srv, ss)
	}
}

func panicStatus(ctx context.Context, log *slog.Logger, method string, p any) error {
	log.LogAttrs(ctx, slog.LevelError, "panic in grpc handler",
		slog.String("method", method),
		slog.Any("panic", p),
		slog.String("stack", string(debug.Stack())))
	return status.Error(codes.Internal, internalMessage)
}
