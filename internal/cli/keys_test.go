package cli

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop"
)

func TestKeysCreateSettings(t *testing.T) {
	c := loaded[*KeysCreate](t, "keys", "create", "--name", "  billing backend ")
	if c.KeyName() != "billing backend" || len(c.KeyScopes()) != 0 {
		t.Errorf("name %q, scopes %v; want the trimmed name and no scopes (every scope)", c.KeyName(), c.KeyScopes())
	}
	if kind, target, err := c.Store(); err != nil || kind != "sqlite" || target != filepath.Join(".coffeeshop", "customers.db") {
		t.Errorf("default store: %q, %q, %v; want dev's SQLite file", kind, target, err)
	}

	c = loaded[*KeysCreate](t, "keys", "create", "--name", "x", "--scope", "verifications:write, customers:read",
		"--scope", "customers:write", "--data-dir", "/srv/cs")
	want := []coffeeshop.Scope{coffeeshop.ScopeVerificationsWrite, coffeeshop.ScopeCustomersRead, coffeeshop.ScopeCustomersWrite}
	if !slices.Equal(c.KeyScopes(), want) {
		t.Errorf("scopes %v, want %v in the order given", c.KeyScopes(), want)
	}
	if _, target, _ := c.Store(); target != filepath.Join("/srv/cs", "customers.db") {
		t.Errorf("--data-dir /srv/cs: store %q", target)
	}

	t.Setenv("COFFEESHOP_KEY_NAME", "from env")
	t.Setenv("COFFEESHOP_KEY_SCOPES", "customers:read")
	t.Setenv("DATABASE_URL", "postgres://u@db.internal/coffeeshop")
	c = loaded[*KeysCreate](t, "keys", "create")
	if c.KeyName() != "from env" || !slices.Equal(c.KeyScopes(), []coffeeshop.Scope{coffeeshop.ScopeCustomersRead}) {
		t.Errorf("from the environment: name %q, scopes %v", c.KeyName(), c.KeyScopes())
	}
	if kind, target, _ := c.Store(); kind != "postgres" || target != "postgres://u@db.internal/coffeeshop" {
		t.Errorf("DATABASE_URL: store %q, %q; want it over --data-dir", kind, target)
	}
}

func TestKeysCreateBadSettings(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "create"}, "--name"},
		{[]string{"keys", "create", "--name", ""}, "--name"},
		{[]string{"keys", "create", "--name", " \t "}, "--name"},
		{[]string{"keys", "create", "--name", "a\nb"}, "--name"},
		{[]string{"keys", "create", "--name", "evil\u202eemanton"}, "--name"}, // a bidi override disguises the name
		{[]string{"keys", "create", "--name", strings.Repeat("é", 101)}, "at most 100"},
		{[]string{"keys", "create", "--name", "x", "--scope", "admin"}, "--scope"},
		{[]string{"keys", "create", "--name", "x", "--scope", "customers:read,customers:delete"}, "--scope"},
		{[]string{"keys", "create", "--name", "x", "--scope", ""}, "--scope"},
		{[]string{"keys", "create", "--name", "x", "--scope", "customers:read,"}, "--scope"},
		{[]string{"keys", "create", "--name", "x", "--data-dir", ""}, "--data-dir"},
		{[]string{"keys", "create", "--name", "x", "--database-url", "mysql://x"}, "--database-url"},
		{[]string{"keys", "list", "--database-url", "sqlite://data/x.db"}, "--database-url"},
		{[]string{"keys", "list", "extra"}, "unexpected argument"},
		{[]string{"keys"}, "create"},
		{[]string{"keys", "rotate"}, "rotate"},
	} {
		refused(t, tc.want, tc.args...)
	}
	if out := refused(t, "--scope", "keys", "create", "--name", "x", "--scope", "root"); !strings.Contains(out, "customers:read") {
		t.Errorf("a bad scope's error does not list the scopes: %q", out)
	}
	// 100 characters are fine, whatever their bytes.
	if c := loaded[*KeysCreate](t, "keys", "create", "--name", strings.Repeat("é", 100), "--scope", "customers:read"); len(c.KeyName()) != 200 {
		t.Errorf("name of 100 characters: %q", c.KeyName())
	}
	t.Setenv("COFFEESHOP_KEY_SCOPES", "everything")
	refused(t, "COFFEESHOP_KEY_SCOPES", "keys", "create", "--name", "x")
}

func TestKeysRevokeSettings(t *testing.T) {
	id := "0123456789abcdef"
	if c := loaded[*KeysRevoke](t, "keys", "revoke", id); c.ID != id {
		t.Errorf("ID %q, want %q", c.ID, id)
	}
	key, _, err := coffeeshop.NewAPIKey("x", nil)
	if err != nil {
		t.Fatal(err)
	}
	keyID, secret, _ := coffeeshop.ParseAPIKey(key)
	for _, tc := range []struct {
		arg, want string
	}{
		{key, "give only the ID"},
		{"csk_" + keyID, "give only the ID"},
		{secret, "not an API key ID"},
		{strings.ToUpper(id), "not an API key ID"},
		{id + "0", "not an API key ID"},
		{"", "not an API key ID"},
	} {
		out := refused(t, tc.want, "keys", "revoke", tc.arg)
		if strings.Contains(out, secret) || tc.arg != "" && strings.Contains(out, tc.arg) {
			t.Errorf("keys revoke %q: the refusal echoes the argument: %q", tc.arg, out)
		}
	}
	refused(t, `expected "<id>"`, "keys", "revoke")
}

func TestKeysHelp(t *testing.T) {
	if code, out := runArgs(t, "--help"); code != 0 || !strings.Contains(out, "keys") {
		t.Errorf("--help does not list keys: exit %d, %q", code, out)
	}
	for _, cmd := range []string{"create", "list", "revoke"} {
		if code, out := runArgs(t, "keys", cmd, "--help"); code != 0 || !strings.Contains(out, "Usage: coffeeshop keys "+cmd) ||
			!strings.Contains(out, "$COFFEESHOP_DATA_DIR") || !strings.Contains(out, "$DATABASE_URL") {
			t.Errorf("keys %s --help: exit %d, %q", cmd, code, out)
		}
	}
}

func TestCheckKeyName(t *testing.T) {
	for name, ok := range map[string]bool{
		"billing":                            true,
		"Zoë's backend — prod":               true,
		"  padded  ":                         true,
		"名前":                                 true,
		"":                                   false,
		"   ":                                false,
		"tab\there":                          false,
		"zero\u200bwidth":                    false,
		"nul\x00":                            false,
		"bad utf-8 \xff":                     false,
		strings.Repeat("a", 100):             true,
		strings.Repeat("a", 101):             false,
		" " + strings.Repeat("a", 100) + " ": true,
	} {
		if err := CheckKeyName(name); (err == nil) != ok {
			t.Errorf("CheckKeyName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
