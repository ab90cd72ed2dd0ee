package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/coffeeshop/coffeeshop"
)

// guardMetrics are those of the SMS pumping guard and the number rules
// (api.GuardMetrics).
type guardMetrics struct {
	refusals   *prometheus.CounterVec
	blocks     *prometheus.CounterVec
	budgetLeft *prometheus.GaugeVec
	admitted   *prometheus.CounterVec
	released   *prometheus.CounterVec
}

func newGuardMetrics() *guardMetrics {
	g := &guardMetrics{
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coffeeshop_guard_refusals_total",
			Help: "Texts refused by the number rules and the SMS pumping guard (creates and resends on the api, the codes a verification sends by itself on the worker), by reason (COUNTRY_NOT_ALLOWED, NUMBER_TYPE_NOT_ALLOWED, PREFIX_BLOCKED, SMS_BUDGET_EXHAUSTED) and mode (enforce; monitor: counted and logged, not refused).",
		}, []string{"reason", "mode"}),
		blocks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coffeeshop_guard_blocks_total",
			Help: "Number prefixes the SMS pumping guard blocked (many texts, few verifications), by country.",
		}, []string{"country"}),
		// A vector without labels exports nothing until it is set, so that
		// a deployment without a budget shows no "0 left".
		budgetLeft: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "coffeeshop_sms_budget_left",
			Help: "Texts the global SMS budget (--sms-budget) allows in its window, as of the last send the guard decided in this process; absent without a budget.",
		}, nil),
		admitted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coffeeshop_guard_sends_admitted_total",
			Help: "Texts the SMS pumping guard admitted (creates and resends on the api, the codes a verification sends by itself on the worker), by country.",
		}, []string{"country"}),
		released: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coffeeshop_guard_sends_released_total",
			Help: "Texts the SMS pumping guard admitted and then took back because they were not sent (a create or resend the workflow refused, a code the per-phone cap or the provider refused), by country; admitted minus released is what the guard counts.",
		}, []string{"country"}),
	}
	// The label values exist from the start, so a dashboard shows 0
	// rather than nothing before the first refusal.
	for _, reason := range []string{coffeeshop.ReasonCountryNotAllowed, coffeeshop.ReasonNumberTypeNotAllowed,
		coffeeshop.ReasonPrefixBlocked, coffeeshop.ReasonSMSBudgetExhausted} {
		g.refusals.WithLabelValues(reason, "enforce")
	}
	g.refusals.WithLabelValues(coffeeshop.ReasonCountryNotAllowed, "monitor")
	return g
}

func (g *guardMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{g.refusals, g.blocks, g.budgetLeft, g.admitted, g.released}
}

// GuardRefused counts a refusal, or in mode monitor one that would have
// been.
func (r *Registry) GuardRefused(reason, mode string) {
	r.guard.refusals.WithLabelValues(reason, mode).Inc()
}

// GuardBlocked counts a prefix blocked.
func (r *Registry) GuardBlocked(country string) { r.guard.blocks.WithLabelValues(country).Inc() }

// GuardBudgetLeft sets the texts the budget has left.
func (r *Registry) GuardBudgetLeft(left int) {
	r.guard.budgetLeft.WithLabelValues().Set(float64(left))
}

// GuardAdmitted counts a text the guard admitted.
func (r *Registry) GuardAdmitted(country string) { r.guard.admitted.WithLabelValues(country).Inc() }

// GuardReleased counts a text the guard took back.
func (r *Registry) GuardReleased(country string) { r.guard.released.WithLabelValues(country).Inc() }
