package api

import (
	"context"
	"net/http"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/coffeeshop/coffeeshop"
)

// The request ID of a call: an HTTP client may send one in RequestIDHeader,
// a gRPC client in RequestIDMetadata. One that is not
// coffeeshop.ValidRequestID is replaced by a fresh one, as is a missing
// one. The ID is answered in the same header (metadata), rides in the
// context of the call (coffeeshop.RequestIDFrom), so that every log line of
// the call carries it, and travels on to the verification workflow.
const (
	RequestIDHeader   = "X-Request-Id"
	RequestIDMetadata = "x-request-id"
)

// requestIDHTTP gives each HTTP request its request ID and answers it in
// the X-Request-Id header, also for answers the gateway gives before the
// gRPC server (413, a panic's 500). It is the outermost handler.
func requestIDHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !coffeeshop.ValidRequestID(id) {
			id = coffeeshop.NewRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(coffeeshop.WithRequestID(r.Context(), id)))
	})
}

// mdHTTPRequestID carries the ID of an HTTP request from the gateway to the
// gRPC server. It is not RequestIDMetadata because the server must not
// answer it: the HTTP layer has done so, and a gRPC response header would
// change the gateway's error answers (they would carry the headers of the
// gRPC response, Grpc-Metadata-Content-Type among them). HTTP clients cannot
// set it, since it is under the reserved prefix (incomingHeader).
const mdHTTPRequestID = reservedMetadataPrefix + "http-request-id"

// forwardRequestID passes the HTTP request's ID to the gRPC server.
func forwardRequestID(_ context.Context, r *http.Request) metadata.MD {
	if id := coffeeshop.RequestIDFrom(r.Context()); id != "" {
		return metadata.Pairs(mdHTTPRequestID, id)
	}
	return nil
}

// requestIDUnary puts the call's request ID in its context and answers it
// as response metadata. It runs before the logging interceptor, so that the
// log line of the call carries the ID.
func requestIDUnary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return handler(withRequestID(ctx), req)
	}
}

// requestIDStream is requestIDUnary for streaming calls.
func requestIDStream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &ctxStream{ServerStream: ss, ctx: withRequestID(ss.Context())})
	}
}

// ctxStream is a server stream with another context, for interceptors
// that add to a streaming call's context.
type ctxStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *ctxStream) Context() context.Context { return s.ctx }

// withRequestID returns ctx with the request ID of the incoming call: the
// gateway's for an HTTP request; else the first value of RequestIDMetadata
// if it is valid, or a fresh one, answered as RequestIDMetadata.
func withRequestID(ctx context.Context) context.Context {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(mdHTTPRequestID); len(v) > 0 && coffeeshop.ValidRequestID(v[0]) {
		return coffeeshop.WithRequestID(ctx, v[0])
	}
	id := ""
	if v := md.Get(RequestIDMetadata); len(v) > 0 {
		id = v[0]
	}
	if !coffeeshop.ValidRequestID(id) {
		id = coffeeshop.NewRequestID()
	}
	// Fails only outside a gRPC call (tests calling handlers directly).
	_ = grpc.SetHeader(ctx, metadata.Pairs(RequestIDMetadata, id))
	return coffeeshop.WithRequestID(ctx, id)
}
