// Package customerv1 is the Go code generated from customer.proto: the
// messages, the gRPC client and server of CustomerService, and the
// grpc-gateway handlers that serve it as JSON over HTTP, and the OpenAPI
// document of those HTTP routes.
//
// Edit customer.proto, never the generated files, and regenerate with
//
//	go generate ./proto/...
package customerv1

//go:generate bash ../../../scripts/protogen.sh
