package coffeeshop_test

import (
	"testing"

	"github.com/coffeeshop/coffeeshop"
)

func TestDeliveryStatusOnlyMovesForward(t *testing.T) {
	const (
		none        = coffeeshop.DeliveryStatus("")
		queued      = coffeeshop.DeliveryQueued
		sent        = coffeeshop.DeliverySent
		delivered   = coffeeshop.DeliveryDelivered
		undelivered = coffeeshop.DeliveryUndelivered
		failed      = coffeeshop.DeliveryFailed
	)
	for _, c := range []struct {
		from, to coffeeshop.DeliveryStatus
		want     bool
	}{
		{none, queued, true}, {none, delivered, true}, {queued, sent, true}, {sent, delivered, true},
		{queued, undelivered, true}, {sent, failed, true},
		{queued, queued, false}, {sent, queued, false}, {delivered, sent, false},
		{delivered, undelivered, false}, {undelivered, delivered, false}, {failed, undelivered, false},
		{queued, "read", false}, {sent, none, false},
	} {
		if got := c.from.Advances(c.to); got != c.want {
			t.Errorf("%q.Advances(%q) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
	if !undelivered.Failed() || !failed.Failed() || delivered.Failed() || !delivered.Final() || sent.Final() {
		t.Error("Failed/Final disagree with the statuses")
	}
}
