package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/coffeeshop/coffeeshop"
)

// newReceipts is the counter of delivery receipts taken.
func newReceipts() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "coffeeshop_delivery_receipts_total",
		Help: "Delivery receipts taken from providers, by channel, status and the number's country (ISO 3166 region).",
	}, []string{"channel", "status", "country"})
}

// CountReceipt counts one delivery receipt: its channel, status and the
// number's country, its ISO 3166 region ("GB"; "ZZ" when unknown). The
// regions are a bounded set, so the label's values are too.
func (r *Registry) CountReceipt(channel coffeeshop.Channel, status coffeeshop.DeliveryStatus, country string) {
	r.receipts.WithLabelValues(string(channel), string(status), country).Inc()
}
