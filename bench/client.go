package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The verify answers the tool expects, as the HTTP/JSON gateway spells them.
const (
	ResultSuccess       = "VERIFICATION_RESULT_SUCCESS"
	ResultIncorrectCode = "VERIFICATION_RESULT_INCORRECT_CODE"
	ResultCodeExpired   = "VERIFICATION_RESULT_CODE_EXPIRED"
)

// customerJSON is the part of the API's customer the tool reads.
type customerJSON struct {
	ID            string `json:"id"`
	PhoneVerified bool   `json:"phoneVerified"`
}

type customerAnswer struct {
	Customer *customerJSON `json:"customer"`
}

// VerifyAnswer is the body of a verify answer.
type VerifyAnswer struct {
	CustomerID string `json:"customerId"`
	Result     string `json:"result"`
}

// client calls one server's HTTP API. Each call returns the decoded body, its
// latency and "" or the error key it failed with (see OpStats.Errors).
type client struct {
	base    string
	http    *http.Client
	timeout time.Duration
	apiKey  string
}

func (c *client) create(ctx context.Context, id identity, i int) (*customerJSON, time.Duration, string) {
	body := map[string]any{
		"customer": map[string]string{
			"first_name":   "Bench",
			"last_name":    fmt.Sprintf("Customer %d", i),
			"email":        id.email(i),
			"phone_number": id.phone(i),
		},
		"request_id": id.requestID("create", i),
	}
	var a customerAnswer
	d, key := c.do(ctx, http.MethodPost, "/v1/customers", body, &a)
	if key == "" && (a.Customer == nil || a.Customer.ID == "") {
		key = "body"
	}
	return a.Customer, d, key
}

func (c *client) verify(ctx context.Context, customerID, code, requestID string) (VerifyAnswer, time.Duration, string) {
	body := map[string]string{"verification_code": code, "request_id": requestID}
	var a VerifyAnswer
	d, key := c.do(ctx, http.MethodPost, "/v1/customers/"+url.PathEscape(customerID)+":verify", body, &a)
	if key == "" && a.Result == "" {
		key = "body"
	}
	return a, d, key
}

func (c *client) get(ctx context.Context, customerID string) (*customerJSON, time.Duration, string) {
	var a customerAnswer
	d, key := c.do(ctx, http.MethodGet, "/v1/customers/"+url.PathEscape(customerID), nil, &a)
	if key == "" && a.Customer == nil {
		key = "body"
	}
	return a.Customer, d, key
}

// do sends one request bounded by the client's timeout and decodes a 200
// answer into out. The latency covers sending, the server's work and reading
// the whole body.
func (c *client) do(ctx context.Context, method, path string, in, out any) (time.Duration, string) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, "transport"
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, "transport"
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return time.Since(start), transportKey(ctx, err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return d, transportKey(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		return d, strconv.Itoa(resp.StatusCode)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return d, "body"
	}
	return d, ""
}

func transportKey(ctx context.Context, err error) string {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "timeout"
	}
	return "transport"
}
