package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/pgtest"
	"github.com/coffeeshop/coffeeshop/sms"
)

// reason is the ErrorInfo reason of an error answer, "" if it has none.
func (r reply) reason() string {
	details, _ := r.body["details"].([]any)
	for _, d := range details {
		if m, ok := d.(map[string]any); ok {
			if s, ok := m["reason"].(string); ok {
				return s
			}
		}
	}
	return ""
}

// TestSplitModeSharedGuard runs two api processes on one PostgreSQL
// database behind a trusted proxy and attacks one number prefix through
// both, from a new client address per request: the guard's counts are
// shared, so the prefix is blocked after the same number of texts as on
// one process, both processes refuse it, another prefix is unaffected, the
// worker texts no new code after a wrong one on it, and `coffeeshop guard
// unblock` lifts the block for both.
func TestSplitModeSharedGuard(t *testing.T) {
	db := pgtest.URL(t)
	temporal, remote, env := startSplitTemporal(t, db)
	worker := start(t, "coffeeshop worker", env, append([]string{"worker", "--fixed-code", "1234", "--health-addr", freeAddr(t)}, remote...)...)
	key, _ := createKey(t, "--database-url", db)
	var apis [2]api
	var procs [2]*process
	for i := range apis {
		addr := freeAddr(t)
		procs[i] = start(t, fmt.Sprintf("coffeeshop api %d", i+1), env,
			append([]string{"api", "--http-addr", addr, "--grpc-addr", freeAddr(t), "--trusted-proxy", "127.0.0.1"}, remote...)...)
		apis[i] = api{t: t, base: "http://" + addr, key: key}
		waitHTTP(t, procs[i], apis[i].base)
	}

	create := func(a api, n int, phone string) reply {
		body := fmt.Sprintf(`{"customer":{"first_name":"Bot","last_name":"Net","email":"bot%d@example.com","phone_number":%q}}`, n, phone)
		return a.send("POST", "/v1/customers", body, "X-Forwarded-For", fmt.Sprintf("198.51.%d.%d", n/250, n%250+1))
	}
	const attacked = "+4474001230"
	texts, n := 0, 0
	var firstID string
	for ; n < 40; n++ {
		r := create(apis[n%2], n, fmt.Sprintf("%s%02d", attacked, n))
		if r.status == http.StatusOK {
			if texts++; texts == 1 {
				c, _ := r.body["customer"].(map[string]any)
				firstID, _ = c["id"].(string)
			}
			continue
		}
		if r.status != http.StatusTooManyRequests || r.reason() != coffeeshop.ReasonPrefixBlocked || r.header.Get("Retry-After") == "" {
			t.Fatalf("attack signup %d: %d %v (Retry-After %q), want 200 or 429 %s", n, r.status, r.body, r.header.Get("Retry-After"), coffeeshop.ReasonPrefixBlocked)
		}
		break
	}
	// The default policy blocks the send that would be the 10th without
	// verifications: 9 texts, whichever process took them.
	if texts != 9 {
		t.Fatalf("the attacked prefix got %d texts through two processes, want 9", texts)
	}
	for i, a := range apis {
		if r := create(a, 100+i, fmt.Sprintf("%s%02d", attacked, 90+i)); r.status != http.StatusTooManyRequests {
			t.Errorf("api %d after the block: %d %v, want 429", i+1, r.status, r.body)
		}
	}
	if r := create(apis[1], 200, "+447400999456"); r.status != http.StatusOK {
		t.Errorf("another prefix during the block: %d %v", r.status, r.body)
	}
	// The worker asks the same guard before it texts the code after a
	// wrong one: on the blocked prefix it sends none, and the code the
	// customer has still verifies (the second verify waits for the refused
	// send to settle).
	sent := strings.Count(worker.out.String(), sms.ConsolePrefix)
	expect(t, "a wrong code on the blocked prefix", apis[0].verify(firstID, "0000"), "VERIFICATION_RESULT_INCORRECT_CODE")
	expect(t, "the code sent before the block", apis[1].verify(firstID, "1234"), "VERIFICATION_RESULT_SUCCESS")
	if now := strings.Count(worker.out.String(), sms.ConsolePrefix); now != sent {
		t.Errorf("the worker texted %d codes to the blocked prefix after a wrong code, want none", now-sent)
	}
	if out := worker.out.String(); !strings.Contains(out, "SMS guard refused a send") || !strings.Contains(out, coffeeshop.ReasonPrefixBlocked) {
		t.Error("the worker did not log the guard's refusal")
	}

	list := run(t, "guard", "list", "--database-url", db)
	if !strings.Contains(list, coffeeshop.NumberPrefix(attacked+"00")) {
		t.Errorf("guard list does not show the block:\n%s", list)
	}
	run(t, "guard", "unblock", coffeeshop.NumberPrefix(attacked+"00"), "--database-url", db)
	for i, a := range apis {
		if r := create(a, 300+i, fmt.Sprintf("%s%02d", attacked, 95+i)); r.status != http.StatusOK {
			t.Errorf("api %d after unblock: %d %v, want 200", i+1, r.status, r.body)
		}
	}
	for _, p := range procs {
		p.terminate()
	}
	worker.terminate()
	temporal.terminate()
}

// TestDevTestNumbers: a test number signs up and verifies with the test
// code, is never texted, and passes the guard however often it is used —
// also a number libphonenumber calls invalid (Ofcom's drama range).
func TestDevTestNumbers(t *testing.T) {
	s := newDevStack(t)
	const code = "2718281828" // dev here sends random 10-digit codes
	p, stdout, _ := devWithStdout(t, s, []string{"COFFEESHOP_TEST_CODE=" + code},
		"--test-numbers", "+447700900000-+447700900999")
	a := api{t: t, base: "http://" + s.http}
	waitHTTP(t, p, a.base)
	// More sign-ups on one range than the guard lets through for real
	// numbers, none verified but the last.
	var id string
	for i := range 12 {
		id = a.create(fmt.Sprintf("+447700900%03d", i))
	}
	expect(t, "the test code", a.verify(id, code), "VERIFICATION_RESULT_SUCCESS")
	if out := stdout.String(); strings.Contains(out, "SMS to +") {
		t.Errorf("a test number was texted:\n%s", out)
	}
	if out := p.out.String(); strings.Contains(out, code) {
		t.Error("the test code is in the log")
	}
}
