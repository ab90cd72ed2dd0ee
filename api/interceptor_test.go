package api

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// panickyStore panics when asked for one particular customer.
type panickyStore struct {
	coffeeshop.CustomerStore
	bomb string
}

func (p panickyStore) GetCustomer(ctx context.Context, id string) (*coffeeshop.Customer, error) {
	if id == p.bomb {
		var c *coffeeshop.Customer
		_ = c.ID // nil dereference, the demo's crash
	}
	return p.CustomerStore.GetCustomer(ctx, id)
}

func TestPanicBecomesInternalAndServerKeepsServing(t *testing.T) {
	h := &harness{store: openStore(t)}
	bomb := uuid.NewString()
	h.start(t, &Server{Store: panickyStore{h.store, bomb}, Verifier: &fakeVerifier{}})
	ok := h.addCustomer(t, uuid.NewString(), "Ann", false)

	client := grpcClient(t, h.grpcAddr)
	ctx := context.Background()

	_, err := client.GetCustomer(ctx, &customerv1.GetCustomerRequest{CustomerId: bomb})
	if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "internal error" {
		t.Fatalf("panicking call: %v %q", st.Code(), st.Message())
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "panic in grpc handler") || !strings.Contains(logs, "nil pointer dereference") ||
		!strings.Contains(logs, "panickyStore.GetCustomer") {
		t.Errorf("panic not logged with its cause and stack:\n%s", logs)
	}

	// The same server, over the same connection and over HTTP, still works.
	res, err := client.GetCustomer(ctx, &customerv1.GetCustomerRequest{CustomerId: ok})
	if err != nil || res.GetCustomer().GetId() != ok {
		t.Fatalf("after panic: %v, %v", res, err)
	}
	h.do(t, "GET", "/v1/customers/"+bomb, "").want(t, 500, `{"code":13,"message":"internal error","details":[]}`)
	h.do(t, "GET", "/v1/customers/"+ok, "").want(t, 200, `{"customer":`+customerJSON(ok, "Ann", false)+`}`)
}
