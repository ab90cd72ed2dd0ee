package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/coffeeshop/coffeeshop"
)

// TestDevRefusedTextsDoNotBlockThePrefix runs dev with the API's limits off
// (the guard stays on) and has one customer tap resend into the workflow's
// cooldown 20 times and sign up again with its number 5 times: none of
// those sent a text, so none counts for the prefix, and the prefix still
// takes the 8 sign-ups that bring it to 9 texts before it blocks.
func TestDevRefusedTextsDoNotBlockThePrefix(t *testing.T) {
	s := newDevStack(t)
	p, _, _ := devWithStdout(t, s, nil,
		"--rate-limit-create-ip", "off", "--rate-limit-create-phone", "off",
		"--rate-limit-resend-ip", "off", "--rate-limit-resend-phone", "off")
	a := api{t: t, base: "http://" + s.http}
	waitHTTP(t, p, a.base)
	const prefix = "+447400123"
	id := a.create(prefix + "000") // 1 text
	for i := range 20 {
		r := a.send("POST", "/v1/customers/"+id+":resendCode", "")
		if r.status != http.StatusTooManyRequests || r.reason() == coffeeshop.ReasonPrefixBlocked {
			t.Fatalf("resend %d in the cooldown: %d %v, want the workflow's 429", i+1, r.status, r.body)
		}
	}
	for i := range 5 {
		body := fmt.Sprintf(`{"customer":{"first_name":"A","last_name":"B","email":"again%d@example.com","phone_number":%q}}`, i, prefix+"000")
		if r := a.send("POST", "/v1/customers", body); r.status != http.StatusConflict {
			t.Fatalf("sign-up %d with a number in use: %d %v, want 409", i+1, r.status, r.body)
		}
	}
	for i := 1; i <= 8; i++ {
		a.create(fmt.Sprintf("%s%03d", prefix, i))
	}
	body := fmt.Sprintf(`{"customer":{"first_name":"A","last_name":"B","email":"last@example.com","phone_number":"%s009"}}`, prefix)
	if r := a.send("POST", "/v1/customers", body); r.status != http.StatusTooManyRequests || r.reason() != coffeeshop.ReasonPrefixBlocked {
		t.Errorf("the prefix's 10th text: %d %v, want 429 %s", r.status, r.body, coffeeshop.ReasonPrefixBlocked)
	}
}
