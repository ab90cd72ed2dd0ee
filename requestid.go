package coffeeshop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
)

// MaxRequestIDLen bounds a request ID taken from a client.
const MaxRequestIDLen = 128

// RequestIDLogKey is the attribute under which log records carry the ID of
// the request they belong to.
const RequestIDLogKey = "request_id"

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request ID id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request ID ctx carries, or "".
func RequestIDFrom(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// ValidRequestID reports whether id can be taken as a request ID: 1 to
// MaxRequestIDLen printable ASCII characters, no spaces. Anything else
// (control characters, quotes of other alphabets, megabytes) is not fit to
// be copied into every log line of a request.
func ValidRequestID(id string) bool {
	return len(id) <= MaxRequestIDLen && IsVisibleASCII(id)
}

// NewRequestID returns a fresh random request ID: 32 hex digits.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// LogRequestIDs returns a logger that adds the request ID of the context a
// record is logged with (the ...Context and LogAttrs methods) to the record
// as RequestIDLogKey. A record logged without one, or with a context that
// carries none, is left as it is. Wrapping a logger twice adds the ID once.
func LogRequestIDs(l *slog.Logger) *slog.Logger {
	if _, ok := l.Handler().(requestIDHandler); ok {
		return l
	}
	return slog.New(requestIDHandler{l.Handler()})
}

// requestIDHandler is the handler of LogRequestIDs.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestIDFrom(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String(RequestIDLogKey, id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(a)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
