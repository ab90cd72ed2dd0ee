package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// serverLogger adapts a *slog.Logger to the Temporal server's log.Logger.
//
// The server logs a lot at info level (every service start, every shard and
// task queue load), so the adapter has a floor of its own, independent of the
// slog handler's level: an application logging at info still gets only the
// server's warnings and errors unless it asks for more.
//
// Once quiet is set, when the server is being stopped, it drops everything:
// stopping cancels every request in flight and the server logs each one as
// an error, none of which tells the application anything.
type serverLogger struct {
	log   *slog.Logger
	floor slog.Leveler
	quiet *atomic.Bool
}

var (
	_ log.Logger     = serverLogger{}
	_ log.WithLogger = serverLogger{}
)

func (l serverLogger) Debug(msg string, tags ...tag.Tag) { l.emit(slog.LevelDebug, msg, tags) }
func (l serverLogger) Info(msg string, tags ...tag.Tag)  { l.emit(slog.LevelInfo, msg, tags) }
func (l serverLogger) Warn(msg string, tags ...tag.Tag)  { l.emit(slog.LevelWarn, msg, tags) }
func (l serverLogger) Error(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }

// DPanic is a development-time assertion in the server; in an embedded
// server it must not take the application down, so it is only logged.
func (l serverLogger) DPanic(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }

// Panic keeps the contract of the interface: the server relies on it not
// returning.
func (l serverLogger) Panic(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
	panic(fatalError{msg: msg, tags: tags})
}

// Fatal must not return either: the server calls it where it cannot go on
// (a gRPC listener that failed to bind, for one) and would dereference a nil
// value next. Instead of exiting the process, it panics with a fatalError,
// which Start recovers and returns as an error when it happens on Start's
// goroutine, as it does while the server is being built and started.
func (l serverLogger) Fatal(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
	panic(fatalError{msg: msg, tags: tags})
}

// With returns a logger that adds tags to every record.
func (l serverLogger) With(tags ...tag.Tag) log.Logger {
	if len(tags) == 0 {
		return l
	}
	args := make([]any, len(tags))
	for i, t := range tags {
		args[i] = slog.Any(t.Key(), t.Value())
	}
	return serverLogger{log: l.log.With(args...), floor: l.floor, quiet: l.quiet}
}

func (l serverLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	if level < l.floor.Level() || l.quiet.Load() {
		return
	}
	ctx := context.Background()
	if !l.log.Enabled(ctx, level) {
		return
	}
	// Tag values are computed only here, after the level checks: some tags
	// (zap fields) are costly to render.
	attrs := make([]slog.Attr, len(tags))
	for i, t := range tags {
		attrs[i] = slog.Any(t.Key(), t.Value())
	}
	l.log.LogAttrs(ctx, level, msg, attrs...)
}

// fatalError is what Fatal and Panic panic with, so that Start can tell the
// server's own fatal conditions from other panics.
type fatalError struct {
	msg  string
	tags []tag.Tag
}

func (e fatalError) Error() string {
	var b strings.Builder
	b.WriteString(e.msg)
	for _, t := range e.tags {
		fmt.Fprintf(&b, " %s=%v", t.Key(), t.Value())
	}
	return b.String()
}
