package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// maxBodyBytes caps a request body; the largest valid request is far
// smaller. A larger body is answered 413 before it is decoded.
const maxBodyBytes = 64 << 10

// GatewayOption configures NewGateway.
type GatewayOption func(*gatewayConfig)

type gatewayConfig struct {
	log         *slog.Logger
	ips         *ClientIPs
	corsOrigins []string
}

// WithGatewayLogger sets where the gateway logs panics; slog.Default() if
// not given.
func WithGatewayLogger(log *slog.Logger) GatewayOption {
	return func(c *gatewayConfig) { c.log = log }
}

// WithClientIPs makes the gateway tell the gRPC server each HTTP client's
// address (see ClientIPs); the server's Limiter must use the same
// ClientIPs. Without it every HTTP client counts as the gateway's own
// loopback address.
func WithClientIPs(ips *ClientIPs) GatewayOption {
	return func(c *gatewayConfig) { c.ips = ips }
}

// WithCORSOrigins lets browser pages on origins (exact, scheme://host[:port]
// as browsers write them in the Origin header) call the routes a
// customer's verification token may call, with the token (cors.go). None:
// no CORS answers at all.
func WithCORSOrigins(origins []string) GatewayOption {
	return func(c *gatewayConfig) { c.corsOrigins = origins }
}

// NewGateway returns an HTTP handler that serves CustomerService as JSON (the
// routes of customer.proto) by proxying every request to the gRPC server at
// grpcAddr over a plaintext connection, which is meant for loopback. The
// connection is made lazily and closed when ctx is done.
//
// Responses are compact protojson in camelCase with every field present; an
// error is {"code":N,"message":"…","details":[]} under the HTTP status of its
// gRPC code, a "retry-after" header from the server becomes Retry-After and
// a "www-authenticate" one WWW-Authenticate. The Authorization header
// reaches the server as authorization metadata.
// Requests may name fields in snake_case or camelCase; unknown fields are
// ignored; a body that is not valid UTF-8 is answered 400 naming the field
// (utf8.go). GET /openapi.json answers with the OpenAPI document of these
// routes (customerv1.OpenAPI). A wrong method on a known path is answered
// 405 with an Allow header (routes.go). Pages on the origins of
// WithCORSOrigins may call the token's routes (cors.go). A body over 64 KiB is answered 413, and a
// panic in the HTTP layer is logged and answered 500 without ending the
// process.
func NewGateway(ctx context.Context, grpcAddr string, opts ...GatewayOption) (http.Handler, error) {
	cfg := gatewayConfig{log: slog.Default()}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.log = coffeeshop.LogRequestIDs(cfg.log)
	muxOpts := []runtime.ServeMuxOption{
		runtime.WithMarshalerOption(runtime.MIMEWildcard, gatewayMarshaler()),
		runtime.WithIncomingHeaderMatcher(incomingHeader),
		runtime.WithOutgoingHeaderMatcher(outgoingHeader),
		runtime.WithErrorHandler(errorHandler),
		runtime.WithRoutingErrorHandler(routingErrorHandler), // 405 with Allow (routes.go)
		runtime.WithMetadata(idempotencyKeyHeader),
		runtime.WithMiddlewares(recordRoute), // route templates for ObserveHTTP (observe.go)
		runtime.WithMetadata(forwardRequestID),
	}
	if cfg.ips != nil {
		muxOpts = append(muxOpts, runtime.WithMetadata(cfg.ips.annotate))
	}
	mux := runtime.NewServeMux(muxOpts...)
	dial := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if err := customerv1.RegisterCustomerServiceHandlerFromEndpoint(ctx, mux, grpcAddr, dial); err != nil {
		return nil, fmt.Errorf("api: gateway to %s: %w", grpcAddr, err)
	}
	if err := mux.HandlePath(http.MethodGet, "/openapi.json", serveOpenAPI); err != nil {
		return nil, fmt.Errorf("api: route /openapi.json: %w", err)
	}
	return requestIDHTTP(recoverHTTP(cfg.log, corsHTTP(tokenCORS(cfg.corsOrigins), limitBody(maxBodyBytes, requireUTF8(printableAuthorization(customVerbMethods(mux))))))), nil
}

// gatewayMarshaler is the gateway's codec of every request and response
// body. The OpenAPI document (customer.swagger.json) names fields as it
// writes them: lowerCamelCase JSON names, since UseProtoNames is off.
func gatewayMarshaler() *compactJSON {
	return &compactJSON{
		JSONPb: runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: true},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: true},
		},
	}
}

