package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/coffeeshop/coffeeshop/codec"
	"github.com/coffeeshop/coffeeshop/internal/pemfile"
	"github.com/coffeeshop/coffeeshop/temporalclient"
	"github.com/coffeeshop/coffeeshop/verify"
)

// Files is what the files the settings name hold, read by Parse once the
// settings are valid.
type Files struct {
	// Security is how a worker or api connects to its Temporal frontend.
	Security temporalclient.Security
	// ServeTLS is the certificate the embedded frontend of temporal
	// serves; nil: plaintext.
	ServeTLS *ServedCert
	// Secret is the key of the code HMACs.
	Secret []byte
	// PayloadCodec encrypts Temporal payloads; nil: they are not
	// encrypted.
	PayloadCodec *codec.Codec
	// PayloadKeyFile is the file of the payload key dev generated and
	// keeps in its data dir; "" when the keys came from the settings.
	PayloadKeyFile string
	// Texts are the worker's code texts (dev, worker).
	Texts *verify.Texts
}

// ServedCert is the certificate of a TLS server and, when it asks for
// client certificates, the CAs they must come from.
type ServedCert struct {
	Certificate tls.Certificate
	ClientCAs   *x509.CertPool // nil: no client certificate asked for
}

func (c *Dev) load() (err error) {
	if c.Texts, err = c.TextFlags.load(); err != nil {
		return err
	}
	if c.PayloadCodec, c.PayloadKeyFile, err = c.EncryptionFlags.load(c.DataDir); err != nil {
		return err
	}
	c.Secret, err = c.CodeSecretFlags.load(c.DataDir)
	return err
}

func (c *Temporal) load() (err error) {
	if c.PayloadCodec, err = c.Codec(); err != nil {
		return err
	}
	c.ServeTLS, err = c.ServedTLSFlags.load()
	return err
}

func (c *Worker) load() (err error) {
	if c.Texts, err = c.TextFlags.load(); err != nil {
		return err
	}
	return c.RemoteFlags.load(&c.Files, &c.EncryptionFlags, &c.CodeSecretFlags)
}

func (c *API) load() error {
	return c.RemoteFlags.load(&c.Files, &c.EncryptionFlags, &c.CodeSecretFlags)
}

// load reads into l the TLS files of the connection to the frontend, the
// payload keys and the code secret.
func (f *RemoteFlags) load(l *Files, keys *EncryptionFlags, secret *CodeSecretFlags) (err error) {
	if l.Security, err = f.RemoteTLSFlags.load(); err != nil {
		return err
	}
	if l.PayloadCodec, err = keys.Codec(); err != nil {
		return err
	}
	l.Secret, err = secret.load("")
	return err
}

// load returns the key of the code HMACs: --code-secret, or else the one
// kept in dataDir (dev's), generated at the first start.
func (f *CodeSecretFlags) load(dataDir string) ([]byte, error) {
	if f.CodeSecret != "" || dataDir == "" {
		return verify.ParseSecret(f.CodeSecret)
	}
	return verify.LoadOrCreateSecret(filepath.Join(dataDir, verify.SecretFileName))
}

// load returns the codec of the payload keys: --encryption-key's, none
// with --no-encryption, or else the key kept in dataDir (dev's), generated
// at the first start, with the file it is in.
func (f *EncryptionFlags) load(dataDir string) (pc *codec.Codec, file string, err error) {
	if f.EncryptionKeys != "" || f.NoEncryption || dataDir == "" {
		pc, err = f.Codec()
		return pc, "", err
	}
	file = filepath.Join(dataDir, codec.KeyFileName)
	if pc, err = codec.LoadOrCreateKeyFile(file); err != nil {
		return nil, "", err
	}
	return pc, file, nil
}

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
func (f *RemoteTLSFlags) settings() temporalclient.SecuritySettings {
	return temporalclient.SecuritySettings{TLS: f.TLS, CertPath: f.CertPath, KeyPath: f.KeyPath, CAPath: f.CAPath,
		ServerName: f.ServerName, APIKey: f.APIKey}
}

// load reads the files of the TLS settings of the connection to a remote
// frontend. An error names the first bad file's flags and variables.
func (f *RemoteTLSFlags) load() (temporalclient.Security, error) {
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
func (f *ServedTLSFlags) load() (*ServedCert, error) {
	if f.ServeCertPath == "" {
		return nil, nil
	}
	cert, err := pemfile.KeyPair(f.ServeCertPath, f.ServeKeyPath)
	if err != nil {
		return nil, fmt.Errorf("--temporal-tls-cert/--temporal-tls-key: %w", err)
	}
	if _, err := pemfile.VerifiableName(cert.Leaf); err != nil {
		return nil, fmt.Errorf("--temporal-tls-cert %s: %w", f.ServeCertPath, err)
	}
	served := &ServedCert{Certificate: cert}
	if f.ServeClientCAPath != "" {
		if served.ClientCAs, err = pemfile.CertPool(f.ServeClientCAPath); err != nil {
			return nil, fmt.Errorf("--temporal-tls-client-ca %s: %w", f.ServeClientCAPath, err)
		}
	}
	return served, nil
}

// envTwilioAuthToken holds the Twilio auth token, which has no flag: a
// flag would show it in the process list.
const envTwilioAuthToken = "TWILIO_AUTH_TOKEN"

// The secrets of the SMS webhook and of SMTP, which have no flag either.
const (
	envSMSWebhookSecret = "COFFEESHOP_SMS_WEBHOOK_SECRET"
	envSMTPPassword     = "COFFEESHOP_SMTP_PASSWORD"
)

// readAuthToken reads the auth token and the webhook's secret from their
// variables.
func (f *SMSFlags) readAuthToken() {
	f.TwilioAuthToken, f.twilioAuthTokenPresent = os.LookupEnv(envTwilioAuthToken)
	f.SMSWebhookSecret = os.Getenv(envSMSWebhookSecret)
}

// readSMTPPassword reads the SMTP password from its variable.
func (f *EmailFlags) readSMTPPassword() { f.SMTPPassword = os.Getenv(envSMTPPassword) }
