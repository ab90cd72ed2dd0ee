package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"

	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// routePattern is one HTTP route of the gateway: its path segments, where
// "*" stands for one path parameter, its custom verb (":verify") and its
// method.
type routePattern struct {
	segments []string
	verb     string
	method   string
	// rpc is the full gRPC method name of the route's operation, such as
	// customerv1.CustomerService_VerifyCustomer_FullMethodName; "" for
	// /openapi.json. Each operation of the OpenAPI document is a route of
	// its own, with one method.
	rpc string
}

// gatewayRoutes are the routes the gateway serves, read from the OpenAPI
// document generated from customer.proto's http rules, so that the Allow
// header cannot drift from the routes; /openapi.json is the gateway's own.
var gatewayRoutes = func() []routePattern {
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(customerv1.OpenAPI), &doc); err != nil {
		panic("api: the embedded OpenAPI document does not parse: " + err.Error())
	}
	routes := []routePattern{parseRoutePattern("/openapi.json", http.MethodGet)}
	service := customerv1.CustomerService_ServiceDesc.ServiceName
	for path, ops := range doc.Paths {
		// A route per operation, so that each knows its RPC
		// (CustomerService_VerifyCustomer is VerifyCustomer's).
		for m, op := range ops {
			r := parseRoutePattern(path, strings.ToUpper(m))
			name, ok := strings.CutPrefix(op.OperationID, "CustomerService_")
			if !ok {
				panic("api: the OpenAPI operation " + m + " " + path + " has no CustomerService operationId: " + op.OperationID)
			}
			r.rpc = "/" + service + "/" + name
			routes = append(routes, r)
		}
	}
	return routes
}()

// parseRoutePattern reads an OpenAPI path template such as
// /v1/customers/{customerId}:verify.
func parseRoutePattern(path, method string) routePattern {
	segs, verb := splitVerb(path)
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = "*"
		}
	}
	return routePattern{segments: segs, verb: verb, method: method}
}

// splitVerb splits a path into its segments and the custom verb after a
// colon in the last one.
func splitVerb(path string) ([]string, string) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	last := segs[len(segs)-1]
	verb := ""
	if i := strings.LastIndexByte(last, ':'); i >= 0 {
		segs[len(segs)-1], verb = last[:i], last[i+1:]
	}
	return segs, verb
}

// allowedMethods returns the methods the gateway serves at path, sorted;
// none for a path it does not know.
func allowedMethods(path string) []string {
	return methodsAt(path, func(routePattern) bool { return true })
}

// tokenRouteMethods returns the methods at path whose RPC a customer's
// verification token may call (tokenMethods, auth.go), sorted: the routes
// a page on another origin may call with the token (cors.go). None for
// every other path, such as create and get customer.
func tokenRouteMethods(path string) []string {
	return methodsAt(path, func(r routePattern) bool { return tokenMethods[r.rpc] })
}

// methodsAt returns the methods of the routes that match path and keep,
// sorted and each once.
func methodsAt(path string, keep func(routePattern) bool) []string {
	segs, verb := splitVerb(path)
	var allowed []string
	for _, r := range gatewayRoutes {
		if r.verb != verb || len(r.segments) != len(segs) || !keep(r) {
			continue
		}
		match := true
		for i, s := range r.segments {
			if s == "*" && segs[i] == "" || s != "*" && s != segs[i] {
				match = false
				break
			}
		}
		if match {
			allowed = append(allowed, r.method)
		}
	}
	slices.Sort(allowed)
	return slices.Compact(allowed)
}

// customVerbMethods answers 405 to a wrong method on a path with a custom
// verb, such as GET /v1/customers/{id}:verify. grpc-gateway would route it
// to the verb-less route of that method (GET /v1/customers/{id}) with the
// verb as part of the ID, and answer that the ID is no UUID.
func customVerbMethods(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, verb := splitVerb(r.URL.Path); verb != "" {
			if allowed := allowedMethods(r.URL.Path); len(allowed) > 0 && !slices.Contains(allowed, r.Method) {
				methodNotAllowed(w, allowed)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// methodNotAllowed answers 405 with the Allow header, in the API's JSON
// error shape; the gRPC code is Unimplemented, as grpc-gateway gives it.
func methodNotAllowed(w http.ResponseWriter, allowed []string) {
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeError(w, http.StatusMethodNotAllowed, codes.Unimplemented, "Method Not Allowed")
}

// routingErrorHandler answers a wrong method on a known path 405 with an
// Allow header, as HTTP says; grpc-gateway would answer 501. Other routing
// errors (404 for an unknown path) are answered as grpc-gateway does, in
// the same JSON error shape.
func routingErrorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	if httpStatus == http.StatusMethodNotAllowed {
		if allowed := allowedMethods(r.URL.Path); len(allowed) > 0 {
			methodNotAllowed(w, allowed)
			return
		}
		// The mux saw a route our table does not know: it is unknown here.
		httpStatus = http.StatusNotFound
	}
	runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, httpStatus)
}
