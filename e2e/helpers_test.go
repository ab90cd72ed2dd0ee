package e2e

import (
	"fmt"
	"testing"
)

// freeAddr's ports lie between devserver's internal ports, below 20000,
// and the kernel's ephemeral range.
func TestFreeAddrRange(t *testing.T) {
	low := ephemeralLowOnce()
	for range 20 {
		addr := freeAddr(t)
		var port int
		if _, err := fmt.Sscanf(addr, "127.0.0.1:%d", &port); err != nil {
			t.Fatalf("address %q: %v", addr, err)
		}
		if port < 20000 || port >= low {
			t.Fatalf("port %d, want one in [20000, %d)", port, low)
		}
	}
}
