package temporalclient

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/pemfile"
	"go.temporal.io/sdk/client"
)

// The environment variables of the security settings of a connection to a
// remote frontend are the Temporal CLI's and SDKs' ("environment
// configuration"); SettingError names settings by them.
const (
	EnvTLS           = "TEMPORAL_TLS"
	EnvTLSCert       = "TEMPORAL_TLS_CLIENT_CERT_PATH"
	EnvTLSKey        = "TEMPORAL_TLS_CLIENT_KEY_PATH"
	EnvTLSCA         = "TEMPORAL_TLS_SERVER_CA_CERT_PATH"
	EnvTLSServerName = "TEMPORAL_TLS_SERVER_NAME"
	EnvAPIKey        = "TEMPORAL_API_KEY"
)

// SecuritySettings are the TLS and API key settings of a connection to a
// remote frontend, as given.
type SecuritySettings struct {
	// TLS turns TLS on or off; nil: on when any setting below asks for
	// it. Off means plaintext even with an API key.
	TLS        *bool
	CertPath   string // client certificate, for mutual TLS
	KeyPath    string // its key
	CAPath     string // CAs of the frontend's certificate; "": the system's roots
	ServerName string // name to verify the frontend's certificate against; "": the host dialed
	APIKey     string // sent as "Authorization: Bearer <key>"
}

// A SettingError is a bad setting or a bad pair of settings. Settings
// holds their environment variable names (EnvTLSCert, …), by which a
// caller finds its own names for them. No error quotes a key or the API
// key.
type SettingError struct {
	Settings []string
	Err      error
}

func (e *SettingError) Error() string {
	return strings.Join(e.Settings, " and ") + ": " + e.Err.Error()
}

func (e *SettingError) Unwrap() error { return e.Err }

// The reasons Check gives.
var (
	ErrAPIKey   = errors.New("must be printable ASCII without spaces (value not shown)")
	ErrHalfPair = errors.New("go together: give both or neither")
	// ErrTLSOff pairs EnvTLS with a TLS setting given while TLS is off.
	ErrTLSOff = errors.New("TLS is off, which contradicts the TLS setting")
)

// Check finds settings that cannot work together. It reads nothing.
func (s SecuritySettings) Check() error {
	var errs []error
	bad := func(err error, settings ...string) {
		errs = append(errs, &SettingError{Settings: settings, Err: err})
	}
	if s.APIKey != "" && !coffeeshop.IsVisibleASCII(s.APIKey) {
		bad(ErrAPIKey, EnvAPIKey)
	}
	if (s.CertPath == "") != (s.KeyPath == "") {
		bad(ErrHalfPair, EnvTLSCert, EnvTLSKey)
	}
	if s.off() {
		for _, v := range []struct{ env, val string }{
			{EnvTLSCert, s.CertPath}, {EnvTLSKey, s.KeyPath}, {EnvTLSCA, s.CAPath}, {EnvTLSServerName, s.ServerName},
		} {
			if v.val != "" {
				bad(ErrTLSOff, EnvTLS, v.env)
			}
		}
	}
	return errors.Join(errs...)
}

// off reports whether TLS is turned off.
func (s SecuritySettings) off() bool { return s.TLS != nil && !*s.TLS }

// on reports whether the connection uses TLS.
func (s SecuritySettings) on() bool {
	if s.TLS != nil {
		return *s.TLS
	}
	return s.CertPath != "" || s.KeyPath != "" || s.CAPath != "" || s.ServerName != "" || s.APIKey != ""
}

// Load checks the settings and reads the files they name: the client
// certificate and key, which must be valid now, and the CA certificates.
func (s SecuritySettings) Load() (Security, error) {
	if err := s.Check(); err != nil {
		return Security{}, err
	}
	sec := Security{APIKey: s.APIKey, Disabled: s.off()}
	if !s.on() {
		return sec, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: s.ServerName}
	var errs []error
	if s.CertPath != "" {
		cert, err := pemfile.KeyPair(s.CertPath, s.KeyPath)
		if err != nil {
			errs = append(errs, &SettingError{Settings: []string{EnvTLSCert, EnvTLSKey}, Err: err})
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if s.CAPath != "" {
		pool, err := pemfile.CertPool(s.CAPath)
		if err != nil {
			errs = append(errs, &SettingError{Settings: []string{EnvTLSCA}, Err: fmt.Errorf("%s: %w", s.CAPath, err)})
		}
		cfg.RootCAs = pool
	}
	if len(errs) > 0 {
		return Security{}, errors.Join(errs...)
	}
	sec.TLS = cfg
	return sec, nil
}

// Security is how a connection is secured, ready to dial: the zero value
// is plaintext. Printed or logged, it shows only Describe's summary.
type Security struct {
	TLS *tls.Config // nil: plaintext
	// Disabled forces plaintext even with an API key, for which the SDK
	// would otherwise turn TLS on.
	Disabled bool
	APIKey   string
}

// apply sets the TLS and credentials of opts.
func (s Security) apply(opts *client.Options) {
	opts.ConnectionOptions.TLS = s.TLS
	opts.ConnectionOptions.TLSDisabled = s.Disabled
	if s.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(s.APIKey)
	}
}

// Describe says how the connection is secured, for logs: "plaintext",
// "TLS" or "mutual TLS", and ", API key" when one is sent.
func (s Security) Describe() string {
	d := "TLS"
	switch {
	case s.TLS == nil:
		d = "plaintext"
	case len(s.TLS.Certificates) > 0:
		d = "mutual TLS"
	}
	if s.APIKey != "" {
		d += ", API key"
	}
	return d
}

// String, GoString and LogValue keep the API key out of prints and logs.
func (s Security) String() string       { return s.Describe() }
func (s Security) GoString() string     { return s.Describe() }
func (s Security) LogValue() slog.Value { return slog.StringValue(s.Describe()) }
