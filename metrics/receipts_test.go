package metrics_test

import (
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/metrics"
)

func TestReceiptMetrics(t *testing.T) {
	r := metrics.New(nil)
	defer r.Close()
	r.CountReceipt(coffeeshop.ChannelSMS, coffeeshop.DeliveryUndelivered, "GB")
	r.CountReceipt(coffeeshop.ChannelSMS, coffeeshop.DeliveryUndelivered, "GB")
	r.CountReceipt(coffeeshop.ChannelWhatsApp, coffeeshop.DeliveryDelivered, "DE")
	const name = "coffeeshop_delivery_receipts_total"
	for labels, want := range map[[3]string]float64{
		{"sms", "undelivered", "GB"}:    2,
		{"whatsapp", "delivered", "DE"}: 1,
	} {
		got, ok := value(t, r, name, map[string]string{"channel": labels[0], "status": labels[1], "country": labels[2]})
		if !ok || got != want {
			t.Errorf("%s%v = %v (present %v), want %v", name, labels, got, ok, want)
		}
	}
}
