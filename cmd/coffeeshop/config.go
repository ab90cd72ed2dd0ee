package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/postgres"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/temporalclient"
)

// Config is what the wiring of dev, temporal, worker and api takes: the
// union of their groups of flags (cli.go), each subcommand filling the
// groups it has, and what load read from the files they name.
type Config struct {
	embeddedTemporalFlags
	servedTLSFlags
	remoteTemporalFlags
	apiFlags
	codeFlags
	RandomCodes bool
	codeSecretFlags
	encryptionFlags
	codecFlags
	logFlags
	opsFlags
	HealthAddr hostPort

	loaded
}

// loaded is what the files of the settings hold, read once when a
// subcommand starts.
type loaded struct {
	security temporalclient.Security // of the connection to a remote frontend
	serveTLS *devserver.TLS
	secret   []byte // the key of the code HMACs
}

// parseDatabaseURL tells which store a URL names: ("postgres", url) or
// ("sqlite", path).
func parseDatabaseURL(u string) (kind, target string, err error) {
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return "postgres", u, nil
	case strings.HasPrefix(u, "sqlite:"):
		path, err := sqlite.PathFromURL(u)
		if err != nil {
			return "", "", err
		}
		return "sqlite", path, nil
	}
	return "", "", fmt.Errorf("%q: must start with postgres:// or sqlite:", postgres.RedactURL(u))
}

// logger is the process's logger, to stderr in --log-format. Records
// logged with a context that carries a request ID get it as request_id.
func (l *logFlags) logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.Level(l.LogLevel)}
	if l.LogFormat == "json" {
		return coffeeshop.LogRequestIDs(slog.New(slog.NewJSONHandler(os.Stderr, opts)))
	}
	return coffeeshop.LogRequestIDs(slog.New(slog.NewTextHandler(os.Stderr, opts)))
}

// logSettings gives run the log settings of the subcommands that have
// them.
func (l *logFlags) logSettings() *logFlags { return l }
