package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Observer is told about every request answered, for metrics. Its methods
// are called concurrently.
type Observer interface {
	// ObserveHTTP gets a route template such as
	// /v1/customers/{customer_id}:verify, never a raw path; a request no
	// route matched has route "unmatched".
	ObserveHTTP(method, route string, status int, elapsed time.Duration)
	// ObserveGRPC gets the full method name and the status code's name.
	ObserveGRPC(method, code string, elapsed time.Duration)
}

// UnmatchedRoute is the route of a request that matched no route.
const UnmatchedRoute = "unmatched"

// ObserveHTTP reports each request next answers to o, with its route
// template: the gateway's route of a CustomerService call, or the pattern
// of the http.ServeMux next is (or contains) for other endpoints.
func ObserveHTTP(o Observer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		slot := &routeSlot{}
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, slot))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			// A panic that got this far aborts the connection; it is
			// counted as the 500 it would have been.
			if p := recover(); p != nil {
				o.ObserveHTTP(r.Method, routeOf(r, slot), http.StatusInternalServerError, time.Since(start))
				panic(p)
			}
			o.ObserveHTTP(r.Method, routeOf(r, slot), sw.status, time.Since(start))
		}()
		next.ServeHTTP(sw, r)
	})
}

// routeOf picks the route the request was served by. A ServeMux sets
// r.Pattern on the request it is given, the very *http.Request here.
func routeOf(r *http.Request, slot *routeSlot) string {
	if slot.route != "" {
		return slot.route
	}
	p := r.Pattern
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = p[i+1:] // "GET /healthz" → "/healthz"
	}
	if p == "" || p == "/" {
		return UnmatchedRoute
	}
	return p
}

type routeKey struct{}

// routeSlot carries the gateway's route back out to ObserveHTTP.
type routeSlot struct{ route string }

// recordRoute is a gateway middleware: it runs once the gateway has matched
// a route, and notes the route's template for ObserveHTTP.
func recordRoute(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if slot, ok := r.Context().Value(routeKey{}).(*routeSlot); ok {
			if p, ok := runtime.HTTPPattern(r.Context()); ok {
				// "/v1/customers/{customer_id=*}" → "/v1/customers/{customer_id}"
				slot.route = strings.ReplaceAll(p.String(), "=*}", "}")
			}
		}
		next(w, r, params)
	}
}

// statusWriter notes the status of a response and whether it has started
// (after which a clean error answer is no longer possible).
type statusWriter struct {
	http.ResponseWriter
	status  int
	started bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.started {
		s.status, s.started = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.started = true
	return s.ResponseWriter.Write(b)
}

// Flush passes flushes on, for the gateway's streaming responses.
func (s *statusWriter) Flush() {
	s.started = true
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// ObserveUnary reports each unary call to o. NewGRPCServer puts it ahead
// of authentication and of the interceptors it is given when
// Server.Observer is set, so that calls they turn away are counted too.
func ObserveUnary(o Observer) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				o.ObserveGRPC(info.FullMethod, codes.Internal.String(), time.Since(start))
				panic(p)
			}
			o.ObserveGRPC(info.FullMethod, status.Code(err).String(), time.Since(start))
		}()
		return handler(ctx, req)
	}
}
