package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/coffeeshop/coffeeshop"
)

// doHeaders is harness.do with request headers.
func (h *harness) doHeaders(t *testing.T, method, path, body string, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	req.Header.Set("Content-Type", "application/json")
	return roundTrip(t, req)
}

// The idempotency key reaches the Verifier from the body or from the
// Idempotency-Key header; two different keys are a client mistake.
func TestVerifyCustomerIdempotencyKey(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer(t, uuid.NewString(), "Ann", false)
	path := "/v1/customers/" + id + ":verify"
	incorrect := `{"customerId":"` + id + `","result":"VERIFICATION_RESULT_INCORRECT_CODE"}`

	h.do(t, "POST", path, `{"verification_code":"1233","request_id":"body-key"}`).want(t, 200, incorrect)
	h.doHeaders(t, "POST", path, `{"verification_code":"1233"}`, http.Header{"Idempotency-Key": {"header-key"}}).
		want(t, 200, incorrect)
	h.doHeaders(t, "POST", path, `{"verificationCode":"1233","requestId":"same"}`, http.Header{"Idempotency-Key": {"same"}}).
		want(t, 200, incorrect)
	h.do(t, "POST", path, `{"verification_code":"1233"}`).want(t, 200, incorrect)
	h.doHeaders(t, "POST", path, `{"verification_code":"1233","request_id":"a"}`, http.Header{"Idempotency-Key": {"b"}}).
		want(t, 400, `{"code":3,"message":"request_id and the Idempotency-Key header differ","details":[]}`)

	got := strings.Join(h.verifier.seenRequestIDs(), ",")
	if want := "body-key,header-key,same,"; got != want {
		t.Errorf("request IDs passed on: %q, want %q", got, want)
	}
}

func TestVerifyCustomerExpired(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer(t, uuid.NewString(), "Ann", false)
	h.verifier.verify = func(string, string) (coffeeshop.VerificationResult, error) {
		return coffeeshop.VerificationExpired, nil
	}
	h.do(t, "POST", "/v1/customers/"+id+":verify", `{"verification_code":"1234"}`).
		want(t, 200, `{"customerId":"`+id+`","result":"VERIFICATION_RESULT_EXPIRED"}`)
}

var (
	codeExpiry   = time.Date(2026, 11, 25, 10, 2, 0, 0, time.UTC)
	windowExpiry = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
)

func TestResendCode(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer(t, uuid.NewString(), "Ann", false)
	var asked []*coffeeshop.Customer
	h.verifier.resend = func(c *coffeeshop.Customer) (*coffeeshop.Verification, error) {
		asked = append(asked, c)
		return &coffeeshop.Verification{CustomerID: c.ID, Status: coffeeshop.VerificationStatusInProgress,
			AttemptsLeft: 3, SendsLeft: 3, CodeExpiresAt: codeExpiry, ExpiresAt: windowExpiry}, nil
	}
	r := h.do(t, "POST", "/v1/customers/"+id+":resendCode", `{}`)
	r.want(t, 200, `{"verification":{"customerId":"`+id+`","status":"VERIFICATION_STATUS_IN_PROGRESS",`+
		`"attemptsLeft":3,"sendsLeft":3,"codeExpiresAt":"2026-11-25T10:02:00Z","expiresAt":"2026-11-26T10:00:00Z","delivery":null}}`)
	// An empty body is fine: the path names the customer.
	h.do(t, "POST", "/v1/customers/"+id+":resendCode", ``).want(t, 200, r.body)
	if len(asked) != 2 || asked[0].ID != id || asked[0].PhoneNumber != phoneFor("Ann") {
		t.Errorf("verifier asked for %+v", asked)
	}
}

