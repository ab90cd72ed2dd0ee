package main

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/pgtest"
)

// runSplit runs the command line and returns its exit code, stdout and
// stderr apart.
func runSplit(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// createKeyCmd runs keys create with args and returns the key it printed on
// its last line, and its ID and secret.
func createKeyCmd(t *testing.T, store []string, args ...string) (key, id, secret string) {
	t.Helper()
	code, out, errOut := runSplit(t, append(append([]string{"keys", "create"}, store...), args...)...)
	if code != 0 {
		t.Fatalf("keys create %v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	key = lines[len(lines)-1]
	id, secret, ok := coffeeshop.ParseAPIKey(key)
	if !ok {
		t.Fatalf("keys create: the last line of stdout is not a key alone: %q", out)
	}
	if !strings.Contains(lines[0], id) || !strings.Contains(out, "only this once") {
		t.Errorf("keys create: want the ID first and a warning that the key is shown once; got %q", out)
	}
	if strings.Count(out, secret) != 1 || strings.Contains(errOut, secret) {
		t.Errorf("keys create: the secret appears other than once, on the last line: stdout %q, stderr %q", out, errOut)
	}
	return key, id, secret
}

// listLine matches a line of keys list: ID, quoted name, scopes, created,
// last used, revoked.
var listLine = regexp.MustCompile(`^([0-9a-f]{16}) +("(?:[^"\\]|\\.)*") +(\S+) +(\S+) +(\S+) +(\S+)$`)

// listKeysCmd runs keys list and returns its lines, one per key, split
// into their columns.
func listKeysCmd(t *testing.T, store []string) [][]string {
	t.Helper()
	code, out, errOut := runSplit(t, append([]string{"keys", "list"}, store...)...)
	if code != 0 {
		t.Fatalf("keys list: exit %d, %q %q", code, out, errOut)
	}
	var rows [][]string
	if out == "" {
		return rows
	}
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		m := listLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("keys list: line %q is not ID, name, scopes, created, last used, revoked", l)
		}
		rows = append(rows, m[1:])
	}
	return rows
}

func TestKeysCommands(t *testing.T) {
	for _, tc := range []struct {
		name  string
		store func(t *testing.T) []string
	}{
		{"SQLite", func(t *testing.T) []string { return []string{"--data-dir", filepath.Join(t.TempDir(), "data")} }},
		{"PostgreSQL", func(t *testing.T) []string { return []string{"--database-url", pgtest.URL(t)} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testKeysCommands(t, tc.store(t))
		})
	}
}

func testKeysCommands(t *testing.T, store []string) {
	if rows := listKeysCmd(t, store); len(rows) != 0 {
		t.Fatalf("keys list of a new store: %q", rows)
	}
	before := time.Now().Add(-time.Second)
	_, billing, _ := createKeyCmd(t, store, "--name", " billing backend, EU ", "--scope", "verifications:write", "--scope", "customers:read")
	_, all, _ := createKeyCmd(t, store, "--name", "ops")

	rows := listKeysCmd(t, store)
	if len(rows) != 2 || rows[0][0] != billing || rows[1][0] != all {
		t.Fatalf("keys list: %q; want the two keys, oldest first", rows)
	}
	want := [][]string{
		{billing, `"billing backend, EU"`, "verifications:write,customers:read", "", "never", "no"},
		{all, `"ops"`, "customers:read,customers:write,verifications:read,verifications:write", "", "never", "no"},
	}
	for i, row := range rows {
		created, err := time.Parse(time.RFC3339, row[3])
		if err != nil || !strings.HasSuffix(row[3], "Z") || created.Before(before.Truncate(time.Second)) || created.After(time.Now()) {
			t.Errorf("key %s: created %q, want RFC 3339 in UTC, now", row[0], row[3])
		}
		row[3] = ""
		if strings.Join(row, "|") != strings.Join(want[i], "|") {
			t.Errorf("keys list line %d: %q, want %q", i, row, want[i])
		}
	}

	code, out, errOut := runSplit(t, append([]string{"keys", "revoke", billing}, store...)...)
	if code != 0 || out != "revoked "+billing+"\n" {
		t.Fatalf("keys revoke: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	rows = listKeysCmd(t, store)
	revokedAt, err := time.Parse(time.RFC3339, rows[0][5])
	if err != nil || rows[1][5] != "no" {
		t.Fatalf("keys list after revoking %s: %q; want it revoked (RFC 3339) and the other not", billing, rows)
	}
	code, out, _ = runSplit(t, append([]string{"keys", "revoke", billing}, store...)...)
	if code != 0 || out != billing+" was already revoked at "+revokedAt.Format(time.RFC3339)+"\n" {
		t.Errorf("keys revoke again: exit %d, %q; want exit 0 and the first revocation time", code, out)
	}

	unknown := "0123456789abcdef"
	code, out, errOut = runSplit(t, append([]string{"keys", "revoke", unknown}, store...)...)
	if code != 1 || out != "" || !strings.Contains(errOut, "no API key has the ID "+unknown) {
		t.Errorf("keys revoke of an unknown ID: exit %d, stdout %q, stderr %q; want exit 1 saying so", code, out, errOut)
	}
	code, out, errOut = runSplit(t, append([]string{"keys", "create", "--name", "x", "--scope", "customers:admin"}, store...)...)
	if code != 2 || out != "" || !strings.Contains(errOut, "--scope") {
		t.Errorf("keys create with a bad scope: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if rows := listKeysCmd(t, store); len(rows) != 2 {
		t.Errorf("refused commands changed the keys: %q", rows)
	}
}

// secretForms are the ways a key's secret could be written down: the key,
// the secret, the secret's bytes raw and in hex, and the key and the secret
// as hex text (how PostgreSQL shows a bytea).
func secretForms(t *testing.T, key, secret string) map[string][]byte {
	t.Helper()
	raw, err := base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil || len(raw) != 32 {
		t.Fatalf("secret does not decode to 32 bytes: %v", err)
	}
	return map[string][]byte{
		"key":          []byte(key),
		"secret":       []byte(secret),
		"upper secret": []byte(strings.ToUpper(secret)),
		"raw secret":   raw,
		"hex secret":   []byte(hex.EncodeToString(raw)),
		// as bytea's text shows bytes
		"key in hex":    []byte(hex.EncodeToString([]byte(key))),
		"secret in hex": []byte(hex.EncodeToString([]byte(secret))),
	}
}

// After keys create against SQLite, no byte of any file in the data dir
// (the database and its -wal and -shm files, as they are) holds the secret
// in any form; the hash is there.
func TestKeysHashesOnlySQLite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	key, _, secret := createKeyCmd(t, []string{"--data-dir", dir}, "--name", "hashes only")
	hash := coffeeshop.HashAPIKeySecret(secret)

	var files []string
	hashSeen := false
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files = append(files, filepath.Base(path))
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for form, v := range secretForms(t, key, secret) {
			if bytes.Contains(b, v) {
				t.Errorf("%s holds the %s", path, form)
			}
		}
		hashSeen = hashSeen || bytes.Contains(b, hash)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !hashSeen {
		t.Fatalf("no file of %v holds the key's hash: the test looked in the wrong place", files)
	}
}

// After keys create against PostgreSQL, no column of any row of any table
// of the schema holds the secret in any form; the hash is in api_keys.
func TestKeysHashesOnlyPostgreSQL(t *testing.T) {
	url := pgtest.URL(t)
	key, id, secret := createKeyCmd(t, []string{"--database-url", url}, "--name", "hashes only")

	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) < 2 {
		t.Fatalf("tables of the schema: %q; want the store's", tables)
	}
	forms := secretForms(t, key, secret)
	hashHex := `\x` + hex.EncodeToString(coffeeshop.HashAPIKeySecret(secret))
	hashSeen := false
	for _, table := range tables {
		rows, err := conn.Query(t.Context(), `SELECT t::text FROM `+pgx.Identifier{table}.Sanitize()+` t`)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range texts {
			for form, v := range forms {
				if form != "raw secret" && strings.Contains(strings.ToLower(row), strings.ToLower(string(v))) {
					t.Errorf("a row of %s holds the %s", table, form)
				}
			}
			// Raw bytes show in bytea's text as hex, which "hex secret" covers.
			if table == "api_keys" && strings.Contains(row, id) && strings.Contains(row, hashHex) {
				hashSeen = true
			}
		}
	}
	if !hashSeen {
		t.Fatalf("api_keys has no row with the key's ID and hash: the test looked in the wrong place")
	}
}
