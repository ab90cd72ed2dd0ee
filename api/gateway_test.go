package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/coffeeshop/coffeeshop"
)

var createdID = regexp.MustCompile(`^\{"customer":\{"id":"([0-9a-f-]{36})"`)

// created returns the ID in a create response and checks the success
// headers every answer of the gRPC server carries through the gateway.
func created(t *testing.T, r response) string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := r.header.Get("Grpc-Metadata-Content-Type"); got != "application/grpc" {
		t.Errorf("Grpc-Metadata-Content-Type = %q", got)
	}
	m := createdID.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no customer id in %s", r.body)
	}
	if _, err := uuid.Parse(m[1]); err != nil {
		t.Fatalf("id %q: %v", m[1], err)
	}
	return m[1]
}

func TestCreateCustomerSnakeCase(t *testing.T) {
	h := newHarness(t)
	r := h.do(t, "POST", "/v1/customers", `{
		"customer": {"first_name": "Test", "last_name": "Customer", "email": "test@gmail.com", "phone_number": "07911 123456"},
		"request_id": "34dd76a6-230a-41a2-b603-7b99aad15de8"}`)
	id := created(t, r)
	r.want(t, 200, `{"customer":{"id":"`+id+`","firstName":"Test","lastName":"Customer","email":"test@gmail.com","phoneNumber":"+447911123456","phoneVerified":false},"verificationToken":""}`)

	if got := h.verifier.startedIDs(); len(got) != 1 || got[0] != id {
		t.Errorf("verifications started for %v, want [%s]", got, id)
	}
	c, err := h.store.GetCustomer(context.Background(), id)
	if err != nil || c.Email != "test@gmail.com" {
		t.Errorf("stored %+v, %v", c, err)
	}
}

func TestCreateCustomerCamelCase(t *testing.T) {
	h := newHarness(t)
	r := h.do(t, "POST", "/v1/customers",
		`{"customer":{"firstName":"Max","lastName":"Attempts","email":"max@example.com","phoneNumber":"+44 7400-000001"},"requestId":"d9d922e1-529b-4556-9f25-270d1581c928"}`)
	id := created(t, r)
	r.want(t, 200, `{"customer":{"id":"`+id+`","firstName":"Max","lastName":"Attempts","email":"max@example.com","phoneNumber":"+447400000001","phoneVerified":false},"verificationToken":""}`)
}

func TestCreateCustomerIgnoresClientIDAndVerifiedFlag(t *testing.T) {
	h := newHarness(t)
	const own = "fc6dbe1c-5621-4673-b0bd-e93b61c1019a"
	body := func(email, phone string) string {
		return `{"customer":{"id":"` + own + `","first_name":"Own","last_name":"Id","email":"` + email +
			`","phone_number":"` + phone + `","phone_verified":true,"nickname":"x"}}`
	}
	first := created(t, h.do(t, "POST", "/v1/customers", body("own@example.com", "07400000008")))
	// The client's ID again is a new customer, not a conflict on that ID.
	r := h.do(t, "POST", "/v1/customers", body("own2@example.com", "07400000009"))
	second := created(t, r)
	if first == own || second == own || first == second {
		t.Errorf("ids %s, %s; client sent %s", first, second, own)
	}
	r.want(t, 200, `{"customer":{"id":"`+second+`","firstName":"Own","lastName":"Id","email":"own2@example.com","phoneNumber":"+447400000009","phoneVerified":false},"verificationToken":""}`)
	if c, err := h.store.GetCustomer(context.Background(), second); err != nil || c.PhoneVerified {
		t.Errorf("stored %+v, %v", c, err)
	}
}

func TestCreateCustomerPhoneOrEmailInUse(t *testing.T) {
	h := newHarness(t)
	created(t, h.do(t, "POST", "/v1/customers",
		`{"customer":{"first_name":"A","last_name":"B","email":"taken@example.com","phone_number":"+44 7911 123456"}}`))
	// The same number written nationally is the same phone.
	h.do(t, "POST", "/v1/customers",
		`{"customer":{"first_name":"C","last_name":"D","email":"other@example.com","phone_number":"07911123456"}}`).
		want(t, 409, `{"code":6,"message":"customer.phone_number is already used by another customer","details":[]}`)
	h.do(t, "POST", "/v1/customers",
		`{"customer":{"first_name":"C","last_name":"D","email":"Taken@Example.com","phone_number":"+14155550100"}}`).
		want(t, 409, `{"code":6,"message":"customer.email is already used by another customer","details":[]}`)
	if got := h.verifier.startedIDs(); len(got) != 1 {
		t.Errorf("verifications started: %v, want only the first customer's", got)
	}
}

