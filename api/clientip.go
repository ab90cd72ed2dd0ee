package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// Metadata the gateway adds to every call it proxies. The "coffeeshop-"
// prefix is reserved: the gateway drops any HTTP header that would become
// metadata under it, so an HTTP client cannot set these keys itself.
const (
	reservedMetadataPrefix = "coffeeshop-"
	mdGatewayToken         = "coffeeshop-gateway-token"
	mdClientIP             = "coffeeshop-client-ip"
	mdForwardedFor         = "x-forwarded-for"
)

// ClientIPs tells the gRPC server which client address a call came from, so
// that limits per client hold for HTTP and gRPC clients alike.
//
// A gRPC client is the address of its connection. An HTTP client reaches the
// gRPC server through the gateway, whose connection comes from this host, so
// the gateway passes the HTTP client's address along in metadata together
// with a secret token made at start. The server believes that address only
// when the token matches and the connection comes from this host; a direct
// gRPC client that sends the same metadata without the token is counted by
// its own address.
//
// X-Forwarded-For (HTTP header, or gRPC metadata of the same name) is read
// only when the connection comes from a trusted proxy, and then only as far
// as the chain of trusted proxies goes: the client is the right-most address
// that is not a trusted proxy.
//
// A nil *ClientIPs trusts no proxy and no gateway: every call is counted by
// the address of its connection.
type ClientIPs struct {
	token   string
	proxies []netip.Prefix
}

// NewClientIPs returns a ClientIPs with a fresh random gateway token that
// trusts X-Forwarded-For from the given proxies (none when empty). Give the
// same ClientIPs to the gateway (WithClientIPs) and to the Limiter.
func NewClientIPs(trustedProxies []netip.Prefix) *ClientIPs {
	return &ClientIPs{token: rand.Text(), proxies: trustedProxies}
}

// ParseTrustedProxies parses a comma-separated list of IP addresses and CIDR
// prefixes ("10.0.0.0/8, 192.0.2.7"); an empty string is no proxy.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := parseProxy(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", f)
		}
		out = append(out, p)
	}
	return out, nil
}

// parseProxy reads one trusted proxy: a CIDR prefix, or an address, which
// is the prefix of its full length.
func parseProxy(f string) (netip.Prefix, error) {
	if strings.Contains(f, "/") {
		p, err := netip.ParsePrefix(f)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(f)
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), err
}

// ClientIP returns the address of the client of a gRPC call, by the rules of
// ClientIPs, or the zero Addr when it cannot be told.
func (c *ClientIPs) ClientIP(ctx context.Context) netip.Addr {
	p, _ := peer.FromContext(ctx)
	var conn netip.Addr
	if p != nil {
		conn = addrOf(p.Addr)
	}
	md, _ := metadata.FromIncomingContext(ctx)
	if c == nil {
		return conn
	}
	if c.fromGateway(p, md) {
		// Exactly one value: the gateway sends one, and a second one could
		// only come from somewhere else.
		if ips := md.Get(mdClientIP); len(ips) == 1 {
			if a, err := netip.ParseAddr(ips[0]); err == nil {
				return a.Unmap()
			}
		}
		return netip.Addr{}
	}
	if c.trusted(conn) {
		return c.forwarded(conn, md.Get(mdForwardedFor))
	}
	return conn
}

// fromGateway reports whether a call was proxied by this process's gateway:
// it carries the token, once, over a connection from this host.
func (c *ClientIPs) fromGateway(p *peer.Peer, md metadata.MD) bool {
	tokens := md.Get(mdGatewayToken)
	if len(tokens) != 1 || subtle.ConstantTimeCompare([]byte(tokens[0]), []byte(c.token)) != 1 {
		return false
	}
	return p != nil && sameHost(p)
}

// sameHost reports whether a connection comes from this host: over loopback,
// or from the very address it was accepted on (a gateway that dials the
// gRPC listener's non-loopback address).
func sameHost(p *peer.Peer) bool {
	remote := addrOf(p.Addr)
	if remote.IsLoopback() {
		return true
	}
	return remote.IsValid() && p.LocalAddr != nil && remote == addrOf(p.LocalAddr)
}

// fromRequest returns the address of an HTTP client by the rules of
// ClientIPs.
func (c *ClientIPs) fromRequest(r *http.Request) netip.Addr {
	conn := netip.Addr{}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		conn = ap.Addr().Unmap()
	}
	if c.trusted(conn) {
		return c.forwarded(conn, r.Header.Values("X-Forwarded-For"))
	}
	return conn
}

// ForwardedHTTPS reports whether r reached a trusted proxy over HTTPS: its
// peer is a --trusted-proxy and the first X-Forwarded-Proto says https.
func (c *ClientIPs) ForwardedHTTPS(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !c.trusted(ap.Addr().Unmap()) {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// annotate is the gateway's metadata for one proxied request: the token and
// the HTTP client's address.
func (c *ClientIPs) annotate(_ context.Context, r *http.Request) metadata.MD {
	md := metadata.Pairs(mdGatewayToken, c.token)
	if a := c.fromRequest(r); a.IsValid() {
		md.Set(mdClientIP, a.String())
	}
	return md
}

func (c *ClientIPs) trusted(a netip.Addr) bool {
	if c == nil || !a.IsValid() {
		return false
	}
	for _, p := range c.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwarded walks X-Forwarded-For from the right, starting at hop, the
// trusted proxy that connected. Each proxy appends the address it saw, so the
// right-most address that is not a trusted proxy is the client; everything
// left of it was written by the client and proves nothing. An entry that is
// not an address ends the walk at the proxy that wrote it.
func (c *ClientIPs) forwarded(hop netip.Addr, values []string) netip.Addr {
	var entries []string
	for _, v := range values {
		entries = append(entries, strings.Split(v, ",")...)
	}
	for i := len(entries) - 1; i >= 0; i-- {
		a, ok := parseHop(strings.TrimSpace(entries[i]))
		if !ok {
			return hop
		}
		if !c.trusted(a) {
			return a
		}
		hop = a
	}
	return hop
}

// parseHop reads one X-Forwarded-For entry: an address, optionally with a
// port ("192.0.2.1:4711", "[2001:db8::1]:4711").
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// addrOf returns the IP of a connection address, or the zero Addr.
func addrOf(a net.Addr) netip.Addr {
	switch a := a.(type) {
	case *net.TCPAddr:
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip.Unmap()
	case nil:
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// ipKey is the key client limits count an address under. An IPv6 client
// usually owns a whole /64 and can pick any address in it, so IPv6 addresses
// count per /64; an IPv4 address counts alone.
func ipKey(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is4():
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
