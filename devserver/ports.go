package devserver

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// FreePort returns a TCP port on ip that nothing listens on at the time of
// the call, as chosen by the operating system. Another process may take it
// before the caller binds it; the kernel hands out ports at random, which
// makes that unlikely enough for tests and for the server's internal ports.
func FreePort(ip string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("devserver: no free port on %s: %w", ip, err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("devserver: no free port on %s: %w", ip, err)
	}
	return port, nil
}

// resolveAddr splits a host:port address. Port 0 is replaced by a free port,
// so that callers (tests above all) can ask for "any port" and read the
// chosen one back from the Server.
func resolveAddr(what, addr string) (host string, port int, err error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("devserver: %s address %q: %w", what, addr, err)
	}
	if host == "" {
		// An empty host would make the server listen on every interface;
		// a development server stays on the loopback unless told otherwise.
		host = "127.0.0.1"
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("devserver: %s address %q: bad port", what, addr)
	}
	if port == 0 {
		if port, err = FreePort(host); err != nil {
			return "", 0, err
		}
	}
	return host, port, nil
}

// checkFree reports, with an error naming the address, whether something
// listens on host:port already. The server binds its ports itself and only
// logs a fatal error when that fails, so a taken port is caught here first.
func checkFree(what, host string, port int) error {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("devserver: %s address %s is not available: %w", what, addr, err)
	}
	return l.Close()
}

// The server's internal ports come from [internalPortLow, internalPortHigh):
// below the kernel's range of ephemeral ports, because a port from that
// range (what FreePort returns) is also handed out as the local port of
// outgoing connections, and in a busy test run one of those took an
// internal port between the pick and the bind ("address already in use");
// ports below the range are only ever taken by listeners. The range stops
// at 20000 because the e2e tests hand the ports from 20000 up to the
// ephemeral range to the processes they start (e2e's freeAddr): with
// disjoint ranges, a server in another test process, running at the same
// time, cannot take a port that e2e checked and is about to hand out.
const internalPortLow, internalPortHigh = 10000, 20000

// internalPort returns a free port on ip for one of the server's internal
// services, at random from [internalPortLow, internalPortHigh), or from
// the kernel when that range is not below the ephemeral one.
func internalPort(ip string) (int, error) {
	low, high := internalPortLow, min(internalPortHigh, ephemeralStart())
	if high <= low {
		return FreePort(ip)
	}
	for range 100 {
		port := low + rand.IntN(high-low)
		l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
		if err != nil {
			continue // taken: try another
		}
		if err := l.Close(); err != nil {
			return 0, fmt.Errorf("devserver: no free port on %s: %w", ip, err)
		}
		return port, nil
	}
	return FreePort(ip)
}

// ephemeralStart is the first port of the kernel's ephemeral range (Linux's
// default 32768 when it cannot be read).
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1024 {
		return 32768
	}
	return n
}
