package cli

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/internal/testpki"
	"github.com/coffeeshop/coffeeshop/temporalclient"
)

// tlsFiles are PEM files of a throwaway CA, a server certificate it issued
// for 127.0.0.1 and a client certificate.
type tlsFiles struct {
	dir                   string
	ca                    *testpki.CA
	server                *testpki.Leaf
	caPath                string
	serverCert, serverKey string
	clientCert, clientKey string
}

func newTLSFiles(t *testing.T) tlsFiles {
	t.Helper()
	p := testpki.WriteFiles(t, "127.0.0.1")
	return tlsFiles{dir: p.Dir, ca: p.CA, server: p.Server, caPath: p.CAPath,
		serverCert: p.ServerCert, serverKey: p.ServerKey, clientCert: p.ClientCert, clientKey: p.ClientKey}
}

// file writes data to a new file of the test and returns its path.
func (f tlsFiles) file(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	testpki.WriteFile(t, p, []byte(data))
	return p
}

func TestBadTLSSettingsNameTheFlag(t *testing.T) {
	t.Setenv("COFFEESHOP_CODE_SECRET", strings.Repeat("ab", 32))
	t.Setenv(envEncryptionKeys, "k1:"+testKey(t))
	f := newTLSFiles(t)
	other, _ := testpki.NewCA(t, "other CA").Client(t, "x").Write(t, f.dir, "other")
	noNames, noNamesKey := f.ca.Client(t, "no names").Write(t, f.dir, "nonames")
	notPEM := f.file(t, "not.pem", "hello\n")
	keyOnly := f.file(t, "key-only.pem", string(f.server.KeyPEM))
	for _, tc := range []struct {
		env  []string
		args []string
		want []string
	}{
		{nil, []string{"worker", "--tls-cert-path", f.clientCert}, []string{"--tls-cert-path (TEMPORAL_TLS_CLIENT_CERT_PATH", "--tls-key-path (", "give both"}},
		{[]string{"TEMPORAL_TLS_CLIENT_KEY_PATH", f.clientKey}, []string{"api"}, []string{"--tls-cert-path (", "go together"}},
		{nil, []string{"api", "--tls-cert-path", filepath.Join(f.dir, "missing.pem"), "--tls-key-path", f.clientKey}, []string{"--tls-cert-path/--tls-key-path", "missing.pem", "no such file"}},
		{nil, []string{"worker", "--tls-cert-path", notPEM, "--tls-key-path", f.clientKey}, []string{"--tls-cert-path/--tls-key-path", "PEM"}},
		{nil, []string{"worker", "--tls-cert-path", other, "--tls-key-path", f.clientKey}, []string{"--tls-cert-path/--tls-key-path", "does not match"}},
		{nil, []string{"worker", "--tls-ca-path", keyOnly}, []string{"--tls-ca-path", "holds no PEM certificate"}},
		{nil, []string{"worker", "--tls-ca-path", filepath.Join(f.dir, "nope.pem")}, []string{"--tls-ca-path", "no such file"}},
		{nil, []string{"api", "--tls=false", "--tls-ca-path", f.caPath}, []string{"--tls=false", "contradicts --tls-ca-path"}},
		{[]string{"TEMPORAL_TLS", "false"}, []string{"api", "--tls-server-name", "x"}, []string{"contradicts --tls-server-name"}},
		{[]string{"TEMPORAL_TLS", "maybe"}, []string{"worker"}, []string{"TEMPORAL_TLS", "must be true"}},
		{nil, []string{"worker", "--api-key", "two words"}, []string{"--api-key", "value not shown"}},
		{nil, []string{"temporal", "--temporal-tls-cert", f.serverCert}, []string{"--temporal-tls-cert (COFFEESHOP_TEMPORAL_TLS_CERT) and --temporal-tls-key"}},
		{nil, []string{"temporal", "--temporal-tls-client-ca", f.caPath}, []string{"--temporal-tls-client-ca (COFFEESHOP_TEMPORAL_TLS_CLIENT_CA) needs"}},
		{nil, []string{"temporal", "--temporal-tls-cert", f.serverCert, "--temporal-tls-key", f.clientKey}, []string{"--temporal-tls-cert/--temporal-tls-key", "does not match"}},
		{nil, []string{"temporal", "--temporal-tls-cert", noNames, "--temporal-tls-key", noNamesKey}, []string{"--temporal-tls-cert", "no DNS name or IP address"}},
		{nil, []string{"temporal", "--temporal-tls-cert", f.serverCert, "--temporal-tls-key", f.serverKey, "--temporal-tls-client-ca", notPEM}, []string{"--temporal-tls-client-ca", "holds no PEM certificate"}},
	} {
		t.Run(tc.args[0]+" "+tc.want[0], func(t *testing.T) {
			for i := 0; i+1 < len(tc.env); i += 2 {
				t.Setenv(tc.env[i], tc.env[i+1])
			}
			code, out := runArgs(t, tc.args...)
			if code != 2 {
				t.Fatalf("exit %d, output %q; want 2", code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output %q does not contain %q", out, w)
				}
			}
			for _, secret := range []string{"PRIVATE KEY", "two words"} {
				if strings.Contains(out, secret) {
					t.Errorf("output %q shows %q", out, secret)
				}
			}
		})
	}
}

