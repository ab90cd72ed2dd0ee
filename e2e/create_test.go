package e2e

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// request_id over HTTP: parallel duplicates of one create answer 200 with
// one customer; the request_id with another body is a 409; a create refused
// for a phone number in use answers the same 409 when repeated.
func TestDevIdempotentCreate(t *testing.T) {
	// Each duplicate passes the per-phone create limit at the edge.
	_, a := newDevStack(t).startWith(t, "--rate-limit-create-phone", "100/1h")
	body := func(first, email, phone string) string {
		return fmt.Sprintf(`{"request_id":"signup-1","customer":{"first_name":%q,"last_name":"Lee","email":%q,"phone_number":%q}}`,
			first, email, phone)
	}
	const n = 8
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := a.send("POST", "/v1/customers", body("Ann", "ann@example.com", "+447400123460"))
			c, _ := r.body["customer"].(map[string]any)
			if r.status != http.StatusOK {
				t.Errorf("create %d: %d %v", i, r.status, r.body)
			}
			ids[i], _ = c["id"].(string)
		})
	}
	wg.Wait()
	for i := range n {
		if ids[i] == "" || ids[i] != ids[0] {
			t.Fatalf("ids %v, want one customer", ids)
		}
	}
	r := a.send("POST", "/v1/customers", body("Bob", "ann@example.com", "+447400123460"))
	if r.status != http.StatusConflict || r.body["message"] != "request_id was already used for a different customer" {
		t.Errorf("same request_id, other body: %d %v", r.status, r.body)
	}
	taken := `{"request_id":"signup-2","customer":{"first_name":"Cy","last_name":"Lee","email":"cy@example.com","phone_number":"+447400123460"}}`
	for _, step := range []string{"first", "repeat"} {
		r := a.send("POST", "/v1/customers", taken)
		if r.status != http.StatusConflict || r.body["message"] != "customer.phone_number is already used by another customer" {
			t.Errorf("%s create with a phone number in use: %d %v", step, r.status, r.body)
		}
	}
	v := a.verification(ids[0])
	if v["status"] != "VERIFICATION_STATUS_IN_PROGRESS" {
		t.Errorf("verification %v", v)
	}
}
