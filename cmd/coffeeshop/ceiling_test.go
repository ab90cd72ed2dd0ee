package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCeilingHelpAndBadSettings(t *testing.T) {
	code, out := runArgs(t, "ceiling", "--help")
	if code != 0 || !strings.Contains(out, "Usage: coffeeshop ceiling") || !strings.Contains(out, "-c, --c=32") || !strings.Contains(out, "$COFFEESHOP_CEILING_CONCURRENCY") {
		t.Errorf("ceiling --help: exit %d, %q", code, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ceiling", "-n", "0"}, "-n 0"},
		{[]string{"ceiling", "-c", "0"}, "-c 0"},
	} {
		code, out := runArgs(t, tc.args...)
		if code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, output %q; want exit 2 naming %s", tc.args, code, out, tc.want)
		}
	}
}

// The ceiling runs end to end: an embedded server, a worker and every
// workflow completed.
func TestCeilingRuns(t *testing.T) {
	code, out := runArgs(t, "ceiling", "-n", "10", "-c", "2", "--json")
	var rep struct {
		N         int
		Workflows struct {
			Requests, OK int
			Throughput   float64 `json:"throughputPerSec"`
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("exit %d, output %q; want 0 and a JSON report", code, out)
	}
	if rep.N != 10 || rep.Workflows.Requests != 10 || rep.Workflows.OK != 10 || rep.Workflows.Throughput <= 0 {
		t.Errorf("report %+v, want 10 of 10 workflows completed", rep)
	}
}
