// Package api serves the customer.v1.CustomerService API: a gRPC server on
// top of the domain interfaces, and a grpc-gateway handler that offers the
// same service as JSON over HTTP by proxying to that gRPC server.
//
// Who may call what is decided before any handler runs (auth.go): an API
// key with the RPC's scope, or a customer's verification token for that
// customer's code steps, unless the server is open.
//
// Every error a handler returns goes through one mapping (error.go) from
// coffeeshop error codes to gRPC codes; the gateway then turns gRPC codes into
// HTTP statuses. Internal failures reach clients only as "internal error".
package api

import (
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/reflection"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// Server implements customerv1.CustomerServiceServer on top of the domain
// interfaces. Store and Verifier are required; a nil Logger means
// slog.Default(). A Server is safe for concurrent use when its Store and
// Verifier are.
type Server struct {
	customerv1.UnimplementedCustomerServiceServer
	Store    coffeeshop.CustomerStore
	Verifier coffeeshop.Verifier
	Logger   *slog.Logger
	// Channels are the channels a create may ask for (its "channel"),
	// as the Verifier enables them; empty means SMS only.
	Channels []coffeeshop.Channel
	// PhoneRegion is the ISO 3166 region whose national format a phone
	// number without a leading + is read in; DefaultPhoneRegion if empty.
	PhoneRegion string
	// Auth authenticates and authorizes every call (auth.go); nil serves
	// everybody, as caller "open".
	Auth *Authenticator
	// Tokens issues the verification token a create answers, valid for
	// TokenTTL from the customer's creation (the verification window);
	// nil answers none.
	Tokens   *coffeeshop.TokenIssuer
	TokenTTL time.Duration
	// Observer, when set, is told of every unary call (ObserveUnary),
	// those that authentication refuses included.
	Observer Observer
	// Numbers are the countries and types of phone numbers a create
	// accepts (numbers.go); the zero value accepts every country and
	// refuses the types that cost money or cannot receive a text.
	Numbers NumberRules
	// Guard, when set, admits each text a create or resend is about to
	// cause and counts verifications (guard.go); nil admits everything.
	Guard *Guard
	// GuardMetrics, when set, counts what Numbers refuse.
	GuardMetrics GuardMetrics
	// TestNumbers are never subject to the rate limits (ratelimit.go), the
	// number rules or the guard, and need not be valid numbers: they are
	// never texted (the worker gives them a fixed code).
	TestNumbers coffeeshop.TestNumbers
}

var _ customerv1.CustomerServiceServer = (*Server)(nil)

// logger adds the request ID of the context to each record
// (coffeeshop.LogRequestIDs).
func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return coffeeshop.LogRequestIDs(slog.Default())
	}
	return coffeeshop.LogRequestIDs(s.Logger)
}

// NewGRPCServer returns a gRPC server with s registered as CustomerService,
// and gRPC server reflection (v1 and v1alpha), so that tools such as
// grpcurl can list the services and describe their messages without the
// .proto files. Every call gets a request ID (requestid.go) and is logged
// with it and its caller, a panic in a handler is logged with its stack and
// answered with codes.Internal instead of ending the process, and s.Auth
// decides who may make the call. These interceptors run outermost, before
// any interceptor given in opts, so a call without a valid credential
// never reaches a rate limiter given there.
func NewGRPCServer(s *Server, opts ...grpc.ServerOption) *grpc.Server {
	log := s.logger()
	auth := s.Auth
	if auth == nil {
		auth = openAuthenticator
	} else {
		auth.useLogger(log)
	}
	unary := []grpc.UnaryServerInterceptor{requestIDUnary(), logUnary(log), recoverUnary(log)}
	if s.Observer != nil {
		unary = append(unary, ObserveUnary(s.Observer))
	}
	own := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(append(unary, auth.unary())...),
		grpc.ChainStreamInterceptor(requestIDStream(), logStream(log), recoverStream(log), auth.stream()),
	}
	srv := grpc.NewServer(append(own, opts...)...)
	customerv1.RegisterCustomerServiceServer(srv, s)
	reflection.Register(srv)
	return srv
}
