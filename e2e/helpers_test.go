package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// A service that exits is reported by the end of its output: the error
// lines before its last 30 lines, then those 30, long lines cut.
func TestOutputEnd(t *testing.T) {
	var lines []string
	for i := range 100 {
		lines = append(lines, fmt.Sprintf(`{"level":"info","msg":"line %d"}`, i))
	}
	lines[5] = `{"level":"error","msg":"persistence unavailable"}`
	lines[40] = `{"level":"fatal","msg":"Failed to start ringpop listener","error":"address already in use"}`
	lines[60] = "panic: runtime error"
	lines[99] = `{"level":"info","msg":"` + strings.Repeat("x", 5000) + `"}`
	got := outputEnd(strings.Join(lines, "\n") + "\n")

	want := append([]string{lines[5], lines[40], lines[60]}, lines[70:99]...)
	pos := 0
	for _, w := range want {
		i := strings.Index(got[pos:], w+"\n")
		if i < 0 {
			t.Fatalf("output end lacks %q after byte %d:\n%s", w, pos, got)
		}
		pos += i + len(w)
	}
	for _, l := range []string{lines[4], lines[69]} {
		if strings.Contains(got, l+"\n") {
			t.Errorf("output end holds %q, neither an error line nor one of the last 30:\n%s", l, got)
		}
	}
	if !strings.HasSuffix(got, lines[99][:2000]+"…[cut]") {
		t.Errorf("the last line, of %d bytes, is not cut to 2000: ends %q", len(lines[99]), got[max(0, len(got)-50):])
	}
}

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
