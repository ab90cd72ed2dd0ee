package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/internal/pemfile"
	"github.com/coffeeshop/coffeeshop/temporalclient"
)

// The environment variables of the connection to a remote frontend
// (temporalclient's); the flag names are the Temporal CLI's.
const (
	envTLS        = temporalclient.EnvTLS
	envTLSCert    = temporalclient.EnvTLSCert
	envTLSKey     = temporalclient.EnvTLSKey
	envTLSCA      = temporalclient.EnvTLSCA
	envServerName = temporalclient.EnvTLSServerName
	envAPIKey     = temporalclient.EnvAPIKey
	envTLSCertOld = temporalclient.EnvTLSCertOld
	envTLSKeyOld  = temporalclient.EnvTLSKeyOld
	envTLSCAOld   = temporalclient.EnvTLSCAOld
)

// TemporalTLS is how a worker or api authenticates to a remote frontend
// and how the embedded frontend of `coffeeshop temporal` serves TLS.
type TemporalTLS struct {
	// Client side (worker, api).
	TLS        optionalBool // --tls: unset means on when anything below asks for it
	CertPath   string
	KeyPath    string
	CAPath     string
	ServerName string
	APIKey     string

	// The embedded frontend (temporal).
	ServeCertPath     string
	ServeKeyPath      string
	ServeClientCAPath string

	// Filled in by validateTemporalTLS, which reads every file once.
	client   *tls.Config // nil: plaintext
	disabled bool        // --tls=false: plaintext even with an API key
	serve    *devserver.TLS
}

// optionalBool is a boolean flag that knows whether it was given.
type optionalBool struct{ set, value bool }

func (b *optionalBool) String() string {
	if b == nil || !b.set {
		return ""
	}
	return strconv.FormatBool(b.value)
}

func (b *optionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("must be true or false")
	}
	b.set, b.value = true, v
	return nil
}

func (b *optionalBool) IsBoolFlag() bool { return true }

// remoteTLSFlags binds the TLS and API key settings of the connection to a
// remote frontend (worker, api).
//
// --api-key's default is not taken from the environment, as other flags'
// are: --help prints defaults, and it must not print the key.
// validateTemporalTLS reads TEMPORAL_API_KEY (and TEMPORAL_TLS) instead.
func (fs *flagSet) remoteTLSFlags() {
	c := &fs.cfg.TemporalTLS
	fs.used["tls"], fs.envs["tls"] = true, envTLS
	fs.Var(&c.TLS, "tls", "connect to the Temporal frontend with TLS (system roots unless --tls-ca-path); on by default when a --tls-* setting or an API key is given; --tls=false forces plaintext")
	fs.strOr(&c.CertPath, "tls-cert-path", envTLSCert, envTLSCertOld, "", "PEM client certificate for mutual TLS with the Temporal frontend (needs --tls-key-path)")
	fs.strOr(&c.KeyPath, "tls-key-path", envTLSKey, envTLSKeyOld, "", "PEM private key of --tls-cert-path")
	fs.strOr(&c.CAPath, "tls-ca-path", envTLSCA, envTLSCAOld, "", "PEM certificates of the CAs that issued the frontend's certificate (default: the system's roots)")
	fs.str(&c.ServerName, "tls-server-name", envServerName, "", "name to verify the frontend's certificate against (and to send as SNI); default: the host of --temporal-address")
	fs.used["api-key"], fs.envs["api-key"] = true, envAPIKey
	fs.StringVar(&c.APIKey, "api-key", "", "API key sent to the frontend as \"Authorization: Bearer <key>\" (Temporal Cloud); implies TLS unless --tls=false. Prefer the environment variable: a flag shows in the process list")
}

// embeddedTLSFlags binds the certificate of the embedded frontend
// (temporal).
func (fs *flagSet) embeddedTLSFlags() {
	c := &fs.cfg.TemporalTLS
	fs.str(&c.ServeCertPath, "temporal-tls-cert", "COFFEESHOP_TEMPORAL_TLS_CERT", "", "PEM certificate (chain) of the embedded frontend: with it, the frontend serves only TLS (needs --temporal-tls-key)")
	fs.str(&c.ServeKeyPath, "temporal-tls-key", "COFFEESHOP_TEMPORAL_TLS_KEY", "", "PEM private key of --temporal-tls-cert")
	fs.str(&c.ServeClientCAPath, "temporal-tls-client-ca", "COFFEESHOP_TEMPORAL_TLS_CLIENT_CA", "", "PEM CA certificates: the frontend then requires a client certificate issued by one of them (mutual TLS)")
}

