package temporalclient

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/internal/testpki"
)

// tlsFiles are PEM files of a throwaway CA, a server certificate it issued
// for 127.0.0.1 and a client certificate.
type tlsFiles struct{ testpki.Files }

func newTLSFiles(t *testing.T) tlsFiles { return tlsFiles{testpki.WriteFiles(t, "127.0.0.1")} }

func ptr(b bool) *bool { return &b }

// settingErrors are the SettingErrors in err, in order.
func settingErrors(t *testing.T, err error) []*SettingError {
	t.Helper()
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else if err != nil {
		list = []error{err}
	}
	var out []*SettingError
	for _, e := range list {
		var se *SettingError
		if !errors.As(e, &se) {
			t.Fatalf("%v is not a *SettingError", e)
		}
		out = append(out, se)
	}
	return out
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    SecuritySettings
		want [][]string // the settings of each error, in order
		why  []error
	}{
		{"nothing", SecuritySettings{}, nil, nil},
		{"everything", SecuritySettings{TLS: ptr(true), CertPath: "c", KeyPath: "k", CAPath: "ca", ServerName: "n", APIKey: "key"}, nil, nil},
		{"API key with TLS off", SecuritySettings{TLS: ptr(false), APIKey: "key"}, nil, nil},
		{"certificate without key", SecuritySettings{CertPath: "c"}, [][]string{{EnvTLSCert, EnvTLSKey}}, []error{ErrHalfPair}},
		{"key without certificate", SecuritySettings{KeyPath: "k"}, [][]string{{EnvTLSCert, EnvTLSKey}}, []error{ErrHalfPair}},
		{"API key with a space", SecuritySettings{APIKey: "two words"}, [][]string{{EnvAPIKey}}, []error{ErrAPIKey}},
		{"TLS off with TLS settings", SecuritySettings{TLS: ptr(false), CAPath: "ca", ServerName: "n"},
			[][]string{{EnvTLS, EnvTLSCA}, {EnvTLS, EnvTLSServerName}}, []error{ErrTLSOff, ErrTLSOff}},
		{"all at once", SecuritySettings{TLS: ptr(false), CertPath: "c", APIKey: "a\tb"},
			[][]string{{EnvAPIKey}, {EnvTLSCert, EnvTLSKey}, {EnvTLS, EnvTLSCert}}, []error{ErrAPIKey, ErrHalfPair, ErrTLSOff}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Check()
			got := settingErrors(t, err)
			if len(got) != len(tc.want) {
				t.Fatalf("Check() = %v; want %d errors", err, len(tc.want))
			}
			for i, se := range got {
				if !slices.Equal(se.Settings, tc.want[i]) || !errors.Is(se, tc.why[i]) {
					t.Errorf("error %d: %v (settings %v); want settings %v, %v", i, se, se.Settings, tc.want[i], tc.why[i])
				}
			}
			if err != nil && strings.Contains(err.Error(), tc.s.APIKey) && tc.s.APIKey != "" {
				t.Errorf("Check() = %v shows the API key", err)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	f := newTLSFiles(t)
	for _, tc := range []struct {
		name     string
		s        SecuritySettings
		describe string
		disabled bool
	}{
		{"plaintext", SecuritySettings{}, "plaintext", false},
		{"TLS with the system roots", SecuritySettings{TLS: ptr(true)}, "TLS", false},
		{"an API key turns TLS on", SecuritySettings{APIKey: "key"}, "TLS, API key", false},
		{"TLS off with an API key", SecuritySettings{TLS: ptr(false), APIKey: "key"}, "plaintext, API key", true},
		{"a CA turns TLS on", SecuritySettings{CAPath: f.CAPath, ServerName: "frontend.test"}, "TLS", false},
		{"mutual TLS", SecuritySettings{CertPath: f.ClientCert, KeyPath: f.ClientKey, CAPath: f.CAPath}, "mutual TLS", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec, err := tc.s.Load()
			if err != nil {
				t.Fatal(err)
			}
			if got := sec.Describe(); got != tc.describe || sec.Disabled != tc.disabled || sec.APIKey != tc.s.APIKey {
				t.Errorf("Load() = %s, disabled %v; want %s, disabled %v", got, sec.Disabled, tc.describe, tc.disabled)
			}
			if sec.TLS == nil {
				return
			}
			if sec.TLS.ServerName != tc.s.ServerName || (tc.s.CAPath != "") != (sec.TLS.RootCAs != nil) {
				t.Errorf("TLS config: server name %q, roots %v", sec.TLS.ServerName, sec.TLS.RootCAs)
			}
			if tc.s.CAPath != "" && !sec.TLS.RootCAs.Equal(f.CA.Pool()) {
				t.Error("the roots are not the CA file's")
			}
		})
	}
}

func TestLoadErrorsNameTheSettings(t *testing.T) {
	f := newTLSFiles(t)
	keyOnly := filepath.Join(f.Dir, "key-only.pem")
	testpki.WriteFile(t, keyOnly, f.Server.KeyPEM)
	for _, tc := range []struct {
		name     string
		s        SecuritySettings
		settings []string
		want     string
	}{
		{"checked first", SecuritySettings{CertPath: f.ClientCert}, []string{EnvTLSCert, EnvTLSKey}, "give both"},
		{"missing certificate", SecuritySettings{CertPath: filepath.Join(f.Dir, "missing.pem"), KeyPath: f.ClientKey},
			[]string{EnvTLSCert, EnvTLSKey}, "no such file"},
		{"key of another certificate", SecuritySettings{CertPath: f.ClientCert, KeyPath: keyOnly},
			[]string{EnvTLSCert, EnvTLSKey}, "does not match"},
		{"CA file without a certificate", SecuritySettings{CAPath: keyOnly}, []string{EnvTLSCA}, "key-only.pem: holds no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec, err := tc.s.Load()
			got := settingErrors(t, err)
			if len(got) != 1 || !slices.Equal(got[0].Settings, tc.settings) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load() = %v; want one error of %v containing %q", err, tc.settings, tc.want)
			}
			if sec.TLS != nil {
				t.Error("a failed Load returned a TLS configuration")
			}
			if strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Errorf("%v quotes the key", err)
			}
		})
	}
}

// Printing or logging a Security shows how the connection is secured,
// never the API key.
func TestSecurityHidesTheAPIKey(t *testing.T) {
	const key = "sekrit-api-key-123"
	sec, err := SecuritySettings{APIKey: key}.Load()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		slog.New(h).Info("connecting", "security", sec)
	}
	fmt.Fprintf(&buf, "%v %+v %#v %s", sec, sec, sec, sec)
	if out := buf.String(); strings.Contains(out, key) || !strings.Contains(out, "TLS, API key") {
		t.Errorf("printed and logged: %s", out)
	}
}
