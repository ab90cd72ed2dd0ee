package api

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"testing"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,::ffff:198.51.100.1,10.1.2.3/16")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32", "198.51.100.1/32", "10.1.0.0/16"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("[%d] = %s, want %s", i, got[i], want[i])
		}
	}
	if got, err := ParseTrustedProxies(""); err != nil || len(got) != 0 {
		t.Errorf("empty: %v, %v", got, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example.com", "10.0.0", "1.2.3.4:80"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q): no error", bad)
		}
	}
}

// X-Forwarded-For counts only as far as the chain of trusted proxies goes.
func TestForwardedFor(t *testing.T) {
	proxies, err := ParseTrustedProxies("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	c := NewClientIPs(proxies)
	for _, tc := range []struct {
		remote string
		xff    []string
		want   string
	}{
		// Not from a proxy: the header is the client's own claim.
		{"203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"10.0.0.2:5000", nil, "10.0.0.2"},
		{"10.0.0.2:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		// The client prepended a fake; the proxy appended the truth.
		{"10.0.0.2:5000", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		// Two trusted proxies in a row, across two header lines.
		{"10.0.0.2:5000", []string{"1.1.1.1, 198.51.100.1", "10.0.0.3"}, "198.51.100.1"},
		// Ports and IPv6 forms.
		{"10.0.0.2:5000", []string{"[2001:db8::7]:4711"}, "2001:db8::7"},
		{"10.0.0.2:5000", []string{"198.51.100.1:4711"}, "198.51.100.1"},
		// Garbage stops the walk at the proxy that wrote it.
		{"10.0.0.2:5000", []string{"198.51.100.1, unknown"}, "10.0.0.2"},
		{"10.0.0.2:5000", []string{"198.51.100.1, 10.0.0.9, bogus, 10.0.0.8"}, "10.0.0.8"},
		// Only proxies: the left-most is as far as the chain goes.
		{"10.0.0.2:5000", []string{"10.0.0.5, 10.0.0.4"}, "10.0.0.5"},
	} {
		r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{}}
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := c.fromRequest(r).String(); got != tc.want {
			t.Errorf("%s %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
	// Without trusted proxies nothing is read.
	var none *ClientIPs
	r := &http.Request{RemoteAddr: "10.0.0.2:5000", Header: http.Header{"X-Forwarded-For": {"198.51.100.1"}}}
	if got := none.fromRequest(r).String(); got != "10.0.0.2" {
		t.Errorf("nil ClientIPs: %s", got)
	}
}

// The gRPC side believes the gateway's metadata only with the token, once,
// over a connection from this host.
func TestClientIPOfGRPCCall(t *testing.T) {
	proxies, _ := ParseTrustedProxies("10.0.0.0/8")
	c := NewClientIPs(proxies)
	tcp := func(s string) net.Addr { return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s)) }
	call := func(remote, local string, kv ...string) context.Context {
		ctx := peer.NewContext(context.Background(), &peer.Peer{Addr: tcp(remote), LocalAddr: tcp(local)})
		return metadata.NewIncomingContext(ctx, metadata.Pairs(kv...))
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"plain client", call("203.0.113.9:5000", "192.0.2.1:8080"), "203.0.113.9"},
		{"gateway over loopback", call("127.0.0.1:5000", "127.0.0.1:8080",
			mdGatewayToken, c.token, mdClientIP, "198.51.100.1"), "198.51.100.1"},
		{"gateway over IPv6 loopback", call("[::1]:5000", "[::1]:8080",
			mdGatewayToken, c.token, mdClientIP, "2001:db8::1"), "2001:db8::1"},
		{"gateway dialing the host's own address", call("192.0.2.1:5000", "192.0.2.1:8080",
			mdGatewayToken, c.token, mdClientIP, "198.51.100.1"), "198.51.100.1"},
		{"gateway without the client address", call("127.0.0.1:5000", "127.0.0.1:8080",
			mdGatewayToken, c.token), "invalid IP"},
		{"wrong token", call("127.0.0.1:5000", "127.0.0.1:8080",
			mdGatewayToken, "guess", mdClientIP, "198.51.100.1"), "127.0.0.1"},
		{"no token", call("203.0.113.9:5000", "192.0.2.1:8080",
			mdClientIP, "198.51.100.1"), "203.0.113.9"},
		{"right token from another host", call("203.0.113.9:5000", "192.0.2.1:8080",
			mdGatewayToken, c.token, mdClientIP, "198.51.100.1"), "203.0.113.9"},
		{"token twice", call("127.0.0.1:5000", "127.0.0.1:8080",
			mdGatewayToken, c.token, mdGatewayToken, c.token, mdClientIP, "198.51.100.1"), "127.0.0.1"},
		{"two client addresses", call("127.0.0.1:5000", "127.0.0.1:8080",
			mdGatewayToken, c.token, mdClientIP, "198.51.100.1", mdClientIP, "198.51.100.2"), "invalid IP"},
		{"x-forwarded-for from a trusted proxy", call("10.0.0.2:5000", "10.0.0.1:8080",
			mdForwardedFor, "1.1.1.1, 198.51.100.1"), "198.51.100.1"},
		{"x-forwarded-for from anyone else", call("203.0.113.9:5000", "192.0.2.1:8080",
			mdForwardedFor, "198.51.100.1"), "203.0.113.9"},
	} {
		if got := c.ClientIP(tc.ctx).String(); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	// A second ClientIPs has a token of its own.
	if NewClientIPs(nil).token == c.token {
		t.Error("two ClientIPs share a token")
	}
}

func TestIPKey(t *testing.T) {
	for in, want := range map[string]string{
		"198.51.100.7":        "198.51.100.7",
		"2001:db8:1:2:3::4":   "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::": "2001:db8:1:2::/64",
	} {
		if got := ipKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("ipKey(%s) = %s, want %s", in, got, want)
		}
	}
	if got := ipKey(netip.Addr{}); got != "unknown" {
		t.Errorf("ipKey(zero) = %s", got)
	}
}

// HTTP headers that would become the gateway's own metadata are dropped;
// others map as grpc-gateway maps them.
func TestIncomingHeaderDropsReservedKeys(t *testing.T) {
	for _, h := range []string{"Grpc-Metadata-Coffeeshop-Client-Ip", "grpc-metadata-coffeeshop-gateway-token", "Grpc-Metadata-COFFEESHOP-anything"} {
		if md, ok := incomingHeader(h); ok {
			t.Errorf("%s passed as %q", h, md)
		}
	}
	for h, want := range map[string]string{"Grpc-Metadata-Idempotency-Key": "Idempotency-Key", "User-Agent": "grpcgateway-User-Agent"} {
		if md, ok := incomingHeader(h); !ok || md != want {
			t.Errorf("%s → %q, %v; want %q", h, md, ok, want)
		}
	}
	if md, ok := incomingHeader("X-Custom"); ok {
		t.Errorf("X-Custom passed as %q", md)
	}
}

// X-Forwarded-Proto is believed only from a trusted proxy.
func TestForwardedHTTPS(t *testing.T) {
	ips := NewClientIPs([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	for _, tc := range []struct {
		remote, proto string
		want          bool
	}{
		{"10.0.0.2:5000", "https", true},
		{"10.0.0.2:5000", "HTTPS, http", true},
		{"10.0.0.2:5000", "http", false},
		{"10.0.0.2:5000", "", false},
		{"198.51.100.7:5000", "https", false},
		{"not an address", "https", false},
	} {
		r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{}}
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		if got := ips.ForwardedHTTPS(r); got != tc.want {
			t.Errorf("from %s with X-Forwarded-Proto %q: %v, want %v", tc.remote, tc.proto, got, tc.want)
		}
	}
}
