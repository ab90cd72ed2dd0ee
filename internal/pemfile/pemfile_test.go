package pemfile

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/internal/testpki"
)

func TestKeyPair(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, "test CA")
	leaf := ca.Client(t, "worker")
	certPath, keyPath := leaf.Write(t, dir, "client")
	otherCert, _ := testpki.NewCA(t, "other CA").Client(t, "x").Write(t, dir, "other")
	notPEM := filepath.Join(dir, "not.pem")
	testpki.WriteFile(t, notPEM, []byte("hello\n"))

	cert, err := KeyPair(certPath, keyPath)
	if err != nil || cert.Leaf == nil || cert.Leaf.Subject.CommonName != "worker" {
		t.Fatalf("KeyPair: %v, %v; want the worker's certificate", cert.Leaf, err)
	}
	for _, tc := range []struct {
		name, cert, key string
		want            []string
	}{
		{"missing certificate", filepath.Join(dir, "missing.pem"), keyPath, []string{"missing.pem", "no such file"}},
		{"missing key", certPath, filepath.Join(dir, "missing.key"), []string{"missing.key", "no such file"}},
		{"not PEM", notPEM, keyPath, []string{"not.pem", "PEM"}},
		{"key of another certificate", otherCert, keyPath, []string{"does not match"}},
	} {
		_, err := KeyPair(tc.cert, tc.key)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v; want it to contain %q", tc.name, err, w)
			}
		}
		if strings.Contains(err.Error(), "PRIVATE KEY") {
			t.Errorf("%s: %v quotes the key", tc.name, err)
		}
	}
}

// A certificate outside its validity period is refused, with the period.
func TestKeyPairValidityPeriod(t *testing.T) {
	dir := t.TempDir()
	leaf := testpki.NewCA(t, "test CA").Client(t, "worker")
	certPath, keyPath := leaf.Write(t, dir, "client")
	for _, at := range []time.Time{leaf.TLS.Leaf.NotAfter.Add(time.Second), leaf.TLS.Leaf.NotBefore.Add(-time.Second)} {
		_, err := keyPairAt(certPath, keyPath, at)
		if err == nil || !strings.Contains(err.Error(), "not now") || !strings.Contains(err.Error(), certPath) ||
			!strings.Contains(err.Error(), leaf.TLS.Leaf.NotAfter.UTC().Format(time.RFC3339)) {
			t.Errorf("at %s: %v; want the certificate refused with its validity period", at, err)
		}
	}
	if _, err := keyPairAt(certPath, keyPath, leaf.TLS.Leaf.NotAfter); err != nil {
		t.Errorf("at its last valid second: %v", err)
	}
}

func TestCertPool(t *testing.T) {
	dir := t.TempDir()
	ca, other := testpki.NewCA(t, "test CA"), testpki.NewCA(t, "other CA")
	two := filepath.Join(dir, "two.pem")
	testpki.WriteFile(t, two, append(append([]byte{}, ca.PEM...), other.PEM...))
	pool, err := CertPool(two)
	if err != nil {
		t.Fatal(err)
	}
	want := ca.Pool()
	want.AddCert(other.Cert)
	if !pool.Equal(want) {
		t.Error("the pool does not hold exactly the file's two certificates")
	}

	keyOnly := filepath.Join(dir, "key-only.pem")
	testpki.WriteFile(t, keyOnly, ca.Client(t, "x").KeyPEM)
	broken := filepath.Join(dir, "broken.pem")
	testpki.WriteFile(t, broken, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	for path, want := range map[string]string{
		keyOnly:                        "holds no PEM certificate",
		broken:                         "certificate 1",
		filepath.Join(dir, "nope.pem"): "no such file",
	} {
		if _, err := CertPool(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CertPool(%s) = %v; want an error containing %q", filepath.Base(path), err, want)
		}
	}
}
