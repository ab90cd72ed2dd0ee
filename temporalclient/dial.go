// Package temporalclient connects to a Temporal frontend: the TLS and API
// key settings of a remote one (checked apart from the step that reads
// their files), the dial that waits for a frontend still booting, and the
// SDK's logging.
package temporalclient

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc/codes"
)

// Dial retries a frontend that does not answer for up to retryFor, once
// every retryEvery, so that a process started next to a booting server
// waits for it instead of failing.
const (
	retryFor   = time.Minute
	retryEvery = time.Second
)

// Options say which frontend to connect to, and how.
type Options struct {
	Address   string // host:port
	Namespace string
	Security  Security // zero: plaintext
	// InProcess is set when the frontend runs in this very process: the
	// SDK's default gzip compression of every call then only costs CPU.
	InProcess bool

	// Nil converters and handlers are the SDK's defaults.
	DataConverter      converter.DataConverter
	FailureConverter   converter.FailureConverter
	ContextPropagators []workflow.ContextPropagator
	MetricsHandler     client.MetricsHandler

	// Logger is the process's logger. The SDK's own records below warn are
	// dropped; those of workflows and activities keep its level. Nil:
	// slog.Default().
	Logger *slog.Logger
}

// Dial connects to the frontend, retrying one that does not answer yet.
// A refusal that retrying cannot fix (a failed TLS handshake, a
// certificate or API key the frontend rejects) fails at once.
func Dial(ctx context.Context, o Options) (client.Client, error) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	opts := client.Options{
		HostPort: o.Address, Namespace: o.Namespace,
		Logger:        sdklog.NewStructuredLogger(slog.New(sdkLogHandler{Handler: log.Handler()})),
		DataConverter: o.DataConverter, FailureConverter: o.FailureConverter,
		ContextPropagators: o.ContextPropagators, MetricsHandler: o.MetricsHandler,
	}
	if o.InProcess {
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	o.Security.apply(&opts)
	deadline := time.Now().Add(retryFor)
	for {
		c, err := client.DialContext(ctx, opts)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil || permanentDialError(err) {
			return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w%s", o.Address, o.Namespace, err, dialHint(opts, err))
		}
		log.Warn("Temporal frontend not reachable yet, retrying", "address", o.Address, "error", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(retryEvery):
		}
	}
}

// permanentDialError tells a refusal that retrying cannot fix from a
// frontend that is not up yet. The SDK reports a failed handshake only as
// text.
func permanentDialError(err error) bool {
	switch serviceerror.ToStatus(err).Code() {
	case codes.Unauthenticated, codes.PermissionDenied:
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "authentication handshake failed") || strings.Contains(msg, "tls: ")
}

// dialHint adds a likely cause to a failed dial's error. A frontend that
// serves TLS closes a plaintext connection before its first answer
// ("error reading server preface: EOF"). --tls is the Temporal CLI's
// flag, and this service's.
func dialHint(opts client.Options, err error) string {
	if opts.ConnectionOptions.TLS == nil && strings.Contains(err.Error(), "server preface") {
		return " (if the frontend serves TLS: --tls, or " + EnvTLS + "=true)"
	}
	return ""
}
