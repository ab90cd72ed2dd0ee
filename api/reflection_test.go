package api

import (
	"context"
	"slices"
	"testing"
	"time"

	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// TestGRPCReflection lists the services of the API's gRPC server through
// the reflection service, as grpcurl does, and resolves CustomerService's
// file from it.
func TestGRPCReflection(t *testing.T) {
	h := newHarness(t)
	conn := grpcConn(t, h.grpcAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ask := func(req *reflectionpb.ServerReflectionRequest) *reflectionpb.ServerReflectionResponse {
		t.Helper()
		if err := stream.Send(req); err != nil {
			t.Fatal(err)
		}
		res, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if e := res.GetErrorResponse(); e != nil {
			t.Fatalf("reflection error %d: %s", e.GetErrorCode(), e.GetErrorMessage())
		}
		return res
	}

	service := customerv1.CustomerService_ServiceDesc.ServiceName
	var names []string
	for _, s := range ask(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	}).GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	if !slices.Contains(names, service) {
		t.Fatalf("reflection lists %q, want %s among them", names, service)
	}

	// The file that defines the service comes with its dependencies, and
	// together they describe the service completely.
	res := ask(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: service},
	})
	var set descriptorpb.FileDescriptorSet
	for _, b := range res.GetFileDescriptorResponse().GetFileDescriptorProto() {
		fd := new(descriptorpb.FileDescriptorProto)
		if err := proto.Unmarshal(b, fd); err != nil {
			t.Fatal(err)
		}
		set.File = append(set.File, fd)
	}
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		t.Fatalf("the files reflection sent do not resolve: %v", err)
	}
	d, err := files.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.ParentFile().Path(), customerv1.File_customer_v1_customer_proto.Path(); got != want {
		t.Errorf("%s is defined in %s, want %s", service, got, want)
	}
}