// serveOpenAPI answers with the OpenAPI document of the gateway's routes,
// generated from customer.proto and embedded in the binary.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(customerv1.OpenAPI)))
	_, _ = io.WriteString(w, customerv1.OpenAPI)
}

// incomingHeader is the gateway's default mapping of HTTP headers to gRPC
// metadata (Grpc-Metadata-X becomes x, well-known headers get a
// "grpcgateway-" prefix), except that keys under the reserved prefix are
// dropped: only the gateway itself may set those, and so is the request ID
// (Grpc-Metadata-X-Request-Id), which the gateway passes on itself. The
// Authorization header reaches the server as authorization metadata, which
// the gateway sets from it before asking this matcher; its copy under the
// prefix and a Grpc-Metadata-Authorization header are dropped, so that the
// real header is the only credential and travels once.
func incomingHeader(key string) (string, bool) {
	md, ok := runtime.DefaultHeaderMatcher(key)
	if !ok || strings.HasPrefix(strings.ToLower(md), reservedMetadataPrefix) || strings.EqualFold(md, RequestIDMetadata) ||
		strings.EqualFold(md, authorizationMetadata) || strings.EqualFold(md, runtime.MetadataPrefix+"Authorization") {
		return "", false
	}
	return md, true
}

// outgoingHeader passes a "retry-after" header from the server on as the
// standard Retry-After and "www-authenticate" as WWW-Authenticate, drops
// the request ID (the HTTP layer answers it as X-Request-Id already), and
// passes every other header under the gateway's usual Grpc-Metadata-
// prefix.
func outgoingHeader(key string) (string, bool) {
	switch key {
	case "retry-after":
		return "Retry-After", true
	case wwwAuthenticateMetadata:
		return "WWW-Authenticate", true
	case RequestIDMetadata:
		return "", false
	}
	return runtime.MetadataHeaderPrefix + key, true
}

// printableAuthorization replaces each Authorization header value that
// gRPC metadata cannot carry (bytes outside printable ASCII, such as a tab)
// with a value the server reads as malformed. grpc-gateway passes the
// header on unchecked, and the gRPC client would refuse the call with a
// 500; this way the server decides, as for any other bad credential (and
// an open server ignores it).
func printableAuthorization(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vals := r.Header.Values("Authorization")
		for i, v := range vals {
			for j := 0; j < len(v); j++ {
				if v[j] < 0x20 || v[j] > 0x7e {
					vals[i] = "malformed"
					break
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// errorHandler is the gateway's default error handler, except that a 401
// carries the server's WWW-Authenticate challenge (auth.go): grpc-gateway
// writes the status message there for every Unauthenticated status, which
// is no challenge a client can parse.
func errorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	cw := &challengeWriter{ResponseWriter: w, message: status.Convert(err).Message()}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, cw, r, err)
}

// challengeWriter drops a WWW-Authenticate value equal to the status
// message before the header is written, and makes sure every 401 names the
// Bearer scheme.
type challengeWriter struct {
	http.ResponseWriter
	message string
}

func (c *challengeWriter) WriteHeader(code int) {
	h := c.Header()
	var kept []string
	for _, v := range h.Values("WWW-Authenticate") {
		if v != c.message {
			kept = append(kept, v)
		}
	}
	h.Del("WWW-Authenticate")
	for _, v := range kept {
		h.Add("WWW-Authenticate", v)
	}
	if code == http.StatusUnauthorized && len(kept) == 0 {
		h.Set("WWW-Authenticate", bearerRealm)
	}
	c.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (c *challengeWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// compactJSON is the gateway's protojson codec with compact output.
// protojson deliberately adds random spaces to its output (differently per
// binary) so that nobody depends on its exact bytes; clients of this API
// already do, so the output is compacted. A request body that is not valid
// UTF-8 is refused naming the field (NewDecoder).
type compactJSON struct {
	runtime.JSONPb
}

// Marshal implements runtime.Marshaler.
func (m *compactJSON) Marshal(v any) ([]byte, error) {
	b, err := m.JSONPb.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// NewDecoder implements runtime.Marshaler: a request body that is not
// valid UTF-8 is refused with a message naming the field (decodeUTF8).
func (m *compactJSON) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		return decodeUTF8(r, v, m.JSONPb.NewDecoder)
	})
}

// NewEncoder implements runtime.Marshaler.
func (m *compactJSON) NewEncoder(w io.Writer) runtime.Encoder {
	return runtime.EncoderFunc(func(v any) error {
		b, err := m.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
}
