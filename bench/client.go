package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	cust, a := c.createAs(ctx, "", id.phone(i), id.email(i), id.requestID("create", i))
	return cust, a.d, a.key
}

// createAs signs up a customer with phone, email and request ID, from the
// client address from ("" for the connection's own).
func (c *client) createAs(ctx context.Context, from, phone, email, requestID string) (*customerJSON, answer) {
	body := map[string]any{
		"customer": map[string]string{
			"first_name":   "Bench",
			"last_name":    "Customer",
			"email":        email,
			"phone_number": phone,
		},
		"request_id": requestID,
	}
	var a customerAnswer
	ans := c.send(ctx, from, http.MethodPost, "/v1/customers", body, &a)
	if ans.key == "" && (a.Customer == nil || a.Customer.ID == "") {
		ans.key = "body"
	}
	return a.Customer, ans
}

func (c *client) verify(ctx context.Context, customerID, code, requestID string) (VerifyAnswer, time.Duration, string) {
	v, a := c.verifyAs(ctx, "", customerID, code, requestID)
	return v, a.d, a.key
}

// verifyAs is verify from the client address from.
func (c *client) verifyAs(ctx context.Context, from, customerID, code, requestID string) (VerifyAnswer, answer) {
	body := map[string]string{"verification_code": code, "request_id": requestID}
	var a VerifyAnswer
	ans := c.send(ctx, from, http.MethodPost, "/v1/customers/"+url.PathEscape(customerID)+":verify", body, &a)
	if ans.key == "" && a.Result == "" {
		ans.key = "body"
	}
	return a, ans
}

func (c *client) get(ctx context.Context, customerID string) (*customerJSON, time.Duration, string) {
	var a customerAnswer
	d, key := c.do(ctx, http.MethodGet, "/v1/customers/"+url.PathEscape(customerID), nil, &a)
	if key == "" && a.Customer == nil {
		key = "body"
	}
	return a.Customer, d, key
}

// answer is how one request went: its latency, "" or the error key it
// failed with, and for an HTTP error the reason of its
// google.rpc.ErrorInfo detail ("" without one).
type answer struct {
	d      time.Duration
	key    string
	reason string
}

// refusal is the error key of a failed request refined by its reason:
// "PREFIX_BLOCKED", or the key ("409", "timeout") when it gave none.
func (a answer) refusal() string {
	if a.reason != "" {
		return a.reason
	}
	return a.key
}

// errorBody is the part of the gateway's error body the tool reads: the
// details, one of which may be a google.rpc.ErrorInfo with a reason.
type errorBody struct {
	Details []struct {
		Type   string `json:"@type"`
		Reason string `json:"reason"`
	} `json:"details"`
}

// do sends one request bounded by the client's timeout and decodes a 200
// answer into out. The latency covers sending, the server's work and reading
// the whole body.
func (c *client) do(ctx context.Context, method, path string, in, out any) (time.Duration, string) {
	a := c.send(ctx, "", method, path, in, out)
	return a.d, a.key
}

// send is do from the client address from: sent as X-Forwarded-For, which
// a server that trusts the tool's address as a proxy takes for the
// client's ("" sends none).
func (c *client) send(ctx context.Context, from, method, path string, in, out any) answer {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return answer{key: "transport"}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return answer{key: "transport"}
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{d: time.Since(start), key: transportKey(ctx, err)}
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return answer{d: d, key: transportKey(ctx, err)}
	}
	if resp.StatusCode != http.StatusOK {
		a := answer{d: d, key: strconv.Itoa(resp.StatusCode)}
		var e errorBody
		if json.Unmarshal(data, &e) == nil {
			for _, detail := range e.Details {
				if strings.HasSuffix(detail.Type, "/google.rpc.ErrorInfo") && detail.Reason != "" {
					a.reason = detail.Reason
					break
				}
			}
		}
		return a
	}
	if err := json.Unmarshal(data, out); err != nil {
		return answer{d: d, key: "body"}
	}
	return answer{d: d}
}

func transportKey(ctx context.Context, err error) string {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "timeout"
	}
	return "transport"
}
