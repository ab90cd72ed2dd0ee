package main

import (
	"bytes"
	"context"
	"testing"
)

// runArgs runs the command line and returns its exit code and output.
func runArgs(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), args, &out, &out)
	return code, out.String()
}
