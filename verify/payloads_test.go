package verify_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/verify"
)

// The workflow's input and answers read as words in the Web UI: durations
// as text, results as names. Payloads of earlier builds, with nanoseconds
// and enum numbers, still read.
func TestPayloadsReadAsWords(t *testing.T) {
	dc := converter.GetDefaultDataConverter()
	params := verify.Params{CustomerID: "c1", PhoneNumber: "+447911123456", CodeTTL: 2 * time.Minute, MaxAttempts: 3,
		CodeLength: 4, Window: 24 * time.Hour, ResendCooldown: 30 * time.Second, MaxSends: 5,
		Create: &verify.NewCustomer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", BodyHash: "h"}}
	expires := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	status := verify.Status{Result: coffeeshop.VerificationSuccess, AttemptsLeft: 2, SendsLeft: 4, ExpiresAt: expires}
	sendCode := verify.SendCodeInput{CustomerID: "c1", PhoneNumber: "+447911123456", CodeTTL: 90 * time.Second, CodeLength: 6}
	for _, tc := range []struct {
		value any
		words []string
		old   string // as builds before wrote it
		into  func() any
	}{
		{params, []string{`"CodeTTL":"2m0s"`, `"Window":"24h0m0s"`, `"ResendCooldown":"30s"`, `"FirstName":"Ada"`, `"MaxSends":5`},
			`{"CustomerID":"c1","PhoneNumber":"+447911123456","CodeTTL":120000000000,"MaxAttempts":3,"CodeLength":4,` +
				`"Window":86400000000000,"ResendCooldown":30000000000,"MaxSends":5,` +
				`"Create":{"FirstName":"Ada","LastName":"Lovelace","Email":"ada@example.com","BodyHash":"h"}}`,
			func() any { return new(verify.Params) }},
		{status, []string{`"Result":"SUCCESS"`, `"ExpiresAt":"2025-01-02T03:04:05Z"`},
			`{"Result":5,"AttemptsLeft":2,"SendsLeft":4,"CodeExpiresAt":"0001-01-01T00:00:00Z","ExpiresAt":"2025-01-02T03:04:05Z"}`,
			func() any { return new(verify.Status) }},
		{sendCode, []string{`"CodeTTL":"1m30s"`},
			`{"CustomerID":"c1","PhoneNumber":"+447911123456","CodeTTL":90000000000,"CodeLength":6}`,
			func() any { return new(verify.SendCodeInput) }},
	} {
		p, err := dc.ToPayload(tc.value)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.words {
			if !strings.Contains(string(p.Data), w) {
				t.Errorf("%T payload %s lacks %s", tc.value, p.Data, w)
			}
		}
		for _, data := range []string{string(p.Data), tc.old} {
			got := tc.into()
			if err := json.Unmarshal([]byte(data), got); err != nil {
				t.Errorf("read %s: %v", data, err)
				continue
			}
			again, _ := json.Marshal(got)
			if string(again) != string(p.Data) {
				t.Errorf("read %s as %s; want %s", data, again, p.Data)
			}
		}
	}
	for _, bad := range []string{`{"CodeTTL":"soon"}`, `{"CodeTTL":true}`, `{"Window":1.5}`} {
		if err := json.Unmarshal([]byte(bad), new(verify.Params)); err == nil {
			t.Errorf("read %s: no error", bad)
		}
	}
}
