// Package pemfile reads certificates and keys from PEM files, for the TLS
// of the connection to Temporal (client side) and of the embedded frontend
// (server side). Errors name the files, never their contents.
package pemfile

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// KeyPair reads a certificate chain and its key and checks that the
// certificate is valid now: an expired or not yet valid certificate would
// fail every handshake, so it is refused at start.
func KeyPair(certPath, keyPath string) (tls.Certificate, error) {
	return keyPairAt(certPath, keyPath, time.Now())
}

func keyPairAt(certPath, keyPath string, now time.Time) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s and %s: %w", certPath, keyPath, err)
	}
	// X509KeyPair parses the leaf.
	if now.After(cert.Leaf.NotAfter) || now.Before(cert.Leaf.NotBefore) {
		return tls.Certificate{}, fmt.Errorf("%s: the certificate is valid from %s to %s, not now",
			certPath, cert.Leaf.NotBefore.UTC().Format(time.RFC3339), cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return cert, nil
}

// CertPool reads a file of PEM certificates into a pool. It fails for a
// file without any, and for a certificate it cannot parse: a CA file that
// silently trusts nothing would only show as failed handshakes later.
func CertPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	n := 0
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", n+1, err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, errors.New("holds no PEM certificate")
	}
	return pool, nil
}

// VerifiableName returns a name under which a client can verify the
// certificate leaf: its first DNS name (a wildcard's first label replaced
// by "internal"), else its first IP address. It fails for a certificate
// that names neither, which Go's TLS clients (and the SDKs') reject.
func VerifiableName(leaf *x509.Certificate) (string, error) {
	for _, name := range leaf.DNSNames {
		if rest, ok := strings.CutPrefix(name, "*."); ok {
			return "internal." + rest, nil
		}
		if name != "" {
			return name, nil
		}
	}
	if len(leaf.IPAddresses) > 0 {
		return leaf.IPAddresses[0].String(), nil
	}
	return "", errors.New("the certificate names no DNS name or IP address (subject alternative name), so no client can verify it")
}