func TestCreateCustomerInvalid(t *testing.T) {
	h := newHarness(t)
	valid := map[string]string{"first_name": "A", "last_name": "B", "email": "a@example.com", "phone_number": "07400000004"}
	with := func(field, value string) string {
		var parts []string
		for _, f := range []string{"first_name", "last_name", "email", "phone_number"} {
			v := valid[f]
			if f == field {
				v = value
			}
			parts = append(parts, fmt.Sprintf("%q:%q", f, v))
		}
		return `{"customer":{` + strings.Join(parts, ",") + `}}`
	}
	bad := func(msg string) string { return `{"code":3,"message":"` + msg + `","details":[]}` }
	const phoneRule = "must be a valid phone number, such as +14155550100"
	for _, tc := range []struct {
		name, body, want string
	}{
		{"body {}", `{}`, bad("customer is required")},
		{"empty body", ``, bad("customer is required")},
		{"only request_id", `{"request_id":"5f0d0c1e-1111-4a6b-8c7d-9e0f1a2b3c4d"}`, bad("customer is required")},
		{"empty customer", `{"customer":{}}`, bad("customer.first_name is required")},
		{"no last name", with("last_name", ""), bad("customer.last_name is required")},
		{"no email", with("email", ""), bad("customer.email is required")},
		{"no phone", with("phone_number", ""), bad("customer.phone_number is required")},
		{"blank first name", with("first_name", "   "), bad("customer.first_name is required")},
		{"long first name", with("first_name", strings.Repeat("é", 101)), bad("customer.first_name must be at most 100 characters")},
		{"email without @", with("email", "a.example.com"), bad("customer.email must be an address like name@example.com")},
		{"email with two @", with("email", "a@b@example.com"), bad("customer.email must be an address like name@example.com")},
		{"email without domain", with("email", "a@"), bad("customer.email must be an address like name@example.com")},
		{"short phone", with("phone_number", "1"), bad("customer.phone_number " + phoneRule)},
		{"long phone", with("phone_number", "+1234567890123456"), bad("customer.phone_number " + phoneRule)},
		{"letters in phone", with("phone_number", "0700 CALL ME"), bad("customer.phone_number " + phoneRule)},
		{"the demo's short number", with("phone_number", "07500514"), bad("customer.phone_number " + phoneRule)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.do(t, "POST", "/v1/customers", tc.body).want(t, 400, tc.want)
		})
	}
	if got := h.verifier.startedIDs(); len(got) != 0 {
		t.Errorf("invalid requests created customers %v", got)
	}
}

// Requests the gateway rejects before they reach the server: its own
// messages, under 400. (Bodies over the size limit get 413: TestBodyLimit.)
func TestCreateCustomerMalformedJSON(t *testing.T) {
	h := newHarness(t)
	for name, body := range map[string]string{
		"truncated":  `{"customer": {"first_name": "Broken"`,
		"not json":   `hello`,
		"null":       `null`,
		"wrong type": `{"customer":{"first_name":"T","last_name":"T","email":"t@example.com","phone_number":7000000007}}`,
	} {
		t.Run(name, func(t *testing.T) {
			r := h.do(t, "POST", "/v1/customers", body)
			if r.status != 400 || !strings.HasPrefix(r.body, `{"code":3,"message":"`) || !strings.HasSuffix(r.body, `","details":[]}`) {
				t.Errorf("got %d %s", r.status, r.body)
			}
		})
	}
}

