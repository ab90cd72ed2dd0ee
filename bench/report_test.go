package bench

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func sampleReport() *Report {
	return &Report{URL: "http://x", RunID: "abcd", N: 2, Concurrency: 1, WrongFirst: true,
		Operations: []OpStats{
			{Name: OpCreate, Requests: 2, OK: 2, Throughput: 10, P50: 1, P95: 2, P99: 2, Max: 2, Errors: map[string]int{}},
			{Name: OpVerify, Requests: 2, OK: 1, Throughput: 5, P50: 3, P95: 4, P99: 4, Max: 4, Errors: map[string]int{"500": 1}},
		},
		VerifiedPerSec: 5, Stale: 1, NotVerified: 1, Seconds: 0.5}
}

func TestJSONShape(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, buf.String())
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range got {
			if !yield(k) {
				return
			}
		}
	})
	want := []string{"concurrency", "expired", "n", "notVerified", "operations", "runId", "seconds", "stale", "url", "verifiedPerSec", "wrongFirst"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("top-level keys %v, want %v", keys, want)
	}
	ops := got["operations"].([]any)
	verify := ops[1].(map[string]any)
	wantOp := map[string]any{"name": "verify", "requests": 2.0, "ok": 1.0, "throughputPerSec": 5.0,
		"p50Ms": 3.0, "p95Ms": 4.0, "p99Ms": 4.0, "maxMs": 4.0, "errors": map[string]any{"500": 1.0}}
	if !reflect.DeepEqual(verify, wantOp) {
		t.Errorf("operation JSON %v, want %v", verify, wantOp)
	}
	// No errors is an empty object, not null, so scripts can index it.
	if e, ok := ops[0].(map[string]any)["errors"].(map[string]any); !ok || len(e) != 0 {
		t.Errorf("create errors = %v, want {}", ops[0].(map[string]any)["errors"])
	}
}

func TestTextNamesEveryFigure(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"run abcd", "wrong code first", "p99 ms", "create", "verify", "500×1",
		"verified/s:    5.0", "stale answers: 1", "not verified:  1 of 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
}

func TestFailed(t *testing.T) {
	for _, tc := range []struct {
		stale, notVerified int
		want               bool
	}{{0, 0, false}, {1, 0, true}, {0, 1, true}} {
		r := &Report{Stale: tc.stale, NotVerified: tc.notVerified}
		if r.Failed() != tc.want {
			t.Errorf("stale %d, not verified %d: Failed = %v", tc.stale, tc.notVerified, !tc.want)
		}
	}
}
