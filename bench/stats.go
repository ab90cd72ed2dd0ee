package bench

import (
	"context"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"
)

// OpStats is what one operation (create, verify-wrong, verify, get) did in a
// run. Latencies are in milliseconds so that the JSON reads without a unit
// conversion.
type OpStats struct {
	Name string `json:"name"`
	// Requests is every request sent; OK those answered 200 with a body the
	// tool could read.
	Requests int `json:"requests"`
	OK       int `json:"ok"`
	// Throughput is requests per second over the phase that sent them.
	Throughput float64 `json:"throughputPerSec"`
	P50        float64 `json:"p50Ms"`
	P95        float64 `json:"p95Ms"`
	P99        float64 `json:"p99Ms"`
	Max        float64 `json:"maxMs"`
	// Errors counts failed requests by HTTP status ("409", "500") or, for
	// requests with no HTTP answer, "timeout" or "transport"; "body" is a
	// 200 whose body did not decode.
	Errors map[string]int `json:"errors"`
}

// recorder collects the outcome of one operation's requests. It is not safe
// for concurrent use: each worker keeps its own and they are merged.
type recorder struct {
	latencies []time.Duration
	ok        int
	errors    map[string]int
}

func newRecorder() *recorder { return &recorder{errors: map[string]int{}} }

// add records one request: its latency and either "" (success) or the error
// key it failed with.
func (r *recorder) add(d time.Duration, errKey string) {
	r.latencies = append(r.latencies, d)
	if errKey == "" {
		r.ok++
		return
	}
	r.errors[errKey]++
}

func (r *recorder) merge(o *recorder) {
	r.latencies = append(r.latencies, o.latencies...)
	r.ok += o.ok
	for k, v := range o.errors {
		r.errors[k] += v
	}
}

// summarize turns the recorded requests into OpStats; phase is the wall time
// of the phase that sent them (zero gives zero throughput).
func (r *recorder) summarize(name string, phase time.Duration) OpStats {
	s := OpStats{Name: name, Requests: len(r.latencies), OK: r.ok, Errors: map[string]int{}}
	for k, v := range r.errors {
		s.Errors[k] = v
	}
	if phase > 0 {
		s.Throughput = float64(s.Requests) / phase.Seconds()
	}
	sorted := slices.Clone(r.latencies)
	slices.Sort(sorted)
	s.P50 = ms(percentile(sorted, 50))
	s.P95 = ms(percentile(sorted, 95))
	s.P99 = ms(percentile(sorted, 99))
	if len(sorted) > 0 {
		s.Max = ms(sorted[len(sorted)-1])
	}
	return s
}

// percentile returns the nearest-rank p-th percentile of sorted: the
// smallest value with at least p % of the values at or below it. It is an
// observed latency, never an interpolation, and 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// ms is d in milliseconds, rounded to microseconds.
func ms(d time.Duration) float64 {
	return math.Round(float64(d.Microseconds())) / 1000
}

// errorKeys returns the keys of m sorted: statuses numerically first, then
// the named failures.
func errorKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, errA := strconv.Atoi(keys[i])
		b, errB := strconv.Atoi(keys[j])
		switch {
		case errA == nil && errB == nil:
			return a < b
		case errA == nil:
			return true
		case errB == nil:
			return false
		}
		return keys[i] < keys[j]
	})
	return keys
}

// Measure calls op for i in 0..n-1, c calls at a time, and returns their
// stats under name: throughput over the whole run, latencies, and the
// errors op returned, counted under "error". It is the load loop of the
// HTTP tool made available to other drivers (the engine ceiling), so that
// every figure the project reports is computed the same way.
func Measure(ctx context.Context, name string, n, c int, op func(ctx context.Context, i int) error) OpStats {
	recs, elapsed := phase(ctx, Config{N: n, Concurrency: c}, func(ctx context.Context, i int, w *worker) {
		start := time.Now()
		key := ""
		if err := op(ctx, i); err != nil {
			key = "error"
		}
		w.rec(name).add(time.Since(start), key)
	})
	r := recs[name]
	if r == nil {
		r = newRecorder()
	}
	return r.summarize(name, elapsed)
}
