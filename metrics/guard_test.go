package metrics_test

import (
	"testing"

	"github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/metrics"
)

var _ api.GuardMetrics = (*metrics.Registry)(nil)

// The guard's metrics: refusals by reason and mode (present at 0 from the
// start), blocks, admitted and released sends by country, and the budget gauge only
// once there is a budget.
func TestGuardMetrics(t *testing.T) {
	r := metrics.New(nil)
	defer r.Close()
	const budget = "coffeeshop_sms_budget_left"
	if _, ok := value(t, r, budget, nil); ok {
		t.Error("the budget gauge is there before any budget")
	}
	r.GuardRefused("PREFIX_BLOCKED", "enforce")
	r.GuardRefused("COUNTRY_NOT_ALLOWED", "monitor")
	r.GuardBlocked("GB")
	r.GuardAdmitted("GB")
	r.GuardAdmitted("GB")
	r.GuardReleased("GB")
	r.GuardBudgetLeft(41)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"coffeeshop_guard_refusals_total", map[string]string{"reason": "PREFIX_BLOCKED", "mode": "enforce"}, 1},
		{"coffeeshop_guard_refusals_total", map[string]string{"reason": "COUNTRY_NOT_ALLOWED", "mode": "monitor"}, 1},
		{"coffeeshop_guard_refusals_total", map[string]string{"reason": "SMS_BUDGET_EXHAUSTED", "mode": "enforce"}, 0},
		{"coffeeshop_guard_refusals_total", map[string]string{"reason": "NUMBER_TYPE_NOT_ALLOWED", "mode": "enforce"}, 0},
		{"coffeeshop_guard_blocks_total", map[string]string{"country": "GB"}, 1},
		{"coffeeshop_guard_sends_admitted_total", map[string]string{"country": "GB"}, 2},
		{"coffeeshop_guard_sends_released_total", map[string]string{"country": "GB"}, 1},
		{budget, nil, 41},
	} {
		if got, ok := value(t, r, c.name, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (present: %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
}

// value returns the value of the series of name with exactly labels.
func value(t *testing.T, r *metrics.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := r.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue series
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue(), true
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}
