package coffeeshop_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/coffeeshop/coffeeshop"
)

// Results travel in workflow payloads as names; numbers, as payloads
// written before hold them, still read.
func TestVerificationResultJSON(t *testing.T) {
	type carrier struct{ Result coffeeshop.VerificationResult }
	for r := coffeeshop.VerificationUnspecified; r <= coffeeshop.VerificationUndeliverable; r++ {
		b, err := json.Marshal(carrier{r})
		if want := `{"Result":"` + r.String() + `"}`; err != nil || string(b) != want {
			t.Errorf("marshal %d: %s, %v; want %s", int(r), b, err, want)
		}
		for _, in := range []string{string(b), `{"Result":` + strconv.Itoa(int(r)) + `}`} {
			var got carrier
			if err := json.Unmarshal([]byte(in), &got); err != nil || got.Result != r {
				t.Errorf("unmarshal %s: %v, %v; want %v", in, got.Result, err, r)
			}
		}
	}
	var bare coffeeshop.VerificationResult
	if err := json.Unmarshal([]byte(`5`), &bare); err != nil || bare != coffeeshop.VerificationSuccess {
		t.Errorf("unmarshal 5: %v, %v", bare, err)
	}
	for _, in := range []string{`"WON"`, `99`, `-1`, `"5x"`, `true`, `1.5`} {
		var got coffeeshop.VerificationResult
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("unmarshal %s: %v; want an error", in, got)
		}
	}
}
