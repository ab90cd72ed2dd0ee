package devserver

import (
	"net"
	"strconv"
	"testing"
)

// Internal ports come from below the ephemeral range and below the e2e
// tests' range (which starts at 20000), and are free.
func TestInternalPortBelowEphemeralRange(t *testing.T) {
	high := min(20000, ephemeralStart())
	for range 20 {
		port, err := internalPort("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if port < 10000 || port >= high {
			t.Fatalf("port %d, want one in [10000, %d)", port, high)
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("port %d is not free: %v", port, err)
		}
		l.Close()
	}
}
