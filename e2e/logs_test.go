package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestDevJSONLogsCarryRequestIDs runs dev with --log-format json and a
// create, a wrong and a right verify, each with its own X-Request-Id.
// Every line on stderr is a JSON object; the lines of each request, from
// the API, the workflow and the activities, carry its request_id; no line
// holds a code or the phone number unmasked.
func TestDevJSONLogsCarryRequestIDs(t *testing.T) {
	s := newDevStack(t)
	p, stdout, stderr := devWithStdout(t, s, nil, "--log-format", "json")
	a := api{t: t, base: "http://" + s.http}
	waitHTTP(t, p, a.base)

	const phone = "+447400123471"
	codes := func(n int) []string { t.Helper(); return textedCodes(t, p, stdout, phone, n) }
	send := func(path, body, rid string) map[string]any {
		t.Helper()
		r := a.send("POST", path, body, "X-Request-Id", rid)
		if r.status != 200 || r.header.Get("X-Request-Id") != rid {
			t.Fatalf("POST %s: %d, X-Request-Id %q: %v", path, r.status, r.header.Get("X-Request-Id"), r.body)
		}
		return r.body
	}

	out := send("/v1/customers", fmt.Sprintf(`{"customer":{"first_name":"Log","last_name":"Test","email":"log@example.com","phone_number":%q}}`, phone), "e2e-create")
	id, _ := out["customer"].(map[string]any)["id"].(string)
	codes(1)
	out = send("/v1/customers/"+id+":verify", `{"verification_code":"0000000000"}`, "e2e-verify-wrong")
	expect(t, "wrong code", out["result"].(string), "VERIFICATION_RESULT_INCORRECT_CODE")
	sent := codes(2)
	out = send("/v1/customers/"+id+":verify", fmt.Sprintf(`{"verification_code":%q}`, sent[1]), "e2e-verify-right")
	expect(t, "right code", out["result"].(string), "VERIFICATION_RESULT_SUCCESS")
	// A request without an ID gets a fresh one.
	if r := a.send("GET", "/v1/customers/"+id, ""); len(r.header.Get("X-Request-Id")) != 32 {
		t.Errorf("no fresh X-Request-Id: %q", r.header.Get("X-Request-Id"))
	}
	p.terminate()

	// msg (plus the gRPC method for API lines) → request IDs, in order.
	ids := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("not a JSON log line: %s", line)
			continue
		}
		msg, _ := rec["msg"].(string)
		if m, ok := rec["method"].(string); ok && msg == "grpc call" {
			msg += " " + m[strings.LastIndex(m, "/")+1:]
		}
		rid, _ := rec["request_id"].(string)
		ids[msg] = append(ids[msg], rid)
		for _, secret := range append([]string{phone, strings.TrimPrefix(phone, "+"), "verification code is"}, sent...) {
			if strings.Contains(line, secret) {
				t.Errorf("log line holds %q: %s", secret, line)
			}
		}
	}
	for msg, want := range map[string]string{
		"grpc call CreateCustomer":                 "e2e-create",
		"verification started":                     "e2e-create",
		"code sent":                                "e2e-create,e2e-verify-wrong",
		"sms sent (console sender, not delivered)": "e2e-create,e2e-verify-wrong",
		"grpc call VerifyCustomer":                 "e2e-verify-wrong,e2e-verify-right",
		"verify attempt":                           "e2e-verify-wrong,e2e-verify-right",
		"verification ended":                       "e2e-create",
	} {
		if got := strings.Join(ids[msg], ","); got != want {
			t.Errorf("%q lines have request ids %q, want %q", msg, got, want)
		}
	}
}
