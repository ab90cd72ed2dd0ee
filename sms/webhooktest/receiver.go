// Package webhooktest is a stand-in for the receiver behind the webhook
// provider (sms.Webhook), for tests of the packages that send through it.
package webhooktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/sms"
)

// Receiver is an HTTP server that checks each request as a real receiver
// must (sms.VerifyWebhookSignature under its secret), fails the test and
// answers 401 to a bad one, and otherwise keeps the JSON object and
// answers 200.
type Receiver struct {
	// URL is where the webhook sends.
	URL string

	t      testing.TB
	secret []byte
	mu     sync.Mutex
	got    []map[string]string
}

// New starts a Receiver for secret, closed when the test ends.
func New(t testing.TB, secret []byte) *Receiver {
	r := &Receiver{t: t, secret: secret}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if err := sms.VerifyWebhookSignature(r.secret, req.Header, body, time.Now(), 0); err != nil {
		r.t.Errorf("webhook receiver: %v", err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		r.t.Errorf("webhook receiver: body %q: %v", body, err)
	}
	r.mu.Lock()
	r.got = append(r.got, m)
	r.mu.Unlock()
}

// Messages returns the JSON objects received so far, in order.
func (r *Receiver) Messages() []map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]string(nil), r.got...)
}
