package api

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// idVerifier records the request ID in the context of each Verify.
type idVerifier struct {
	*fakeVerifier
	mu   sync.Mutex
	seen []string
}

func (v *idVerifier) Verify(ctx context.Context, id, code, requestID string) (coffeeshop.VerificationResult, error) {
	v.mu.Lock()
	v.seen = append(v.seen, coffeeshop.RequestIDFrom(ctx))
	v.mu.Unlock()
	return v.fakeVerifier.Verify(ctx, id, code, requestID)
}

func (v *idVerifier) last() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.seen) == 0 {
		return ""
	}
	return v.seen[len(v.seen)-1]
}

func TestRequestIDOverHTTP(t *testing.T) {
	h := &harness{store: openStore(t)}
	v := &idVerifier{fakeVerifier: &fakeVerifier{verify: func(string, string) (coffeeshop.VerificationResult, error) {
		return coffeeshop.VerificationIncorrectCode, nil
	}}}
	h.start(t, &Server{Store: h.store, Verifier: v})
	id := h.addCustomer(t, uuid.NewString(), "Ann", false)

	send := func(header ...string) response {
		t.Helper()
		r := h.do(t, "POST", "/v1/customers/"+id+":verify", `{"verification_code":"1111"}`, header...)
		if r.status != http.StatusOK {
			t.Fatalf("verify: %d %s", r.status, r.body)
		}
		if got := r.header.Values(RequestIDHeader); len(got) != 1 {
			t.Errorf("X-Request-Id answered %d times: %q", len(got), got)
		}
		if got := r.header.Get("Grpc-Metadata-X-Request-Id"); got != "" {
			t.Errorf("the gRPC header leaks into HTTP: %q", got)
		}
		return r
	}
	checkLogged := func(rid string) {
		t.Helper()
		if v.last() != rid {
			t.Errorf("verifier saw request id %q, want %q", v.last(), rid)
		}
		if !strings.Contains(h.logs.String(), "request_id="+rid) {
			t.Errorf("no log line with request_id=%s:\n%s", rid, h.logs)
		}
	}

	r := send(RequestIDHeader, "client-id-42")
	if got := r.header.Get(RequestIDHeader); got != "client-id-42" {
		t.Errorf("sane id answered as %q", got)
	}
	checkLogged("client-id-42")

	for _, bad := range []string{"", "has space", strings.Repeat("x", coffeeshop.MaxRequestIDLen+1), "naïve"} {
		r := send(RequestIDHeader, bad, "Grpc-Metadata-X-Request-Id", "smuggled")
		got := r.header.Get(RequestIDHeader)
		if got == bad || !coffeeshop.ValidRequestID(got) || len(got) != 32 {
			t.Errorf("id %q answered as %q, want a fresh one", bad, got)
		}
		checkLogged(got)
	}
	if strings.Contains(h.logs.String(), "smuggled") {
		t.Error("a Grpc-Metadata-X-Request-Id header reached the server")
	}

	// Answers the gateway gives itself carry the id too.
	req, _ := http.NewRequest("POST", h.url+"/v1/customers", strings.NewReader(strings.Repeat(" ", maxBodyBytes+1)))
	req.Header.Set(RequestIDHeader, "big-body")
	if r := roundTrip(t, req); r.status != http.StatusRequestEntityTooLarge || r.header.Get(RequestIDHeader) != "big-body" {
		t.Errorf("413: %d, X-Request-Id %q", r.status, r.header.Get(RequestIDHeader))
	}
}

func TestRequestIDOverGRPC(t *testing.T) {
	h := &harness{store: openStore(t)}
	v := &idVerifier{fakeVerifier: &fakeVerifier{verify: func(string, string) (coffeeshop.VerificationResult, error) {
		return coffeeshop.VerificationIncorrectCode, nil
	}}}
	h.start(t, &Server{Store: h.store, Verifier: v})
	id := h.addCustomer(t, uuid.NewString(), "Ann", false)
	client := grpcClient(t, h.grpcAddr)

	for sent, fresh := range map[string]bool{"grpc-id-7": false, "": true, "has space": true} {
		ctx := context.Background()
		if sent != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, RequestIDMetadata, sent)
		}
		var header metadata.MD
		_, err := client.VerifyCustomer(ctx, &customerv1.VerifyCustomerRequest{CustomerId: id, VerificationCode: "1111"}, grpc.Header(&header))
		if err != nil {
			t.Fatal(err)
		}
		got := header.Get(RequestIDMetadata)
		if len(got) != 1 || (fresh && (got[0] == sent || len(got[0]) != 32)) || (!fresh && got[0] != sent) {
			t.Errorf("sent %q, answered %q", sent, got)
			continue
		}
		if v.last() != got[0] || !strings.Contains(h.logs.String(), "request_id="+got[0]) {
			t.Errorf("request id %q not in the verifier's context (%q) or the log:\n%s", got[0], v.last(), h.logs)
		}
	}
}
