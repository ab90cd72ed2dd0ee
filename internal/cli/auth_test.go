package cli

import (
	"strings"
	"testing"
)

// dev without --auth answers anyone, so it listens only on loopback.
func TestDevOpenOnlyOnLoopback(t *testing.T) {
	dir := t.TempDir()
	for _, addrs := range [][]string{
		{},
		{"--http-addr", "localhost:0", "--grpc-addr", "[::1]:0"},
		{"--http-addr", "127.0.0.2:8081"},
	} {
		args := append([]string{"dev", "--data-dir", dir}, addrs...)
		if c := loaded[*Dev](t, args...); c.Auth {
			t.Errorf("%v: --auth is on by default", args)
		}
	}
	for _, tc := range []struct{ flag, addr string }{
		{"http-addr", "0.0.0.0:8081"},
		{"http-addr", ":8081"},
		{"grpc-addr", "[::]:8080"},
		{"grpc-addr", "192.0.2.1:8080"},
		{"http-addr", "shop.example:8081"},
	} {
		out := refused(t, "--"+tc.flag, "dev", "--data-dir", dir, "--"+tc.flag, tc.addr)
		if !strings.Contains(out, "--auth") {
			t.Errorf("--%s %s: %q does not say that --auth allows it", tc.flag, tc.addr, out)
		}
		if c := loaded[*Dev](t, "dev", "--data-dir", dir, "--auth", "--"+tc.flag, tc.addr); !c.Auth {
			t.Errorf("--auth --%s %s: auth off", tc.flag, tc.addr)
		}
	}
	t.Setenv("COFFEESHOP_AUTH", "true")
	if c := loaded[*Dev](t, "dev", "--data-dir", dir, "--http-addr", "0.0.0.0:0"); !c.Auth {
		t.Error("COFFEESHOP_AUTH=true: auth off")
	}
}