// validateTemporalTLS reads the environment variables the flags do not
// take their defaults from, checks the TLS settings the subcommand uses and
// loads their files, once. Errors name the flag and its variable, never a
// key or the API key.
func (fs *flagSet) validateTemporalTLS() []error {
	var errs []error
	if fs.used["tls"] {
		errs = append(errs, fs.validateClientTLS()...)
	}
	if fs.used["temporal-tls-cert"] {
		errs = append(errs, fs.validateServeTLS()...)
	}
	return errs
}

func (fs *flagSet) validateClientTLS() []error {
	c := &fs.cfg.TemporalTLS
	var errs []error
	if !fs.isSet("tls") {
		if v, ok := os.LookupEnv(envTLS); ok && v != "" {
			if err := c.TLS.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s %q: %w", envTLS, v, err))
			}
		}
	}
	if c.APIKey == "" && !fs.isSet("api-key") {
		c.APIKey = os.Getenv(envAPIKey)
	}
	if c.APIKey != "" && !coffeeshop.IsVisibleASCII(c.APIKey) {
		errs = append(errs, fmt.Errorf("--api-key (or %s): must be printable ASCII without spaces (value not shown)", envAPIKey))
	}
	if (c.CertPath == "") != (c.KeyPath == "") {
		errs = append(errs, errors.New("--tls-cert-path and --tls-key-path (or "+envTLSCert+" and "+envTLSKey+") go together: give both or neither"))
	}
	if c.TLS.set && !c.TLS.value {
		for _, s := range []struct{ flag, val string }{
			{"--tls-cert-path", c.CertPath}, {"--tls-key-path", c.KeyPath},
			{"--tls-ca-path", c.CAPath}, {"--tls-server-name", c.ServerName},
		} {
			if s.val != "" {
				errs = append(errs, fmt.Errorf("--tls=false (or %s=false) contradicts %s", envTLS, s.flag))
			}
		}
		c.disabled = true
		return errs
	}
	on := c.TLS.value || c.CertPath != "" || c.KeyPath != "" || c.CAPath != "" || c.ServerName != "" || c.APIKey != ""
	if !on {
		return errs
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName}
	if c.CertPath != "" && c.KeyPath != "" {
		cert, err := pemfile.KeyPair(c.CertPath, c.KeyPath)
		if err != nil {
			errs = append(errs, fmt.Errorf("--tls-cert-path/--tls-key-path (%s/%s): %w", envTLSCert, envTLSKey, err))
		} else {
			cfg.Certificates = []tls.Certificate{cert}
		}
	}
	if c.CAPath != "" {
		pool, err := pemfile.CertPool(c.CAPath)
		if err != nil {
			errs = append(errs, fmt.Errorf("--tls-ca-path (%s) %s: %w", envTLSCA, c.CAPath, err))
		}
		cfg.RootCAs = pool
	}
	c.client = cfg
	return errs
}

func (fs *flagSet) validateServeTLS() []error {
	c := &fs.cfg.TemporalTLS
	if c.ServeCertPath == "" && c.ServeKeyPath == "" {
		if c.ServeClientCAPath != "" {
			return []error{errors.New("--temporal-tls-client-ca needs --temporal-tls-cert and --temporal-tls-key: client certificates are asked for only over TLS")}
		}
		return nil
	}
	if c.ServeCertPath == "" || c.ServeKeyPath == "" {
		return []error{errors.New("--temporal-tls-cert and --temporal-tls-key go together: give both or neither")}
	}
	var errs []error
	cert, err := pemfile.KeyPair(c.ServeCertPath, c.ServeKeyPath)
	if err != nil {
		errs = append(errs, fmt.Errorf("--temporal-tls-cert/--temporal-tls-key: %w", err))
	} else if _, err := devserver.VerifiableName(cert.Leaf); err != nil {
		errs = append(errs, fmt.Errorf("--temporal-tls-cert %s: %w", c.ServeCertPath, err))
	}
	serve := &devserver.TLS{Certificate: cert}
	if c.ServeClientCAPath != "" {
		if serve.ClientCAs, err = pemfile.CertPool(c.ServeClientCAPath); err != nil {
			errs = append(errs, fmt.Errorf("--temporal-tls-client-ca %s: %w", c.ServeClientCAPath, err))
		}
	}
	if len(errs) == 0 {
		c.serve = serve
	}
	return errs
}

// security is the connection's TLS and API key as validateClientTLS
// loaded them.
func (t *TemporalTLS) security() temporalclient.Security {
	return temporalclient.Security{TLS: t.client, Disabled: t.disabled, APIKey: t.APIKey}
}

// serveBanner describes the embedded frontend's TLS for the banner.
func (t *TemporalTLS) serveBanner() string {
	if t.serve == nil {
		return "plaintext"
	}
	name, _ := devserver.VerifiableName(t.serve.Certificate.Leaf)
	s := "TLS, certificate for " + name
	if t.serve.ClientCAs != nil {
		s += ", client certificates required"
	}
	return s
}
