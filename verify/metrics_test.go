package verify_test

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/verify"
	"go.temporal.io/sdk/client"
)

// countingMetrics is a client.MetricsHandler that adds up counters by name
// and tags ("name{k=v,…}").
type countingMetrics struct {
	tags   map[string]string
	mu     *sync.Mutex
	counts map[string]int64
}

func newCountingMetrics() *countingMetrics {
	return &countingMetrics{mu: &sync.Mutex{}, counts: map[string]int64{}}
}

func (m *countingMetrics) WithTags(tags map[string]string) client.MetricsHandler {
	all := maps.Clone(m.tags)
	if all == nil {
		all = map[string]string{}
	}
	maps.Copy(all, tags)
	return &countingMetrics{tags: all, mu: m.mu, counts: m.counts}
}

func (m *countingMetrics) Counter(name string) client.MetricsCounter {
	return counterFunc(func(n int64) {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.counts[m.key(name)] += n
	})
}

func (m *countingMetrics) Gauge(string) client.MetricsGauge {
	return client.MetricsNopHandler.Gauge("")
}
func (m *countingMetrics) Timer(string) client.MetricsTimer {
	return client.MetricsNopHandler.Timer("")
}

// key names a counter with the tags the workflow adds itself; the SDK's
// own tags (namespace, task queue, …) are left out.
func (m *countingMetrics) key(name string) string {
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(m.tags)) {
		if k == "reason" || k == "result" {
			kv = append(kv, k+"="+m.tags[k])
		}
	}
	if len(kv) == 0 {
		return name
	}
	return name + "{" + strings.Join(kv, ",") + "}"
}

// ours returns the coffeeshop_ counters.
func (m *countingMetrics) ours() map[string]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int64{}
	for k, v := range m.counts {
		if strings.HasPrefix(k, "coffeeshop_") {
			out[k] = v
		}
	}
	return out
}

type counterFunc func(int64)

func (f counterFunc) Inc(n int64) { f(n) }

func (h *harness) wantCounts(want map[string]int64) {
	h.t.Helper()
	if got := h.metrics.ours(); !maps.Equal(got, want) {
		h.t.Errorf("counters:\n got %v\nwant %v", got, want)
	}
}

func TestMetricsOfASuccess(t *testing.T) {
	h := newHarness(t)
	h.attempt(10*time.Second, "0000")
	h.attempt(verify.DefaultCodeTTL+20*time.Second, "2222") // the second code, too late
	h.attempt(verify.DefaultCodeTTL+30*time.Second, "3333")
	h.run()
	h.wantAnswers("verify:INCORRECT_CODE", "verify:CODE_EXPIRED", "verify:SUCCESS")
	h.wantCounts(map[string]int64{
		verify.MetricStarted:                              1,
		verify.MetricSucceeded:                            1,
		verify.MetricAttempts + "{result=incorrect_code}": 1,
		verify.MetricAttempts + "{result=code_expired}":   1,
		verify.MetricAttempts + "{result=success}":        1,
	})
}

func TestMetricsOfMaxAttempts(t *testing.T) {
	h := newHarness(t)
	h.attempt(10*time.Second, "0000")
	h.attempt(20*time.Second, "0001")
	h.attempt(30*time.Second, "0002")
	h.run()
	h.wantCounts(map[string]int64{
		verify.MetricStarted: 1,
		verify.MetricFailed + "{reason=max_attempts_reached}":   1,
		verify.MetricAttempts + "{result=incorrect_code}":       2,
		verify.MetricAttempts + "{result=max_attempts_reached}": 1,
	})
}

func TestMetricsOfAnExpiry(t *testing.T) {
	h := newHarness(t)
	h.run()
	h.wantCounts(map[string]int64{verify.MetricStarted: 1, verify.MetricExpired: 1})
}
