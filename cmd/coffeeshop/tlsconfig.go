package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/coffeeshop/coffeeshop/devserver"
	"go.temporal.io/sdk/client"
)

// Environment variables of the client TLS files, named in errors about
// the files.
const (
	envTLSCert = "TEMPORAL_TLS_CLIENT_CERT_PATH"
	envTLSKey  = "TEMPORAL_TLS_CLIENT_KEY_PATH"
	envTLSCA   = "TEMPORAL_TLS_SERVER_CA_CERT_PATH"
)

// load reads the files of the TLS settings of the connection to a remote
// frontend. TLS is on when --tls says so, or when it is not given and any
// TLS setting or an API key is; disabled is set by --tls=false.
func (f *remoteTLSFlags) load() (cfg *tls.Config, disabled bool, err error) {
	if f.TLS != nil && !*f.TLS {
		return nil, true, nil
	}
	on := f.TLS != nil || f.CertPath != "" || f.KeyPath != "" || f.CAPath != "" || f.ServerName != "" || f.APIKey != ""
	if !on {
		return nil, false, nil
	}
	cfg = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: f.ServerName}
	if f.CertPath != "" {
		cert, err := loadKeyPair(f.CertPath, f.KeyPath)
		if err != nil {
			return nil, false, fmt.Errorf("--tls-cert-path/--tls-key-path (%s/%s): %w", envTLSCert, envTLSKey, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if f.CAPath != "" {
		if cfg.RootCAs, err = loadCAs(f.CAPath); err != nil {
			return nil, false, fmt.Errorf("--tls-ca-path (%s) %s: %w", envTLSCA, f.CAPath, err)
		}
	}
	return cfg, false, nil
}

// load reads the certificate of the embedded frontend; nil when it serves
// plaintext.
func (f *servedTLSFlags) load() (*devserver.TLS, error) {
	if f.ServeCertPath == "" {
		return nil, nil
	}
	cert, err := loadKeyPair(f.ServeCertPath, f.ServeKeyPath)
	if err != nil {
		return nil, fmt.Errorf("--temporal-tls-cert/--temporal-tls-key: %w", err)
	}
	if _, err := devserver.VerifiableName(cert.Leaf); err != nil {
		return nil, fmt.Errorf("--temporal-tls-cert %s: %w", f.ServeCertPath, err)
	}
	serve := &devserver.TLS{Certificate: cert}
	if f.ServeClientCAPath != "" {
		if serve.ClientCAs, err = loadCAs(f.ServeClientCAPath); err != nil {
			return nil, fmt.Errorf("--temporal-tls-client-ca %s: %w", f.ServeClientCAPath, err)
		}
	}
	return serve, nil
}

// loadKeyPair reads a certificate chain and its key and checks that the
// certificate is valid now. Its errors never quote the files' contents.
func loadKeyPair(certPath, keyPath string) (tls.Certificate, error) {
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
	// X509KeyPair parses the leaf (Go 1.23 and later).
	if now := time.Now(); now.After(cert.Leaf.NotAfter) || now.Before(cert.Leaf.NotBefore) {
		return tls.Certificate{}, fmt.Errorf("%s: the certificate is valid from %s to %s, not now",
			certPath, cert.Leaf.NotBefore.UTC().Format(time.RFC3339), cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return cert, nil
}

// loadCAs reads a file of PEM certificates into a pool; it fails for a
// file without any.
func loadCAs(path string) (*x509.CertPool, error) {
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

// applyTLS sets the TLS and credentials of opts.
func (c *Config) applyTLS(opts *client.Options) {
	opts.ConnectionOptions.TLS = c.clientTLS
	opts.ConnectionOptions.TLSDisabled = c.tlsDisabled
	if c.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(c.APIKey)
	}
}

// describeTLS says how the connection is secured, for logs; never the key.
func (c *Config) describeTLS() string {
	var parts []string
	switch {
	case c.clientTLS == nil:
		parts = append(parts, "plaintext")
	case len(c.clientTLS.Certificates) > 0:
		parts = append(parts, "mutual TLS")
	default:
		parts = append(parts, "TLS")
	}
	if c.APIKey != "" {
		parts = append(parts, "API key")
	}
	return strings.Join(parts, ", ")
}

// serveBanner describes the embedded frontend's TLS for the banner.
func (c *Config) serveBanner() string {
	if c.serveTLS == nil {
		return "plaintext"
	}
	name, _ := devserver.VerifiableName(c.serveTLS.Certificate.Leaf)
	s := "TLS, certificate for " + name
	if c.serveTLS.ClientCAs != nil {
		s += ", client certificates required"
	}
	return s
}
