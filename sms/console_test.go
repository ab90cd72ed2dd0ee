package sms_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/sms"
)

func TestConsoleLogsMessage(t *testing.T) {
	var buf bytes.Buffer
	s := &sms.Console{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	if err := s.SendSMS(context.Background(), "+447700900123", "code 1234"); err != nil {
		t.Fatalf("SendSMS: %v", err)
	}
	for _, want := range []string{"+447700900123", "code 1234"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log %q lacks %q", buf.String(), want)
		}
	}
}