func TestCreateCustomerFailsWhenVerificationDoesNotStart(t *testing.T) {
	for _, tc := range []struct {
		name     string
		startErr error
		status   int
		body     string
	}{
		{"unavailable", coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "verification is unavailable"), 503,
			`{"code":14,"message":"verification is unavailable","details":[]}`},
		{"internal", errors.New("temporal: dial 10.0.0.7:7233 refused"), 500,
			`{"code":13,"message":"internal error","details":[]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.verifier.startErr = tc.startErr
			h.do(t, "POST", "/v1/customers",
				`{"customer":{"first_name":"A","last_name":"B","email":"a@example.com","phone_number":"07400000004"}}`).
				want(t, tc.status, tc.body)
			started := h.verifier.startedIDs()
			if len(started) != 1 {
				t.Fatalf("verification started %d times", len(started))
			}
			_, err := h.store.GetCustomer(context.Background(), started[0])
			if coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
				t.Errorf("customer %s left after failed verification start: %v", started[0], err)
			}
		})
	}
}

func TestVerifyCustomer(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer(t, "b3da5626-de5a-4a9d-8645-48ccbf4b0816", "Ann", false)
	other := "3c6bf2a5-4574-41cd-995b-730824754ab6"
	path := "/v1/customers/" + id + ":verify"
	bad := func(msg string) string { return `{"code":3,"message":"` + msg + `","details":[]}` }

	r := h.do(t, "POST", path, `{"verification_code":"1233"}`)
	r.want(t, 200, `{"customerId":"`+id+`","result":"VERIFICATION_RESULT_INCORRECT_CODE"}`)
	if got := r.header.Get("Grpc-Metadata-Content-Type"); got != "application/grpc" {
		t.Errorf("Grpc-Metadata-Content-Type = %q", got)
	}
	h.do(t, "POST", path, `{"verificationCode":"1234"}`).
		want(t, 200, `{"customerId":"`+id+`","result":"VERIFICATION_RESULT_SUCCESS"}`)
	// The path names the customer; an ID in the body does not redirect the attempt.
	h.do(t, "POST", path, `{"customer_id":"`+other+`","verification_code":"1234","foo":1}`).
		want(t, 200, `{"customerId":"`+id+`","result":"VERIFICATION_RESULT_SUCCESS"}`)
	// Upper-case hex names the same customer.
	h.do(t, "POST", "/v1/customers/"+strings.ToUpper(id)+":verify", `{"verification_code":"1234"}`).
		want(t, 200, `{"customerId":"`+id+`","result":"VERIFICATION_RESULT_SUCCESS"}`)

	h.do(t, "POST", path, `{}`).want(t, 400, bad("verification_code is required"))
	h.do(t, "POST", path, ``).want(t, 400, bad("verification_code is required"))
	h.do(t, "POST", "/v1/customers/not-a-uuid:verify", `{"verification_code":"1234"}`).
		want(t, 400, bad(`customer_id \"not-a-uuid\" is not a UUID`))
	h.do(t, "POST", "/v1/customers/"+other+":verify", `{"verification_code":"1234"}`).
		want(t, 404, `{"code":5,"message":"no verification for customer `+other+`","details":[]}`)
	for _, body := range []string{`{"verification_code":1234}`, `{"verification_code":`} {
		if r := h.do(t, "POST", path, body); r.status != 400 || !strings.HasPrefix(r.body, `{"code":3,`) {
			t.Errorf("%s: got %d %s", body, r.status, r.body)
		}
	}
}

// A verifier that answers "unspecified" gives the client no answer; that is
// a failure of the service, not a result.
func TestVerifyCustomerUnspecifiedResultIsInternal(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer(t, uuid.NewString(), "Ann", false)
	h.verifier.verify = func(string, string) (coffeeshop.VerificationResult, error) {
		return coffeeshop.VerificationUnspecified, nil
	}
	h.do(t, "POST", "/v1/customers/"+id+":verify", `{"verification_code":"1234"}`).
		want(t, 500, `{"code":13,"message":"internal error","details":[]}`)
	if !strings.Contains(h.logs.String(), "verifier returned result 0") {
		t.Errorf("cause not logged:\n%s", h.logs)
	}
}

func TestGetCustomer(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer(t, "0ddbdea9-1d13-4224-98f7-efe3289ac9fc", "Test", true)
	r := h.do(t, "GET", "/v1/customers/"+id, "")
	r.want(t, 200, `{"customer":`+customerJSON(id, "Test", true)+`}`)
	if got := r.header.Get("Grpc-Metadata-Content-Type"); got != "application/grpc" {
		t.Errorf("Grpc-Metadata-Content-Type = %q", got)
	}
	h.do(t, "GET", "/v1/customers/"+strings.ToUpper(id), "").want(t, 200, `{"customer":`+customerJSON(id, "Test", true)+`}`)

	unknown := "df872cc7-292c-4e67-bc86-fdfd87d2c3db"
	r = h.do(t, "GET", "/v1/customers/"+unknown, "")
	r.want(t, 404, `{"code":5,"message":"customer `+unknown+` not found","details":[]}`)
	if got := r.header.Get("Grpc-Metadata-Content-Type"); got != "" {
		t.Errorf("error carries Grpc-Metadata-Content-Type %q", got)
	}
	h.do(t, "GET", "/v1/customers/not-a-uuid", "").
		want(t, 400, `{"code":3,"message":"customer_id \"not-a-uuid\" is not a UUID","details":[]}`)
	// The unhyphenated form parses as a UUID but is not the form IDs have.
	h.do(t, "GET", "/v1/customers/0ddbdea91d13422498f7efe3289ac9fc", "").
		want(t, 400, `{"code":3,"message":"customer_id \"0ddbdea91d13422498f7efe3289ac9fc\" is not a UUID","details":[]}`)
}

func TestBatchGetCustomers(t *testing.T) {
	h := newHarness(t)
	a := h.addCustomer(t, "0ddbdea9-1d13-4224-98f7-efe3289ac9fc", "Ann", true)
	b := h.addCustomer(t, "10cfbb5d-89cd-49af-a582-555a2d7d6a21", "Bob", false)
	unknown := "df872cc7-292c-4e67-bc86-fdfd87d2c3db"

	r := h.do(t, "GET", "/v1/customers:batchGet?customer_ids="+b+"&customer_ids="+a, "")
	r.want(t, 200, `{"customers":[`+customerJSON(b, "Bob", false)+`,`+customerJSON(a, "Ann", true)+`],"next":false}`)
	if got := r.header.Get("Grpc-Metadata-Content-Type"); got != "application/grpc" {
		t.Errorf("Grpc-Metadata-Content-Type = %q", got)
	}
	h.do(t, "GET", "/v1/customers:batchGet?customer_ids="+a+"&customer_ids="+unknown, "").
		want(t, 200, `{"customers":[`+customerJSON(a, "Ann", true)+`],"next":false}`)
	h.do(t, "GET", "/v1/customers:batchGet?customer_ids="+unknown, "").
		want(t, 200, `{"customers":[],"next":false}`)

	h.do(t, "GET", "/v1/customers:batchGet?customer_ids="+a+"&customer_ids=zzz", "").
		want(t, 400, `{"code":3,"message":"customer_ids \"zzz\" is not a UUID","details":[]}`)
	h.do(t, "GET", "/v1/customers:batchGet", "").
		want(t, 400, `{"code":3,"message":"customer_ids is required","details":[]}`)
	many := "customer_ids=" + a + strings.Repeat("&customer_ids="+a, 100)
	h.do(t, "GET", "/v1/customers:batchGet?"+many, "").
		want(t, 400, `{"code":3,"message":"customer_ids holds 101 IDs, at most 100 are allowed","details":[]}`)
	if r := h.do(t, "GET", "/v1/customers:batchGet?customer_ids="+a+"&page_size=x", ""); r.status != 400 {
		t.Errorf("page_size=x: %d %s", r.status, r.body)
	}
}

func TestBatchGetCustomersPages(t *testing.T) {
	h := newHarness(t)
	names := []string{"A", "B", "C", "D", "E"}
	var ids []string
	var query string
	for _, n := range names {
		id := h.addCustomer(t, uuid.NewString(), n, false)
		ids = append(ids, id)
		query += "&customer_ids=" + id
	}
	page := func(i ...int) string {
		var cs []string
		for _, k := range i {
			cs = append(cs, customerJSON(ids[k], names[k], false))
		}
		return strings.Join(cs, ",")
	}
	for _, tc := range []struct {
		params, want string
	}{
		{"", `{"customers":[` + page(0, 1, 2, 3, 4) + `],"next":false}`},
		{"&page_size=2", `{"customers":[` + page(0, 1) + `],"next":true}`},
		{"&page_size=2&page_index=1", `{"customers":[` + page(2, 3) + `],"next":true}`},
		{"&pageSize=2&pageIndex=2", `{"customers":[` + page(4) + `],"next":false}`},
		{"&page_size=2&page_index=3", `{"customers":[],"next":false}`},
		{"&page_size=5", `{"customers":[` + page(0, 1, 2, 3, 4) + `],"next":false}`},
		{"&page_size=4294967295&page_index=4294967295", `{"customers":[],"next":false}`},
	} {
		t.Run(tc.params, func(t *testing.T) {
			h.do(t, "GET", "/v1/customers:batchGet?"+query[1:]+tc.params, "").want(t, 200, tc.want)
		})
	}
}

func TestRouting(t *testing.T) {
	h := newHarness(t)
	h.do(t, "GET", "/v1/nothing", "").want(t, 404, `{"code":5,"message":"Not Found","details":[]}`)
	h.do(t, "POST", "/v1/customers/"+uuid.NewString()+":nothing", "").want(t, 404, `{"code":5,"message":"Not Found","details":[]}`)
	const notAllowed = `{"code":12,"message":"Method Not Allowed","details":[]}`
	id := uuid.NewString()
	for _, tc := range []struct{ method, path, allow string }{
		{"PUT", "/v1/customers", "POST"},
		{"DELETE", "/v1/customers/" + id, "GET"},
		{"GET", "/v1/customers/" + id + ":verify", "POST"},
		{"POST", "/v1/customers/" + id + "/verification", "GET"},
		{"PATCH", "/v1/customers:batchGet", "GET"},
		{"DELETE", "/openapi.json", "GET"},
	} {
		r := h.do(t, tc.method, tc.path, "")
		r.want(t, 405, notAllowed)
		if got := r.header.Values("Allow"); len(got) != 1 || got[0] != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
}

// failingStore fails every lookup with err.
type failingStore struct {
	coffeeshop.CustomerStore
	err error
}

func (f failingStore) GetCustomer(context.Context, string) (*coffeeshop.Customer, error) {
	return nil, f.err
}

// Every error code reaches HTTP clients under its status, through the gRPC
// server and the gateway.
func TestErrorStatusOverHTTP(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		body   string
	}{
		{coffeeshop.Errorf(coffeeshop.EINVALID, "bad"), 400, `{"code":3,"message":"bad","details":[]}`},
		{coffeeshop.Errorf(coffeeshop.ENOTFOUND, "gone"), 404, `{"code":5,"message":"customer 0ddbdea9-1d13-4224-98f7-efe3289ac9fc not found","details":[]}`},
		{coffeeshop.Errorf(coffeeshop.ECONFLICT, "taken"), 409, `{"code":6,"message":"taken","details":[]}`},
		{coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "database is down"), 503, `{"code":14,"message":"database is down","details":[]}`},
		{coffeeshop.Errorf(coffeeshop.EINTERNAL, "pq: password authentication failed"), 500, `{"code":13,"message":"internal error","details":[]}`},
		{errors.New("disk I/O error at /var/lib/x.db"), 500, `{"code":13,"message":"internal error","details":[]}`},
	} {
		t.Run(tc.err.Error(), func(t *testing.T) {
			h := &harness{store: openStore(t)}
			h.start(t, &Server{Store: failingStore{h.store, tc.err}, Verifier: &fakeVerifier{}})
			h.do(t, "GET", "/v1/customers/0ddbdea9-1d13-4224-98f7-efe3289ac9fc", "").want(t, tc.status, tc.body)
		})
	}
}

// With the gRPC server gone the gateway answers 503, like the demo's G41.
func TestGatewayBackendDown(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gw, err := NewGateway(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{url: httptestServer(t, gw)}
	r := h.do(t, "GET", "/v1/customers/"+uuid.NewString(), "")
	if r.status != 503 || !strings.HasPrefix(r.body, `{"code":14,"message":"`) {
		t.Errorf("got %d %s", r.status, r.body)
	}
}
