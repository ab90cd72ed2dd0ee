package testpki

import (
	"path/filepath"
	"testing"
)

// Files are PEM files of a throwaway CA, a server certificate it issued and
// a client certificate, in a temporary folder of the test.
type Files struct {
	Dir                   string
	CA                    *CA
	Server                *Leaf
	CAPath                string // the CA certificate
	ServerCert, ServerKey string
	ClientCert, ClientKey string
}

// WriteFiles makes a CA, a server certificate for hosts and a client
// certificate, and writes them to a new temporary folder of t.
func WriteFiles(t testing.TB, hosts ...string) Files {
	t.Helper()
	f := Files{Dir: t.TempDir(), CA: NewCA(t, "test CA")}
	f.Server = f.CA.Server(t, hosts...)
	f.CAPath = filepath.Join(f.Dir, "ca.pem")
	WriteFile(t, f.CAPath, f.CA.PEM)
	f.ServerCert, f.ServerKey = f.Server.Write(t, f.Dir, "server")
	f.ClientCert, f.ClientKey = f.CA.Client(t, "client").Write(t, f.Dir, "client")
	return f
}
