package cli

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGuardCommandSettings(t *testing.T) {
	l := loaded[*GuardList](t, "guard", "list")
	if l.Since != 24*time.Hour {
		t.Errorf("guard list: --since %v by default, want 24h", l.Since)
	}
	if kind, target, err := l.Store(); err != nil || kind != "sqlite" || target != filepath.Join(".coffeeshop", "customers.db") {
		t.Errorf("default store: %q, %q, %v; want dev's SQLite file", kind, target, err)
	}
	if l := loaded[*GuardList](t, "guard", "list", "--since", "90m", "--database-url", "postgres://u@db/cs"); l.Since != 90*time.Minute {
		t.Errorf("guard list --since 90m: %v", l.Since)
	} else if kind, _, _ := l.Store(); kind != "postgres" {
		t.Errorf("guard list --database-url postgres://…: store %q", kind)
	}
	for _, p := range []string{"+447911123", "+1", "+123456789012345"} {
		if u := loaded[*GuardUnblock](t, "guard", "unblock", p); u.Prefix != p {
			t.Errorf("guard unblock %s: prefix %q", p, u.Prefix)
		}
	}
}

func TestGuardCommandBadSettings(t *testing.T) {
	refused(t, "--since", "guard", "list", "--since", "0s")
	refused(t, "--since", "guard", "list", "--since", "721h")
	refused(t, "--database-url", "guard", "list", "--database-url", "mysql://x")
	refused(t, "--data-dir", "guard", "unblock", "+44", "--data-dir", "")
	refused(t, `expected "<prefix>"`, "guard", "unblock")
	for _, p := range []string{"447911123", "+", "+44 79", "+44-79", "+4479x", "+1234567890123456", "+٤٤", ""} {
		refused(t, "not a number prefix", "guard", "unblock", "--", p)
	}
}

func TestGuardCommandHelp(t *testing.T) {
	if code, out := runArgs(t, "--help"); code != 0 || !strings.Contains(out, "guard") {
		t.Errorf("--help does not list guard: exit %d, %q", code, out)
	}
	for _, cmd := range []string{"list", "unblock"} {
		if code, out := runArgs(t, "guard", cmd, "--help"); code != 0 || !strings.Contains(out, "Usage: coffeeshop guard "+cmd) ||
			!strings.Contains(out, "$COFFEESHOP_DATA_DIR") || !strings.Contains(out, "$DATABASE_URL") {
			t.Errorf("guard %s --help: exit %d, %q", cmd, code, out)
		}
	}
}
