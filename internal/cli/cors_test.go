package cli

import (
	"slices"
	"strings"
	"testing"
)

// --cors-origins is empty by default on dev and api (no CORS answers), and
// read from the flag or the variable into the exact form browsers send.
func TestCORSOriginsSettings(t *testing.T) {
	if d, a := parsed[*Dev](t, "dev"), parsed[*API](t, "api"); len(d.CORS()) != 0 || len(a.CORS()) != 0 {
		t.Errorf("defaults: dev %q, api %q; want none", d.CORS(), a.CORS())
	}
	c := parsed[*API](t, "api", "--cors-origins", "https://Shop.Example.com, http://localhost:3000,https://a.example:443,http://[::1]:8080,https://shop.example.com")
	want := []string{"https://shop.example.com", "http://localhost:3000", "https://a.example", "http://[::1]:8080"}
	if !slices.Equal(c.CORS(), want) {
		t.Errorf("origins %q; want %q", c.CORS(), want)
	}
	t.Setenv("COFFEESHOP_CORS_ORIGINS", "https://shop.example.com")
	if d := parsed[*Dev](t, "dev"); !slices.Equal(d.CORS(), []string{"https://shop.example.com"}) {
		t.Errorf("dev from the environment: %q", d.CORS())
	}
	if a := parsed[*API](t, "api", "--cors-origins", "https://other.example"); !slices.Equal(a.CORS(), []string{"https://other.example"}) {
		t.Errorf("the flag beats the variable: %q", a.CORS())
	}
	loaded[*API](t, "api", "--code-secret", testSecretHex, "--no-encryption", "--cors-origins", "https://shop.example.com")
}

// A bad origin stops dev and api with exit 2, as every bad setting does,
// naming the flag (or the variable) and saying what is wrong: * with why
// it is refused, a trailing / or path with what to write.
func TestBadCORSOriginsNameTheFlag(t *testing.T) {
	for _, c := range []struct{ origin, why string }{
		{"*", "* is not accepted: it would let a page on any web site"},
		{"https://*.shop.example", "* is not accepted"},
		{"https://shop.example.com/", `write https://shop.example.com`},
		{"https://shop.example.com/verify", "must be an origin"},
		{"ftp://shop.example.com", "must be an origin"},
		{"shop.example.com", "must be an origin"},
		{"https://shop.example.com?q=1", "must be an origin"},
		{"https://user@shop.example.com", "must be an origin"},
		{"https://shop.example.com:99999", "must be an origin"},
		{"null", "must be an origin"},
	} {
		for _, cmd := range []string{"dev", "api"} {
			out := refused(t, "--cors-origins", cmd, "--cors-origins", "https://ok.example,"+c.origin)
			if !strings.Contains(out, c.why) {
				t.Errorf("%s --cors-origins %s: %q, want it to say %q", cmd, c.origin, out, c.why)
			}
		}
	}
	t.Setenv("COFFEESHOP_CORS_ORIGINS", "*")
	refused(t, "COFFEESHOP_CORS_ORIGINS", "api", "--code-secret", testSecretHex, "--no-encryption")
}
