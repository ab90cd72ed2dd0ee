package bench

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"
)

func durations(ms ...int) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		out[i] = time.Duration(m) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value is every percentile", durations(7), 99, 7 * time.Millisecond},
		{"p50 of two is the lower", durations(1, 2), 50, 1 * time.Millisecond},
		{"p50 of four", durations(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p95 of 1..100", durations(hundred...), 95, 95 * time.Millisecond},
		{"p99 of 1..100", durations(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the max", durations(hundred...), 100, 100 * time.Millisecond},
		{"p99 of ten is the max", durations(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"p0 is the min", durations(3, 4), 0, 3 * time.Millisecond},
	} {
		if got := percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf("%s: percentile(%v, %v) = %v, want %v", tc.name, tc.sorted, tc.p, got, tc.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		name string
		adds []struct {
			ms  int
			key string
		}
		phase time.Duration
		want  OpStats
	}{
		{
			name: "nothing sent",
			want: OpStats{Name: "op", Errors: map[string]int{}},
		},
		{
			name: "unsorted latencies and errors by key",
			adds: []struct {
				ms  int
				key string
			}{
				{30, ""}, {10, ""}, {20, "500"}, {40, "timeout"}, {50, "500"},
			},
			phase: 2 * time.Second,
			want: OpStats{Name: "op", Requests: 5, OK: 2, Throughput: 2.5,
				P50: 30, P95: 50, P99: 50, Max: 50,
				Errors: map[string]int{"500": 2, "timeout": 1}},
		},
		{
			name: "sub-millisecond latencies keep microseconds",
			adds: []struct {
				ms  int
				key string
			}{{0, ""}},
			phase: time.Second,
			want:  OpStats{Name: "op", Requests: 1, OK: 1, Throughput: 1, Errors: map[string]int{}},
		},
	} {
		r := newRecorder()
		for _, a := range tc.adds {
			r.add(time.Duration(a.ms)*time.Millisecond, a.key)
		}
		if got := r.summarize("op", tc.phase); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
	r := newRecorder()
	r.add(1500*time.Microsecond, "")
	if got := r.summarize("op", time.Second); got.Max != 1.5 || got.P50 != 1.5 {
		t.Errorf("1.5 ms recorded as p50 %v max %v", got.P50, got.Max)
	}
}

func TestMergeAddsUp(t *testing.T) {
	a, b := newRecorder(), newRecorder()
	a.add(time.Millisecond, "")
	a.add(time.Millisecond, "409")
	b.add(time.Millisecond, "409")
	b.add(time.Millisecond, "transport")
	a.merge(b)
	got := a.summarize("op", 0)
	want := OpStats{Name: "op", Requests: 4, OK: 1, P50: 1, P95: 1, P99: 1, Max: 1,
		Errors: map[string]int{"409": 2, "transport": 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged: got %+v, want %+v", got, want)
	}
}

func TestErrorKeysOrder(t *testing.T) {
	got := errorKeys(map[string]int{"timeout": 1, "500": 1, "409": 1, "body": 1, "1000": 1})
	want := []string{"409", "500", "1000", "body", "timeout"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errorKeys = %v, want %v", got, want)
	}
}

func TestMeasureCountsEveryCallAndItsErrors(t *testing.T) {
	var calls atomic.Int64
	seen := make([]atomic.Bool, 50)
	s := Measure(context.Background(), "op", 50, 4, func(ctx context.Context, i int) error {
		calls.Add(1)
		seen[i].Store(true)
		if i%10 == 0 {
			return errors.New("boom")
		}
		return nil
	})
	if calls.Load() != 50 {
		t.Fatalf("op called %d times, want 50", calls.Load())
	}
	for i := range seen {
		if !seen[i].Load() {
			t.Fatalf("op never called for i=%d", i)
		}
	}
	if s.Name != "op" || s.Requests != 50 || s.OK != 45 || s.Errors["error"] != 5 {
		t.Fatalf("stats = %+v, want 50 requests, 45 ok, 5 errors", s)
	}
	if s.Throughput <= 0 {
		t.Fatalf("throughput %v, want > 0", s.Throughput)
	}
}

func TestMeasureStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	s := Measure(ctx, "op", 1000, 1, func(ctx context.Context, i int) error {
		if calls.Add(1) == 3 {
			cancel()
		}
		return nil
	})
	if s.Requests >= 1000 || s.Requests < 3 {
		t.Fatalf("%d requests after cancel at the third, want it to stop early", s.Requests)
	}
}
