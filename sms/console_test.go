package sms_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/sms"
)

const (
	phone = "+447700900123"
	body  = "Your coffeeshop verification code is 482915.\nIt expires in 2m0s."
)

func TestConsoleWritesMessageToOutOnly(t *testing.T) {
	var out, logs bytes.Buffer
	s := &sms.Console{Out: &out, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := s.SendSMS(context.Background(), phone, body); err != nil {
		t.Fatalf("SendSMS: %v", err)
	}
	want := "SMS to +44•••••••123: Your coffeeshop verification code is 482915. It expires in 2m0s.\n"
	if out.String() != want {
		t.Errorf("out = %q, want %q", out.String(), want)
	}
	if !strings.Contains(logs.String(), "sms sent") || !strings.Contains(logs.String(), "+44•••••••123") {
		t.Errorf("log %q lacks the masked sent record", logs.String())
	}
	for _, secret := range []string{phone, "482915", "verification code"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log %q contains %q", logs.String(), secret)
		}
	}
	if strings.Contains(out.String(), phone) {
		t.Errorf("message line %q contains the full number", out.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("terminal gone") }

func TestConsoleSurvivesBrokenOut(t *testing.T) {
	var logs bytes.Buffer
	s := &sms.Console{Out: failingWriter{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := s.SendSMS(context.Background(), phone, body); err != nil {
		t.Fatalf("SendSMS: %v", err)
	}
	if !strings.Contains(logs.String(), "terminal gone") || strings.Contains(logs.String(), "482915") {
		t.Errorf("log %q: want the write error and no code", logs.String())
	}
}