// TestAPIKeyNeverPrinted checks that --help shows neither the API key from
// the environment nor a key given by flag.
func TestAPIKeyNeverPrinted(t *testing.T) {
	const key = "sekrit-api-key-123"
	t.Setenv("TEMPORAL_API_KEY", key)
	for _, cmd := range []string{"worker", "api"} {
		if code, out := runArgs(t, cmd, "--help"); code != 0 || strings.Contains(out, key) || !strings.Contains(out, "TEMPORAL_API_KEY") {
			t.Errorf("%s --help: exit %d, output %q; want the variable named and the key not shown", cmd, code, out)
		}
		if code, out := runArgs(t, cmd, "--api-key", key, "--help"); code != 0 || strings.Contains(out, key) {
			t.Errorf("%s --api-key … --help: exit %d, shows the key", cmd, code)
		}
	}
}

// TestTLSSettingsReachTheConnection checks what the flags and the
// environment make of the connection's security; temporalclient's tests
// dial with it.
func TestTLSSettingsReachTheConnection(t *testing.T) {
	t.Setenv("COFFEESHOP_CODE_SECRET", strings.Repeat("ab", 32))
	t.Setenv(envEncryptionKeys, "k1:"+testKey(t))
	f := newTLSFiles(t)
	for _, tc := range []struct {
		env      []string
		args     []string
		describe string
		disabled bool
	}{
		{nil, []string{"worker"}, "plaintext", false},
		{nil, []string{"api", "--tls"}, "TLS", false},
		{[]string{"TEMPORAL_API_KEY", "test-api-key"}, []string{"worker", "--tls-ca-path", f.caPath}, "TLS, API key", false},
		{[]string{"TEMPORAL_API_KEY", "test-api-key"}, []string{"api", "--tls=false"}, "plaintext, API key", true},
		{[]string{"TEMPORAL_TLS", "false"}, []string{"worker", "--api-key", "test-api-key"}, "plaintext, API key", true},
		{nil, []string{"worker", "--tls-cert-path", f.clientCert, "--tls-key-path", f.clientKey, "--tls-ca-path", f.caPath},
			"mutual TLS", false},
	} {
		t.Run(strings.Join(append(tc.env, tc.args...), " "), func(t *testing.T) {
			for i := 0; i+1 < len(tc.env); i += 2 {
				t.Setenv(tc.env[i], tc.env[i+1])
			}
			var sec temporalclient.Security
			if tc.args[0] == "worker" {
				sec = loaded[*Worker](t, tc.args...).Security
			} else {
				sec = loaded[*API](t, tc.args...).Security
			}
			if sec.Describe() != tc.describe || sec.Disabled != tc.disabled {
				t.Errorf("security %s, disabled %v; want %s, disabled %v", sec.Describe(), sec.Disabled, tc.describe, tc.disabled)
			}
			if strings.Contains(tc.describe, "API key") && sec.APIKey != "test-api-key" {
				t.Error("the API key did not reach the connection")
			}
			if slices.Contains(tc.args, "--tls-ca-path") && (sec.TLS == nil || !sec.TLS.RootCAs.Equal(f.ca.Pool())) {
				t.Error("the CA file did not reach the connection")
			}
		})
	}
}

// TestOlderTLSEnvironmentNames: the names older Temporal CLI releases used
// for the three files are read when the newer ones are not set.
func TestOlderTLSEnvironmentNames(t *testing.T) {
	t.Setenv("COFFEESHOP_CODE_SECRET", strings.Repeat("ab", 32))
	t.Setenv(envEncryptionKeys, "k1:"+testKey(t))
	f := newTLSFiles(t)
	t.Setenv("TEMPORAL_TLS_CERT", f.clientCert)
	t.Setenv("TEMPORAL_TLS_KEY", f.clientKey)
	t.Setenv("TEMPORAL_TLS_CA", f.caPath)
	c := loaded[*Worker](t, "worker")
	if c.CertPath != f.clientCert || c.KeyPath != f.clientKey || c.CAPath != f.caPath {
		t.Fatalf("older names: cert %q key %q ca %q; want the files they name", c.CertPath, c.KeyPath, c.CAPath)
	}
	if c.Security.TLS == nil || len(c.Security.TLS.Certificates) != 1 {
		t.Fatal("older names: no client certificate loaded")
	}

	// The newer name wins when both are set.
	other := f.file(t, "other-ca.pem", string(f.ca.PEM))
	t.Setenv(temporalclient.EnvTLSCA, other)
	if got := loaded[*API](t, "api").CAPath; got != other {
		t.Errorf("with both names set: CA path %q, want %s's %q", got, temporalclient.EnvTLSCA, other)
	}
}
