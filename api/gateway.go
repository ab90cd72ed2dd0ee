package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"

	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// maxBodyBytes caps a request body; the largest valid request is far
// smaller.
const maxBodyBytes = 1 << 20

// NewGateway returns an HTTP handler that serves CustomerService as JSON (the
// routes of customer.proto) by proxying every request to the gRPC server at
// grpcAddr over a plaintext connection, which is meant for loopback. The
// connection is made lazily and closed when ctx is done.
//
// Responses are compact protojson in camelCase with every field present; an
// error is {"code":N,"message":"…","details":[]} under the HTTP status of its
// gRPC code. Requests may name fields in snake_case or camelCase; unknown
// fields are ignored.
func NewGateway(ctx context.Context, grpcAddr string) (http.Handler, error) {
	mux := runtime.NewServeMux(runtime.WithMarshalerOption(runtime.MIMEWildcard, &compactJSON{
		JSONPb: runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: true},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: true},
		},
	}))
	dial := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if err := customerv1.RegisterCustomerServiceHandlerFromEndpoint(ctx, mux, grpcAddr, dial); err != nil {
		return nil, fmt.Errorf("api: gateway to %s: %w", grpcAddr, err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		mux.ServeHTTP(w, r)
	}), nil
}

// compactJSON is the gateway's protojson codec with compact output.
// protojson deliberately adds random spaces to its output (differently per
// binary) so that nobody depends on its exact bytes; clients of this API
// already do, so the output is compacted.
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
