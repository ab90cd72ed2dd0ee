package email_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/email"
)

func TestConsolePrintsTheEmailWithAMaskedAddress(t *testing.T) {
	var out, logs bytes.Buffer
	c := &email.Console{Out: &out, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := c.SendEmail(context.Background(), "alice@example.com", "Your code", "Your code is 482913.\nIt expires soon."); err != nil {
		t.Fatal(err)
	}
	want := "Email to a••••@example.com: Subject: Your code\n  Your code is 482913.\n  It expires soon.\n"
	if out.String() != want {
		t.Errorf("out %q, want %q", out.String(), want)
	}
	if strings.Contains(logs.String(), "482913") || strings.Contains(logs.String(), "alice@") {
		t.Errorf("the log holds the code or the address: %s", logs.String())
	}
}