func TestResendCodeErrors(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer(t, uuid.NewString(), "Ann", false)
	verified := h.addCustomer(t, uuid.NewString(), "Bob", true)
	unknown := uuid.NewString()
	var calls int
	h.verifier.resend = func(c *coffeeshop.Customer) (*coffeeshop.Verification, error) {
		calls++
		return nil, &coffeeshop.Error{Code: coffeeshop.ETOOMANY, Message: "a code was sent less than 30s ago; retry after 20s",
			RetryAfter: 19*time.Second + 100*time.Millisecond}
	}

	r := h.do(t, "POST", "/v1/customers/"+id+":resendCode", `{}`)
	r.want(t, 429, `{"code":8,"message":"a code was sent less than 30s ago; retry after 20s","details":[`+
		`{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"20s"}]}`)
	if got := r.header.Get("Retry-After"); got != "20" {
		t.Errorf("Retry-After = %q, want 20", got)
	}

	h.do(t, "POST", "/v1/customers/"+verified+":resendCode", `{}`).
		want(t, 409, `{"code":6,"message":"customer `+verified+` is already verified","details":[]}`)
	h.do(t, "POST", "/v1/customers/"+unknown+":resendCode", `{}`).
		want(t, 404, `{"code":5,"message":"customer `+unknown+` not found","details":[]}`)
	h.do(t, "POST", "/v1/customers/nope:resendCode", `{}`).
		want(t, 400, `{"code":3,"message":"customer_id \"nope\" is not a UUID","details":[]}`)
	if calls != 1 {
		t.Errorf("verifier asked %d times, want once (only for the unverified customer)", calls)
	}

	// A verifier that answers without a status has failed.
	h.verifier.resend = func(c *coffeeshop.Customer) (*coffeeshop.Verification, error) {
		return &coffeeshop.Verification{CustomerID: c.ID}, nil
	}
	h.do(t, "POST", "/v1/customers/"+id+":resendCode", `{}`).
		want(t, 500, `{"code":13,"message":"internal error","details":[]}`)
}

func TestGetVerification(t *testing.T) {
	h := newHarness(t)
	id := uuid.NewString()
	unknown := uuid.NewString()
	h.verifier.get = func(got string) (*coffeeshop.Verification, error) {
		if got != id {
			return nil, coffeeshop.Errorf(coffeeshop.ENOTFOUND, "customer %s has no verification", got)
		}
		return &coffeeshop.Verification{CustomerID: id, Status: coffeeshop.VerificationStatusExpired,
			AttemptsLeft: 2, SendsLeft: 5, ExpiresAt: windowExpiry}, nil
	}
	h.do(t, "GET", "/v1/customers/"+strings.ToUpper(id)+"/verification", "").
		want(t, 200, `{"verification":{"customerId":"`+id+`","status":"VERIFICATION_STATUS_EXPIRED",`+
			`"attemptsLeft":2,"sendsLeft":5,"codeExpiresAt":null,"expiresAt":"2026-11-26T10:00:00Z","delivery":null}}`)
	h.do(t, "GET", "/v1/customers/"+unknown+"/verification", "").
		want(t, 404, `{"code":5,"message":"customer `+unknown+` has no verification","details":[]}`)
	h.do(t, "GET", "/v1/customers/x/verification", "").
		want(t, 400, `{"code":3,"message":"customer_id \"x\" is not a UUID","details":[]}`)
}

// A verification whose code the SMS provider refused for good answers a
// verify with the result UNDELIVERABLE and the status with the status
// UNDELIVERABLE; a resend the provider refuses again is 400
// FAILED_PRECONDITION with the verifier's message for the client.
func TestUndeliverableVerification(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer(t, uuid.NewString(), "Ann", false)
	h.verifier.verify = func(string, string) (coffeeshop.VerificationResult, error) {
		return coffeeshop.VerificationUndeliverable, nil
	}
	h.verifier.get = func(string) (*coffeeshop.Verification, error) {
		return &coffeeshop.Verification{CustomerID: id, Status: coffeeshop.VerificationStatusUndeliverable, SendsLeft: 4}, nil
	}
	undeliverable := coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "the verification code could not be delivered to this phone number")
	h.verifier.resend = func(*coffeeshop.Customer) (*coffeeshop.Verification, error) { return nil, undeliverable }

	h.do(t, "POST", "/v1/customers/"+id+":verify", `{"verification_code":"1234"}`).
		want(t, 200, `{"customerId":"`+id+`","result":"VERIFICATION_RESULT_UNDELIVERABLE"}`)
	r := h.do(t, "GET", "/v1/customers/"+id+"/verification", "")
	if r.status != 200 || !strings.Contains(r.body, `"status":"VERIFICATION_STATUS_UNDELIVERABLE"`) {
		t.Errorf("status: %d %s, want 200 with VERIFICATION_STATUS_UNDELIVERABLE", r.status, r.body)
	}
	h.do(t, "POST", "/v1/customers/"+id+":resendCode", `{}`).
		want(t, 400, `{"code":9,"message":"the verification code could not be delivered to this phone number","details":[]}`)
}
