package coffeeshop

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestValidRequestID(t *testing.T) {
	for id, want := range map[string]bool{
		"":                       false,
		"abc-123_X.y:z/=+":       true,
		"has space":              false,
		"tab\there":              false,
		"line\nbreak":            false,
		"ünïcode":                false,
		"\x7f":                   false,
		strings.Repeat("a", 128): true,
		strings.Repeat("a", 129): false,
	} {
		if got := ValidRequestID(id); got != want {
			t.Errorf("ValidRequestID(%q) = %v, want %v", id, got, want)
		}
	}
	a, b := NewRequestID(), NewRequestID()
	if a == b || !ValidRequestID(a) || len(a) != 32 {
		t.Errorf("NewRequestID: %q, %q", a, b)
	}
}

func TestLogRequestIDs(t *testing.T) {
	var buf bytes.Buffer
	log := LogRequestIDs(LogRequestIDs(slog.New(slog.NewJSONHandler(&buf, nil)))).With("k", "v")
	ctx := WithRequestID(context.Background(), "req-1")
	log.InfoContext(ctx, "with")
	log.Info("without")
	log.InfoContext(context.Background(), "empty")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines: %s", len(lines), buf.String())
	}
	for i, want := range []string{"req-1", "", ""} {
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil {
			t.Fatal(err)
		}
		got, _ := m[RequestIDLogKey].(string)
		if got != want || m["k"] != "v" {
			t.Errorf("line %d: %s", i, lines[i])
		}
		if n := strings.Count(lines[i], RequestIDLogKey); want != "" && n != 1 {
			t.Errorf("line %d has the request id %d times", i, n)
		}
	}
	if RequestIDFrom(context.Background()) != "" {
		t.Error("a bare context has a request id")
	}
}
