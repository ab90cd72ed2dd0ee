package temporalclient

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	sdklog "go.temporal.io/sdk/log"
)

func TestSDKLogHandler(t *testing.T) {
	var buf bytes.Buffer
	base := slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})
	sdk := sdklog.NewStructuredLogger(slog.New(sdkLogHandler{Handler: base}))
	sdk.Info("sdk info")
	sdk.Warn("sdk warn")
	sdklog.With(sdk, "WorkflowType", "VerifyPhone").Info("workflow info")
	sdklog.With(sdk, "ActivityType", "SendCode").Info("activity info")
	sdklog.With(sdk, "ActivityType", "SendCode").Debug("activity debug")
	got := buf.String()
	for msg, want := range map[string]bool{
		"sdk info": false, "sdk warn": true, "workflow info": true, "activity info": true, "activity debug": false,
	} {
		if strings.Contains(got, `"msg":"`+msg+`"`) != want {
			t.Errorf("%q logged: %v, want %v\n%s", msg, !want, want, got)
		}
	}
}
