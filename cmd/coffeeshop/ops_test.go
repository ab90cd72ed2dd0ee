package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/internal/cli"
	"github.com/coffeeshop/coffeeshop/opsserver"
	"github.com/coffeeshop/coffeeshop/sqlite"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.temporal.io/sdk/client"
)

const opsTestSecret = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func freeAddr(t *testing.T) string {
	t.Helper()
	port, err := devserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// httpDo sends a request and returns the status and body.
func httpDo(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	return httpDoAs(t, "", method, url, body)
}

// httpDoAs is httpDo with the API key key, when not empty.
func httpDoAs(t *testing.T, key, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitUp polls url until it answers at all.
func waitUp(t *testing.T, url string, exited <-chan int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case code := <-exited:
			t.Fatalf("process exited with %d before %s answered", code, url)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer", url)
}

// scrape reads a /metrics page.
func scrape(t *testing.T, url string) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	code, text := httpDo(t, "GET", url, "")
	if code != 200 {
		t.Fatalf("GET %s: %d", url, code)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return fams, text
}

// value is the counter's value, or histogram's count, of the series of
// name whose labels include want; -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
	sum, found := 0.0, false
outer:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue outer
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		}
	}
	if !found {
		return -1
	}
	return sum
}

// TestSplitPartsServeHealthAndMetrics runs worker and api (as run does,
// from their command lines) against an embedded Temporal server, verifies
// a customer over HTTP, and reads both processes' health endpoints and
// metrics. Then it stops both and checks that they return cleanly.
func TestSplitPartsServeHealthAndMetrics(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dir := t.TempDir()
	srv, err := startEmbeddedTemporal(ctx, &cli.EmbeddedServerFlags{DataDir: dir, TemporalAddr: "127.0.0.1:0"}, nil, "", discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()

	dbURL := "sqlite:" + filepath.Join(dir, "customers.db")
	remote := []string{"--temporal-address", srv.FrontendAddr(), "--database-url", dbURL,
		"--code-secret", opsTestSecret, "--encryption-key", "k1:" + testKey, "--log-level", "warn"}
	healthAddr, httpAddr := freeAddr(t), freeAddr(t)
	start := func(args ...string) <-chan int {
		exited := make(chan int, 1)
		go func() { exited <- run(ctx, args, io.Discard, io.Discard) }()
		return exited
	}
	workerExit := start(append([]string{"worker", "--fixed-code", "1234", "--health-addr", healthAddr}, remote...)...)
	apiExit := start(append([]string{"api", "--http-addr", httpAddr, "--grpc-addr", freeAddr(t)}, remote...)...)
	workerURL, apiURL := "http://"+healthAddr, "http://"+httpAddr
	waitUp(t, workerURL+"/healthz", workerExit)
	waitUp(t, apiURL+"/healthz", apiExit)

	for _, url := range []string{workerURL, apiURL} {
		if code, body := httpDo(t, "GET", url+"/healthz", ""); code != 200 || strings.TrimSpace(body) != `{"status":"ok"}` {
			t.Errorf("GET %s/healthz: %d %s", url, code, body)
		}
		if code, body := httpDo(t, "GET", url+"/readyz", ""); code != 200 ||
			strings.TrimSpace(body) != `{"status":"ok","checks":{"store":"ok","temporal":"ok"}}` {
			t.Errorf("GET %s/readyz: %d %s", url, code, body)
		}
	}

	// api requires an API key: one made as an operator would, with the
	// keys command on the api's database.
	var keyOut strings.Builder
	if code := run(ctx, []string{"keys", "create", "--name", "ops test", "--database-url", dbURL}, &keyOut, io.Discard); code != 0 {
		t.Fatalf("keys create: exit %d", code)
	}
	key := strings.TrimSpace(keyOut.String())
	key = key[strings.LastIndexByte(key, '\n')+1:]
	if code, _ := httpDo(t, "GET", apiURL+"/v1/customers/00000000-0000-4000-8000-000000000000", ""); code != 401 {
		t.Errorf("get without a key: %d, want 401", code)
	}
	code, body := httpDoAs(t, key, "POST", apiURL+"/v1/customers", `{"customer":{"first_name":"Ada","last_name":"Lovelace",
		"email":"ada@example.com","phone_number":"+447400123456"}}`)
	if code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	var created struct{ Customer struct{ ID string } }
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.Customer.ID == "" {
		t.Fatalf("create answered %s", body)
	}
	id := created.Customer.ID
	for _, c := range []struct{ code, want string }{{"1233", "INCORRECT_CODE"}, {"1234", "SUCCESS"}} {
		code, body := httpDoAs(t, key, "POST", apiURL+"/v1/customers/"+id+":verify", `{"verification_code":"`+c.code+`"}`)
		if code != 200 || !strings.Contains(body, c.want) {
			t.Fatalf("verify %s: %d %s", c.code, code, body)
		}
	}
	if code, body := httpDoAs(t, key, "GET", apiURL+"/v1/customers/"+id, ""); code != 200 {
		t.Fatalf("get: %d %s", code, body)
	}
	if code, _ := httpDoAs(t, key, "GET", apiURL+"/v1/customers/"+id+"/nope", ""); code != 404 {
		t.Fatalf("unknown route: %d", code)
	}

	// The API: requests by route template, gRPC calls, the SDK client.
	fams, text := scrape(t, apiURL+"/metrics")
	if strings.Contains(text, id) {
		t.Errorf("the API's metrics contain the customer id %s", id)
	}
	verifyRoute := "/v1/customers/{customer_id}:verify"
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"coffeeshop_http_requests_total", map[string]string{"method": "POST", "route": "/v1/customers", "status": "200"}, 1},
		{"coffeeshop_http_requests_total", map[string]string{"method": "POST", "route": verifyRoute, "status": "200"}, 2},
		{"coffeeshop_http_request_duration_seconds", map[string]string{"route": verifyRoute}, 2},
		{"coffeeshop_http_requests_total", map[string]string{"method": "GET", "route": "/v1/customers/{customer_id}", "status": "200"}, 1},
		{"coffeeshop_http_requests_total", map[string]string{"method": "GET", "route": "unmatched", "status": "404"}, 1},
		{"coffeeshop_http_requests_total", map[string]string{"method": "GET", "route": "/readyz", "status": "200"}, 1},
		{"coffeeshop_grpc_requests_total", map[string]string{"method": "/customer.v1.CustomerService/VerifyCustomer", "code": "OK"}, 2},
		// Refused by authentication, before any other interceptor: counted too.
		{"coffeeshop_grpc_requests_total", map[string]string{"method": "/customer.v1.CustomerService/GetCustomer", "code": "Unauthenticated"}, 1},
		{"coffeeshop_http_requests_total", map[string]string{"method": "GET", "route": "/v1/customers/{customer_id}", "status": "401"}, 1},
		{"coffeeshop_grpc_request_duration_seconds", map[string]string{"method": "/customer.v1.CustomerService/CreateCustomer", "code": "OK"}, 1},
	} {
		if got := value(fams, c.name, c.labels); got != c.want {
			t.Errorf("api: %s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// SDK metrics reach the registry at the next tally report (1 s).
	waitMetric(t, apiURL+"/metrics", "temporal_request_total", nil)

	// The worker: texts, verification outcomes, the SDK's worker metrics.
	for _, m := range []struct {
		name   string
		labels map[string]string
	}{
		{"coffeeshop_verifications_started_total", nil},
		{"coffeeshop_verifications_succeeded_total", nil},
		{"coffeeshop_verification_attempts_total", map[string]string{"result": "incorrect_code"}},
		{"temporal_workflow_task_execution_latency_seconds", map[string]string{"workflow_type": "VerifyPhone"}},
		{"temporal_long_request_total", nil},
	} {
		waitMetric(t, workerURL+"/metrics", m.name, m.labels)
	}
	fams, _ = scrape(t, workerURL+"/metrics")
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"coffeeshop_sms_sent_total", map[string]string{"provider": "console"}, 2},
		{"coffeeshop_sms_failed_total", map[string]string{"provider": "console"}, 0},
		{"coffeeshop_verifications_started_total", nil, 1},
		{"coffeeshop_verifications_succeeded_total", nil, 1},
		{"coffeeshop_verification_attempts_total", map[string]string{"result": "success"}, 1},
	} {
		if got := value(fams, c.name, c.labels); got != c.want {
			t.Errorf("worker: %s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	cancel()
	for name, exited := range map[string]<-chan int{"worker": workerExit, "api": apiExit} {
		if code := <-exited; code != 0 {
			t.Errorf("%s exited with %d after its context ended, want 0", name, code)
		}
	}
}

// waitMetric scrapes url until a series of name with the labels has a
// value above 0: the SDK's metrics are copied into the registry once a
// second.
func waitMetric(t *testing.T, url, name string, labels map[string]string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		fams, _ := scrape(t, url)
		if value(fams, name, labels) > 0 {
			return
		}
		if time.Now().After(deadline) {
			var names []string
			for n := range fams {
				names = append(names, n)
			}
			t.Fatalf("%s: no %s%v; metrics: %v", url, name, labels, names)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// /readyz answers 503 and names what failed: a closed store, a Temporal
// frontend nobody listens on. /healthz stays 200.
func TestReadyzNamesWhatFailed(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "customers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0") // a port that refuses once closed
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := l.Addr().String()
	l.Close()
	tc, err := client.NewLazyClient(client.Options{HostPort: deadAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()

	o := opsserver.New("", discardLogger())
	defer o.Close()
	checkReady(o, st, tc)
	srv := &http.Server{Handler: apiHandler(o, nil, false, nil)(http.NotFoundHandler())}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(hl)
	defer srv.Close()
	url := "http://" + hl.Addr().String()

	code, body := httpDo(t, "GET", url+"/readyz", "")
	if code != 503 || strings.TrimSpace(body) != `{"status":"unavailable","checks":{"store":"ok","temporal":"unreachable"}}` {
		t.Errorf("readyz with Temporal down: %d %s", code, body)
	}
	st.Close()
	code, body = httpDo(t, "GET", url+"/readyz", "")
	if code != 503 || strings.TrimSpace(body) != `{"status":"unavailable","checks":{"store":"unreachable","temporal":"unreachable"}}` {
		t.Errorf("readyz with both down: %d %s", code, body)
	}
	if code, body := httpDo(t, "GET", url+"/healthz", ""); code != 200 {
		t.Errorf("healthz: %d %s", code, body)
	}
	fams, _ := scrape(t, url+"/metrics")
	if got := value(fams, "coffeeshop_http_requests_total", map[string]string{"route": "/readyz", "status": "503"}); got != 2 {
		t.Errorf("readyz 503s counted: %v, want 2", got)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
