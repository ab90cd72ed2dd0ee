package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/internal/testpki"
)

// TestSplitModeMutualTLS runs temporal serving mutual TLS with a throwaway
// CA's certificates, and worker and api connecting with a client
// certificate (worker through the Temporal CLI's environment variables,
// api through flags), and takes a customer through a verification. A
// worker that does not trust the CA stops at once with the cause.
func TestSplitModeMutualTLS(t *testing.T) {
	pki := testpki.WriteFiles(t, "temporal.test", "127.0.0.1")
	dir, caPath := pki.Dir, pki.CAPath
	serverCert, serverKey, clientCert, clientKey := pki.ServerCert, pki.ServerKey, pki.ClientCert, pki.ClientKey

	temporalAddr := freeAddr(t)
	temporal := start(t, "coffeeshop temporal", nil, "temporal",
		"--data-dir", filepath.Join(dir, "data"), "--temporal-addr", temporalAddr, "--ui-addr", "",
		"--temporal-tls-cert", serverCert, "--temporal-tls-key", serverKey, "--temporal-tls-client-ca", caPath)
	waitFor(t, temporal, "ready banner", 2*time.Minute, func() bool {
		return strings.Contains(temporal.out.String(), "ready")
	})
	if out := temporal.out.String(); !strings.Contains(out, "TLS, certificate for temporal.test, client certificates required") {
		t.Errorf("banner does not tell the frontend's TLS:\n%s", out)
	}

	db := "sqlite://" + filepath.Join(dir, "customers.db")
	secret := "COFFEESHOP_CODE_SECRET=" + strings.Repeat("7a", 32)
	worker := start(t, "coffeeshop worker", []string{secret, payloadKeys,
		"TEMPORAL_ADDRESS=" + temporalAddr, "TEMPORAL_TLS_SERVER_CA_CERT_PATH=" + caPath,
		"TEMPORAL_TLS_CLIENT_CERT_PATH=" + clientCert, "TEMPORAL_TLS_CLIENT_KEY_PATH=" + clientKey,
	}, "worker", "--fixed-code", "1234", "--database-url", db)
	httpAddr := freeAddr(t)
	apiProc := start(t, "coffeeshop api", []string{secret, payloadKeys}, "api", "--http-addr", httpAddr, "--grpc-addr", freeAddr(t),
		"--database-url", db, "--temporal-address", temporalAddr,
		"--tls-ca-path", caPath, "--tls-cert-path", clientCert, "--tls-key-path", clientKey)
	key, _ := createKey(t, "--database-url", db)
	a := api{t: t, base: "http://" + httpAddr, key: key}
	waitHTTP(t, apiProc, a.base)
	waitFor(t, worker, "worker ready", 2*time.Minute, func() bool {
		return strings.Contains(worker.out.String(), "worker ready")
	})
	if out := worker.out.String(); !strings.Contains(out, `"temporal_auth":"mutual TLS"`) {
		t.Errorf("worker log does not tell the connection's security:\n%s", out)
	}

	id := a.create("+447400123427")
	expect(t, "wrong code", a.verify(id, "0000"), "VERIFICATION_RESULT_INCORRECT_CODE")
	expect(t, "right code", a.verify(id, "1234"), "VERIFICATION_RESULT_SUCCESS")
	if !a.phoneVerified(id) {
		t.Fatal("customer not verified after SUCCESS")
	}

	// TLS with the system's roots, which do not know the test CA.
	stranger := start(t, "coffeeshop worker (no CA)", []string{secret, payloadKeys}, "worker", "--database-url", db,
		"--temporal-address", temporalAddr, "--tls", "--tls-cert-path", clientCert, "--tls-key-path", clientKey)
	select {
	case <-stranger.done:
	case <-time.After(30 * time.Second):
		t.Fatal("a worker that cannot verify the frontend's certificate did not stop within 30s")
	}
	if code := stranger.cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stranger.out.String(), "certificate signed by unknown authority") {
		t.Errorf("worker without the CA: exit %d, output:\n%s\nwant exit 1 naming the unknown authority", code, stranger.out.String())
	}

	apiProc.terminate()
	worker.terminate()
	temporal.terminate()
}
