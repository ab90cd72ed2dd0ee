package devserver_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/internal/testpki"
)

// TestMutualTLS serves the frontend with a certificate of a throwaway CA
// and requires client certificates of another. A client with the right CA
// and a client certificate runs a workflow (through the history and
// matching services, which talk TLS among themselves); one without a
// client certificate, without the CA or asking for another name is
// refused. The server's own clients keep working: the Web UI lists the
// namespace, and the system workers poll their task queue.
func TestMutualTLS(t *testing.T) {
	serverCA := testpki.NewCA(t, "test server CA")
	serverCert := serverCA.Server(t, "temporal.test", "127.0.0.1")
	clientCA := testpki.NewCA(t, "test client CA")
	clientCert := clientCA.Client(t, "worker")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Config{
		DataDir:      t.TempDir(),
		FrontendAddr: "127.0.0.1:0",
		UIAddr:       "127.0.0.1:0",
		Logger:       quietLogger(),
		TLS:          &devserver.TLS{Certificate: serverCert.TLS, ClientCAs: clientCA.Pool()},
	})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { srv.Stop() })

	dialTLS := func(cfg *tls.Config) (client.Client, error) {
		c, err := client.DialContext(ctx, client.Options{
			HostPort:          srv.FrontendAddr(),
			Namespace:         "default",
			Logger:            sdklog.NewStructuredLogger(quietLogger()),
			ConnectionOptions: client.ConnectionOptions{TLS: cfg},
		})
		if err == nil {
			t.Cleanup(c.Close)
		}
		return c, err
	}

	t.Run("client certificate and CA", func(t *testing.T) {
		c, err := dialTLS(&tls.Config{RootCAs: serverCA.Pool(), Certificates: []tls.Certificate{clientCert.TLS}})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		startWorker(t, c)
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "greet-tls", TaskQueue: taskQueue}, Greet, "TLS")
		if err != nil {
			t.Fatalf("ExecuteWorkflow: %v", err)
		}
		var got string
		if err := run.Get(ctx, &got); err != nil || got != "hello, TLS" {
			t.Fatalf("workflow = %q, %v; want hello, TLS", got, err)
		}

		// The system workers (schedules, batch operations, ...) connect
		// to the frontend like any client: their pollers show on their
		// task queue once they are in. Wait for them, up to a minute.
		deadline := time.Now().Add(time.Minute)
		for {
			resp, err := c.DescribeTaskQueue(ctx, "temporal-sys-per-ns-tq", enumspb.TASK_QUEUE_TYPE_WORKFLOW)
			if err == nil && len(resp.GetPollers()) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no system worker polls temporal-sys-per-ns-tq after a minute (last error: %v)", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	// A client without an acceptable certificate learns of it from the
	// server's alert, or, when the server closed the connection first,
	// from a failed write.
	refused := []string{"certificate required", "broken pipe", "connection reset"}
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
		want []string // any of
	}{
		{"no client certificate", &tls.Config{RootCAs: serverCA.Pool()}, refused},
		// Go's client sends no certificate the server's CAs did not issue.
		{"a certificate of another CA", &tls.Config{RootCAs: serverCA.Pool(), Certificates: []tls.Certificate{serverCA.Client(t, "stranger").TLS}}, refused},
		{"without the CA", &tls.Config{RootCAs: x509.NewCertPool(), Certificates: []tls.Certificate{clientCert.TLS}}, []string{"certificate signed by unknown authority"}},
		{"another server name", &tls.Config{RootCAs: serverCA.Pool(), ServerName: "other.test", Certificates: []tls.Certificate{clientCert.TLS}}, []string{"not other.test"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
			defer dcancel()
			_, err := client.DialContext(dctx, client.Options{
				HostPort: srv.FrontendAddr(), Namespace: "default",
				Logger:            sdklog.NewStructuredLogger(quietLogger()),
				ConnectionOptions: client.ConnectionOptions{TLS: tc.cfg},
			})
			if err == nil || !containsAny(err.Error(), tc.want) {
				t.Fatalf("dial: err = %v, want an error containing one of %q", err, tc.want)
			}
		})
	}

	t.Run("web UI", func(t *testing.T) {
		resp, err := http.Get(srv.UIURL() + "/api/v1/namespaces")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"default"`) {
			t.Fatalf("GET /api/v1/namespaces = %d, %.300q; want 200 listing \"default\"", resp.StatusCode, body)
		}
	})
}

// TestTLSCertificateWithoutNames checks that Start refuses a certificate
// no client could verify.
func TestTLSCertificateWithoutNames(t *testing.T) {
	ca := testpki.NewCA(t, "test CA")
	leaf := ca.Client(t, "no names") // names neither a DNS name nor an IP
	_, err := devserver.Start(context.Background(), devserver.Config{
		DataDir: t.TempDir(), FrontendAddr: "127.0.0.1:0",
		TLS: &devserver.TLS{Certificate: leaf.TLS},
	})
	if err == nil || !strings.Contains(err.Error(), "no DNS name or IP address") {
		t.Fatalf("Start: err = %v, want an error about the certificate's names", err)
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestTLSWithoutClientCertificates serves TLS without asking for client
// certificates: a client that trusts the CA connects with none, and the
// Web UI reaches the frontend.
func TestTLSWithoutClientCertificates(t *testing.T) {
	ca := testpki.NewCA(t, "test server CA")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Config{
		DataDir: t.TempDir(), FrontendAddr: "127.0.0.1:0", UIAddr: "127.0.0.1:0", Logger: quietLogger(),
		TLS: &devserver.TLS{Certificate: ca.Server(t, "*.temporal.test", "127.0.0.1").TLS},
	})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { srv.Stop() })
	c, err := client.DialContext(ctx, client.Options{
		HostPort: srv.FrontendAddr(), Namespace: "default", Logger: sdklog.NewStructuredLogger(quietLogger()),
		ConnectionOptions: client.ConnectionOptions{TLS: &tls.Config{RootCAs: ca.Pool(), ServerName: "frontend.temporal.test"}},
	})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if _, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"}); err != nil {
		t.Fatalf("DescribeNamespace: %v", err)
	}
	resp, err := http.Get(srv.UIURL() + "/api/v1/namespaces")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"default"`) {
		t.Fatalf("GET /api/v1/namespaces = %d, %.300q; want 200 listing \"default\"", resp.StatusCode, body)
	}
}
