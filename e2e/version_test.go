package e2e

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestVersion runs the built binary's --version: one line naming the
// toolchain that built it (the test's own).
func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		out, err := exec.Command(built(), arg).CombinedOutput()
		if err != nil {
			t.Fatalf("coffeeshop %s: %v\n%s", arg, err, out)
		}
		line := string(out)
		if !strings.HasPrefix(line, "coffeeshop ") || !strings.Contains(line, runtime.Version()+" ") ||
			strings.Count(line, "\n") != 1 {
			t.Errorf("coffeeshop %s: %q", arg, line)
		}
	}
}
