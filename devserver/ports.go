package devserver

import (
	"fmt"
	"net"
	"strconv"
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
