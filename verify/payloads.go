package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// How the messages of messages.go read in workflow payloads, which the
// Web UI shows: durations as text ("2m0s") and results as names (see
// coffeeshop.VerificationResult's MarshalText), not nanoseconds and enum
// numbers. Reading accepts the numbers too, as builds before wrote them,
// so that their histories replay and a worker of this build goes on with
// verifications an older API started.

// duration is a time.Duration in a payload: written as text, read from
// text or from a number of nanoseconds.
type duration time.Duration

func (d duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *duration) UnmarshalJSON(b []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		t, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("duration %q: %w", v, err)
		}
		*d = duration(t)
		return nil
	case json.Number:
		if n, err := v.Int64(); err == nil {
			*d = duration(n)
			return nil
		}
	}
	return fmt.Errorf("duration %s: want text such as \"2m0s\" or nanoseconds", b)
}

// paramsFields are Params' fields without its methods; paramsJSON's
// fields of the same names hide their durations.
type paramsFields Params

type paramsJSON struct {
	paramsFields
	CodeTTL        duration
	Window         duration
	ResendCooldown duration
	// DeliveryTimeout is omitted when zero, so that inputs read as
	// before receipts in runs that do not use it.
	DeliveryTimeout duration `json:",omitempty"`
}

func (p Params) MarshalJSON() ([]byte, error) {
	return json.Marshal(paramsJSON{paramsFields(p), duration(p.CodeTTL), duration(p.Window), duration(p.ResendCooldown),
		duration(p.DeliveryTimeout)})
}

func (p *Params) UnmarshalJSON(b []byte) error {
	var j paramsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*p = Params(j.paramsFields)
	p.CodeTTL, p.Window, p.ResendCooldown = time.Duration(j.CodeTTL), time.Duration(j.Window), time.Duration(j.ResendCooldown)
	p.DeliveryTimeout = time.Duration(j.DeliveryTimeout)
	return nil
}

// sendCodeFields are SendCodeInput's fields without its methods.
type sendCodeFields SendCodeInput

type sendCodeJSON struct {
	sendCodeFields
	CodeTTL duration
}

func (in SendCodeInput) MarshalJSON() ([]byte, error) {
	return json.Marshal(sendCodeJSON{sendCodeFields(in), duration(in.CodeTTL)})
}

func (in *SendCodeInput) UnmarshalJSON(b []byte) error {
	var j sendCodeJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*in = SendCodeInput(j.sendCodeFields)
	in.CodeTTL = time.Duration(j.CodeTTL)
	return nil
}
