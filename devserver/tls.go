package devserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	uiconfig "github.com/temporalio/ui-server/v2/server/config"

	"github.com/coffeeshop/coffeeshop/internal/pemfile"
	"go.temporal.io/server/common/rpc/encryption"
)

// TLS makes the frontend serve TLS.
type TLS struct {
	// Certificate is the frontend's certificate chain and private key,
	// presented to every client. Its leaf must name a DNS name or an IP
	// address (subject alternative name): the server's own clients verify
	// it under that name.
	Certificate tls.Certificate

	// ClientCAs, when not nil, makes the frontend require a client
	// certificate issued by one of them (mutual TLS) on every connection.
	ClientCAs *x509.CertPool
}

// internalName is the server name of the certificate the services present
// to each other. No DNS resolves it; it is only ever checked against that
// certificate.
const internalName = "internode.devserver.invalid"

// tlsSetup is the TLS configuration of every listener and internal client
// of one server with Config.TLS set.
//
// The server has clients of its own: its system workers and its internal
// calls dial the frontend, the Web UI proxies to it, and Start probes it.
// They trust exactly the frontend's leaf certificate (a pool that holds
// the leaf verifies it whoever issued it) under a name the leaf carries,
// since they dial an IP. Under mutual TLS they present an identity made
// at start, a self-signed certificate whose key never leaves the
// process, which the frontend accepts besides ClientCAs.
//
// The history, matching and worker services listen on the frontend's IP
// too; with TLS they accept only that internal identity, so that they do
// not open a way around the frontend's authentication.
type tlsSetup struct {
	provider *encryption.FixedTLSConfigProvider
	// frontendClient is what the server's own clients of the frontend use.
	frontendClient *tls.Config
	// ui is the Web UI's connection to the frontend.
	ui uiconfig.TLS
}

// newTLSSetup builds the configuration for a frontend on frontendIP.
func newTLSSetup(t *TLS, frontendIP string) (*tlsSetup, error) {
	if len(t.Certificate.Certificate) == 0 || t.Certificate.PrivateKey == nil {
		return nil, errors.New("devserver: TLS.Certificate has no certificate or no private key")
	}
	leaf, err := x509.ParseCertificate(t.Certificate.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("devserver: TLS certificate: %w", err)
	}
	frontendName, err := pemfile.VerifiableName(leaf)
	if err != nil {
		return nil, fmt.Errorf("devserver: TLS certificate: %w", err)
	}
	frontendRoots := x509.NewCertPool()
	frontendRoots.AddCert(leaf)

	internal, internalLeaf, err := internalIdentity()
	if err != nil {
		return nil, err
	}
	internalRoots := x509.NewCertPool()
	internalRoots.AddCert(internalLeaf)

	frontendServer := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{t.Certificate},
	}
	if t.ClientCAs != nil {
		clientCAs := t.ClientCAs.Clone()
		clientCAs.AddCert(internalLeaf)
		frontendServer.ClientAuth = tls.RequireAndVerifyClientCert
		frontendServer.ClientCAs = clientCAs
	}
	frontendClient := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		RootCAs:      frontendRoots,
		ServerName:   frontendName,
		Certificates: []tls.Certificate{internal}, // sent only when asked for
	}
	internodeServer := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{internal},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    internalRoots,
	}
	internodeClient := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{internal},
		RootCAs:      internalRoots,
		ServerName:   internalName,
	}

	keyDER, err := x509.MarshalPKCS8PrivateKey(internal.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("devserver: internal TLS identity: %w", err)
	}
	b64PEM := func(typ string, der []byte) string {
		return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	return &tlsSetup{
		provider: &encryption.FixedTLSConfigProvider{
			InternodeServerConfig: internodeServer,
			InternodeClientConfig: internodeClient,
			FrontendServerConfig:  frontendServer,
			FrontendClientConfig:  frontendClient,
			// Calls the server makes to "remote" clusters by address; the
			// one cluster is this one.
			RemoteClusterClientConfigs: map[string]*tls.Config{frontendIP: frontendClient},
		},
		frontendClient: frontendClient,
		ui: uiconfig.TLS{
			CaData:                 b64PEM("CERTIFICATE", leaf.Raw),
			CertData:               b64PEM("CERTIFICATE", internalLeaf.Raw),
			KeyData:                b64PEM("PRIVATE KEY", keyDER),
			ServerName:             frontendName,
			EnableHostVerification: true,
		},
	}, nil
}

// internalIdentity makes a self-signed certificate and key for the
// services' connections to each other and to the frontend.
func internalIdentity() (tls.Certificate, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("devserver: internal TLS identity: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("devserver: internal TLS identity: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: internalName},
		DNSNames:     []string{internalName},
		NotBefore:    now.Add(-time.Hour),
		// It lives as long as the process; a long-running server must not
		// find its own certificate expired.
		NotAfter:              now.AddDate(100, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("devserver: internal TLS identity: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("devserver: internal TLS identity: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf, nil
}
