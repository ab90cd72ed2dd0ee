package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// --message-templates and --webotp-domain reach the worker's texts, from
// flags and from variables.
func TestTextSettings(t *testing.T) {
	if dev := loaded[*Dev](t, "dev", "--data-dir", t.TempDir()); dev.Texts == nil || dev.Texts.WebOTPDomain() != "" ||
		strings.Join(dev.Texts.Locales(), ",") != "en,de,es,fr" {
		t.Fatalf("dev defaults: %+v", dev.Texts)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pt.tmpl"), []byte("Código {{.Brand}}: {{.Code}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dev := loaded[*Dev](t, "dev", "--data-dir", t.TempDir(), "--message-templates", dir, "--webotp-domain", "shop.example.com")
	got, err := dev.Texts.SMS("pt-BR", "+447400123456", "4821", time.Minute)
	if err != nil || got != "Código coffeeshop: 4821\n\n@shop.example.com #4821" {
		t.Errorf("dev's Portuguese SMS: %q, %v", got, err)
	}
	t.Setenv("COFFEESHOP_CODE_SECRET", testSecretHex)
	t.Setenv("COFFEESHOP_NO_ENCRYPTION", "true")
	t.Setenv("COFFEESHOP_MESSAGE_TEMPLATES", dir)
	t.Setenv("COFFEESHOP_WEBOTP_DOMAIN", "id.example.org")
	w := loaded[*Worker](t, "worker")
	if w.Texts.WebOTPDomain() != "id.example.org" || w.Texts.Locale("pt", "") != "pt" {
		t.Errorf("worker from the environment: domain %q, locales %v", w.Texts.WebOTPDomain(), w.Texts.Locales())
	}
}

// A template that does not parse or does not show the code, and a WebOTP
// domain that is not a host name, stop the start naming the flag, its
// variable and the file.
func TestBadTextSettings(t *testing.T) {
	write := func(name, src string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	syntax := write("fr.tmpl", "Votre code {{.Code")
	noCode := write("de.tmpl", "Ihr Code kommt gleich.")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"dev", "--data-dir", t.TempDir(), "--message-templates", syntax},
			[]string{"--message-templates (COFFEESHOP_MESSAGE_TEMPLATES)", filepath.Join(syntax, "fr.tmpl")}},
		{[]string{"worker", "--code-secret", testSecretHex, "--no-encryption", "--message-templates", noCode},
			[]string{"--message-templates (COFFEESHOP_MESSAGE_TEMPLATES)", filepath.Join(noCode, "de.tmpl"), "{{.Code}}"}},
		{[]string{"dev", "--data-dir", t.TempDir(), "--message-templates", filepath.Join(t.TempDir(), "none")},
			[]string{"--message-templates (COFFEESHOP_MESSAGE_TEMPLATES)"}},
		{[]string{"dev", "--data-dir", t.TempDir(), "--webotp-domain", "https://shop.example.com"},
			[]string{`--webotp-domain="https://shop.example.com" (COFFEESHOP_WEBOTP_DOMAIN)`, "host name"}},
		{[]string{"worker", "--code-secret", testSecretHex, "--no-encryption", "--webotp-domain", "shop.example.com:443"},
			[]string{"--webotp-domain", "host name"}},
	} {
		out := refused(t, tc.want[0], tc.args...)
		for _, w := range tc.want[1:] {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output %q does not say %q", tc.args, out, w)
			}
		}
	}
	// The API does not send texts: it has neither setting.
	refused(t, "--webotp-domain", "api", "--code-secret", testSecretHex, "--no-encryption", "--webotp-domain", "shop.example.com")
}
