package main

import (
	"errors"
	"fmt"

	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/internal/pemfile"
	"github.com/coffeeshop/coffeeshop/temporalclient"
)

// tlsFlags names the flag of each connection setting that temporalclient
// names by its environment variable.
var tlsFlags = map[string]string{
	temporalclient.EnvTLS:           "tls",
	temporalclient.EnvTLSCert:       "tls-cert-path",
	temporalclient.EnvTLSKey:        "tls-key-path",
	temporalclient.EnvTLSCA:         "tls-ca-path",
	temporalclient.EnvTLSServerName: "tls-server-name",
	temporalclient.EnvAPIKey:        "api-key",
}

// settings are the TLS and API key of the connection to a remote frontend.
func (f *remoteTLSFlags) settings() temporalclient.SecuritySettings {
	return temporalclient.SecuritySettings{TLS: f.TLS, CertPath: f.CertPath, KeyPath: f.KeyPath, CAPath: f.CAPath,
		ServerName: f.ServerName, APIKey: f.APIKey}
}

// load reads the files of the TLS settings of the connection to a remote
// frontend. An error names the first bad file's flags and variables.
func (f *remoteTLSFlags) load() (temporalclient.Security, error) {
	sec, err := f.settings().Load()
	var se *temporalclient.SettingError
	if errors.As(err, &se) {
		if len(se.Settings) == 2 {
			return sec, fmt.Errorf("--%s/--%s (%s/%s): %w", tlsFlags[se.Settings[0]], tlsFlags[se.Settings[1]],
				se.Settings[0], se.Settings[1], se.Err)
		}
		return sec, fmt.Errorf("--%s (%s) %w", tlsFlags[se.Settings[0]], se.Settings[0], se.Err)
	}
	return sec, err
}

// load reads the certificate of the embedded frontend; nil when it serves
// plaintext.
func (f *servedTLSFlags) load() (*devserver.TLS, error) {
	if f.ServeCertPath == "" {
		return nil, nil
	}
	cert, err := pemfile.KeyPair(f.ServeCertPath, f.ServeKeyPath)
	if err != nil {
		return nil, fmt.Errorf("--temporal-tls-cert/--temporal-tls-key: %w", err)
	}
	if _, err := devserver.VerifiableName(cert.Leaf); err != nil {
		return nil, fmt.Errorf("--temporal-tls-cert %s: %w", f.ServeCertPath, err)
	}
	serve := &devserver.TLS{Certificate: cert}
	if f.ServeClientCAPath != "" {
		if serve.ClientCAs, err = pemfile.CertPool(f.ServeClientCAPath); err != nil {
			return nil, fmt.Errorf("--temporal-tls-client-ca %s: %w", f.ServeClientCAPath, err)
		}
	}
	return serve, nil
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
