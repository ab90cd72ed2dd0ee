package verify

import (
	"errors"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// receiptsChange is the workflow.GetVersion change ID of delivery
// receipts, channels and fallback. Runs started before it (DefaultVersion)
// send every code by SMS and ignore receipts, as they did; runs from
// receiptsVersion on number their sends, follow receipts and fall back.
const (
	receiptsChange  = "delivery-receipts"
	receiptsVersion = workflow.Version(1)
)

// DeliverySignal is the name of the Signal that brings a
// coffeeshop.Receipt to a verification. A Signal, not an Update: a receipt
// needs no answer, and the server takes a Signal whether or not a worker
// is up, so that the provider's callback is answered at once and no
// receipt waits on a worker.
const DeliverySignal = "delivery"

// delivery is what the workflow knows of the current code's message.
type delivery struct {
	coffeeshop.Delivery
	// send is the send number the message belongs to; 0 before the first
	// send (and always in runs before receiptsVersion).
	send int
	// messageID is the provider's ID of the message, from the send's
	// result or the first receipt.
	messageID string
	// receipts: the provider reports on this message, so that silence
	// means something (DeliveryTimeout).
	receipts bool
	// sentAt is when the send completed; the delivery timeout runs from
	// it.
	sentAt time.Time
	// silent: DeliveryTimeout passed without the message reported
	// delivered.
	silent bool
}

// behaviour returns the run's version of behaviour. A run started with
// Params.Version set has it from its input: its first workflow task
// records no version marker, whose search attribute upsert would cost the
// server a visibility write per run (docs/benchmarks.md, "Fast creates").
// A run started without it (by a client from before the field) asks
// GetVersion, before any other command, as it always did: its history has
// the marker, or, started before receipts, has none and keeps the old
// behaviour.
//
// Workers must be upgraded before the clients that set the field: a
// worker from before it would replay such a run without the marker as a
// run from before receipts.
func (p Params) behaviour(ctx workflow.Context) workflow.Version {
	if v := workflow.Version(p.Version); v >= receiptsVersion {
		return v
	}
	return workflow.GetVersion(ctx, receiptsChange, workflow.DefaultVersion, receiptsVersion)
}

// receiptsOn reports whether the run follows receipts and channels.
func (v *verification) receiptsOn() bool { return v.version >= receiptsVersion }

// channels are the run's channels in fallback order.
func (v *verification) channels() []coffeeshop.Channel {
	if len(v.params.Channels) == 0 {
		return []coffeeshop.Channel{coffeeshop.ChannelSMS}
	}
	return v.params.Channels
}

// channelNow is the channel the next code goes out on.
func (v *verification) channelNow() coffeeshop.Channel {
	chs := v.channels()
	return chs[min(v.channelAt, len(chs)-1)]
}

// hasNextChannel reports whether a channel is left to fall back to.
func (v *verification) hasNextChannel() bool { return v.channelAt+1 < len(v.channels()) }

// listenReceipts applies every receipt the run is signaled.
func (v *verification) listenReceipts(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, DeliverySignal)
	for {
		var r coffeeshop.Receipt
		if !ch.Receive(ctx, &r) {
			return
		}
		v.receipt(ctx, r)
	}
}

// receipt applies r to the current message when r is about it and moves
// its status forward; a receipt of an older send, of another try's message,
// or that would move the status back is dropped. Repeats change nothing.
func (v *verification) receipt(ctx workflow.Context, r coffeeshop.Receipt) {
	d := &v.delivery
	if r.Send == 0 || r.Send != d.send || !r.Status.Known() {
		return
	}
	if d.messageID != "" && r.MessageID != "" && r.MessageID != d.messageID {
		return
	}
	if !d.Status.Advances(r.Status) {
		return
	}
	if d.messageID == "" {
		d.messageID = r.MessageID
	}
	d.Status, d.ErrorCode, d.UpdatedAt = r.Status, r.ErrorCode, r.At
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = workflow.Now(ctx)
	}
	workflow.GetLogger(ctx).Info("delivery receipt", "customer_id", v.params.CustomerID,
		"send", r.Send, "channel", string(d.Channel), "status", string(r.Status), "error_code", r.ErrorCode)
}

