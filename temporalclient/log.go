package temporalclient

import (
	"context"
	"log/slog"
)

// sdkLogHandler is the handler of the Temporal SDK's logger. The SDK is
// chatty at info level about itself (workers starting and stopping, task
// processing), so its own records are dropped below warn. The loggers of
// workflows and activities, which the SDK derives from this one by adding
// a WorkflowType or ActivityType attribute, carry the application's own
// lines and keep the configured level.
type sdkLogHandler struct {
	slog.Handler
	app bool // a workflow's or activity's logger
}

func (h sdkLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return (h.app || l >= slog.LevelWarn) && h.Handler.Enabled(ctx, l)
}

func (h sdkLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	app := h.app
	for _, a := range attrs {
		if a.Key == "WorkflowType" || a.Key == "ActivityType" {
			app = true
		}
	}
	return sdkLogHandler{Handler: h.Handler.WithAttrs(attrs), app: app}
}

func (h sdkLogHandler) WithGroup(name string) slog.Handler {
	return sdkLogHandler{Handler: h.Handler.WithGroup(name), app: h.app}
}