// startSend makes the send about to run the current one: receipts are
// matched against its number from now on, even before its activity
// returns (a provider may report first). It returns the delivery it
// replaces, which a refused send restores.
func (v *verification) startSend() delivery {
	prev := v.delivery
	v.sendNo++
	v.delivery = delivery{send: v.sendNo, Delivery: coffeeshop.Delivery{Channel: v.channelNow()}}
	return prev
}

// sent records the result of the current send. Receipts that came first
// for another message (a try whose answer was lost) are reset.
func (v *verification) sent(ctx workflow.Context, res SendCodeResult) {
	d := &v.delivery
	if res.MessageID != "" && d.messageID != "" && d.messageID != res.MessageID {
		d.Delivery = coffeeshop.Delivery{Channel: d.Channel}
	}
	if res.MessageID != "" {
		d.messageID = res.MessageID
	}
	d.receipts, d.sentAt = res.Receipts, workflow.Now(ctx)
	if d.Status.Advances(coffeeshop.DeliveryQueued) {
		d.Status, d.UpdatedAt = coffeeshop.DeliveryQueued, d.sentAt
	}
}

// fallbackDue reports whether the current code's message failed (or went
// unconfirmed too long) while the customer waits for it, and a channel is
// left to send a fresh code on.
func (v *verification) fallbackDue() bool {
	return v.receiptsOn() && v.phase == phaseWaiting && v.refused == nil && v.delivery.send > 0 &&
		(v.delivery.Status.Failed() || v.delivery.silent) && v.hasNextChannel()
}

// watching reports whether the run waits for the current message's
// receipt with a deadline: it reports receipts, none final has come, and
// a channel is left to fall back to.
func (v *verification) watching() bool {
	d := v.delivery
	return v.receiptsOn() && v.phase == phaseWaiting && v.refused == nil && d.send > 0 && d.receipts &&
		!d.silent && !d.Status.Final() && v.hasNextChannel()
}

// fallBack moves to the next channel and asks for a fresh code on it. The
// code does not count as a send the customer asked for.
func (v *verification) fallBack(ctx workflow.Context) {
	from := v.delivery.Channel
	v.channelAt++
	v.phase, v.reason = phaseSending, SendFallback
	workflow.GetLogger(ctx).Info("falling back to the next channel", "customer_id", v.params.CustomerID,
		"from", string(from), "to", string(v.channelNow()), "status", string(v.delivery.Status),
		"no_receipt", v.delivery.silent)
}

// awaitWork waits until a code is wanted, the verification has ended, or a
// fallback is due; while a message is watched, until its deadline at most.
func (v *verification) awaitWork(ctx workflow.Context) error {
	work := func() bool { return v.phase == phaseSending || v.ended() || v.fallbackDue() }
	for !work() {
		if !v.watching() {
			return workflow.Await(ctx, work)
		}
		left := v.delivery.sentAt.Add(v.params.DeliveryTimeout).Sub(workflow.Now(ctx))
		if left > 0 {
			send := v.delivery.send
			ok, err := workflow.AwaitWithTimeout(ctx, left, func() bool {
				return work() || v.delivery.send != send || v.delivery.Status.Final()
			})
			if err != nil {
				return err
			}
			if ok {
				continue
			}
		}
		v.delivery.silent = true
	}
	return nil
}

// deliveryStatus is the delivery part of the Status.
func (v *verification) deliveryStatus() *coffeeshop.Delivery {
	if v.delivery.send == 0 {
		return nil
	}
	d := v.delivery.Delivery
	d.NoFallback = (d.Status.Failed() || v.delivery.silent) && !v.hasNextChannel()
	return &d
}

// rejectedFallBack handles a send the channel's provider refused for good
// (SendCode's SMSRejected) when a channel is left: the message is marked
// failed and the code goes out on the next channel instead of the
// verification ending as undeliverable. It reports whether it did.
func (v *verification) rejectedFallBack(ctx workflow.Context, err error) bool {
	var appErr *temporal.ApplicationError
	if !v.receiptsOn() || !errors.As(err, &appErr) || appErr.Type() != errTypeSMSRejected || !v.hasNextChannel() {
		return false
	}
	v.delivery.Status, v.delivery.UpdatedAt = coffeeshop.DeliveryFailed, workflow.Now(ctx)
	v.fallBack(ctx)
	return true
}
