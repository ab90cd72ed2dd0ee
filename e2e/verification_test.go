package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// startDev runs `coffeeshop dev` on s with extra flags.
func (s devStack) startWith(t *testing.T, extra ...string) (*process, api) {
	t.Helper()
	args := append([]string{"dev", "--data-dir", s.dataDir, "--temporal-addr", s.temporal,
		"--ui-addr", s.ui, "--grpc-addr", s.grpc, "--http-addr", s.http, "--codec-addr", s.codec}, extra...)
	p := start(t, "coffeeshop dev", nil, args...)
	a := api{t: t, base: "http://" + s.http}
	waitHTTP(t, p, a.base)
	return p, a
}

// verification reads GET /v1/customers/{id}/verification.
func (a api) verification(id string) map[string]any {
	a.t.Helper()
	r := a.send("GET", "/v1/customers/"+id+"/verification", "")
	if r.status != http.StatusOK {
		a.t.Fatalf("get verification: %d %v", r.status, r.body)
	}
	v, _ := r.body["verification"].(map[string]any)
	return v
}

// resend calls :resendCode and returns the reply.
func (a api) resend(id string) reply {
	a.t.Helper()
	return a.send("POST", "/v1/customers/"+id+":resendCode", "{}")
}

func wantStatus(t *testing.T, step string, v map[string]any, status string, attemptsLeft, sendsLeft float64) {
	t.Helper()
	if v["status"] != status || v["attemptsLeft"] != attemptsLeft || v["sendsLeft"] != sendsLeft {
		t.Fatalf("%s: %v; want %s, %v attempts and %v sends left", step, v, status, attemptsLeft, sendsLeft)
	}
}

// TestDevVerificationLifecycle drives statuses, resend, its limits,
// idempotent verify and malformed codes through the built binary.
func TestDevVerificationLifecycle(t *testing.T) {
	s := newDevStack(t)
	p, a := s.start(t)

	// The secret dev generated is kept in the data dir for its owner only.
	info, err := os.Stat(filepath.Join(s.dataDir, "code-secret"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("code secret file: %v, %v", info, err)
	}

	id := a.create("+447400123501")
	// The first code is sent right after the create answered.
	var v map[string]any
	waitFor(t, p, "first code", time.Minute, func() bool {
		v = a.verification(id)
		return v["codeExpiresAt"] != nil
	})
	wantStatus(t, "new", v, "VERIFICATION_STATUS_IN_PROGRESS", 3, 4)
	if v["customerId"] != id || v["codeExpiresAt"] == nil || v["expiresAt"] == nil {
		t.Fatalf("new: %v", v)
	}
	expires, err := time.Parse(time.RFC3339, v["expiresAt"].(string))
	if err != nil || expires.Before(time.Now().Add(23*time.Hour)) {
		t.Errorf("expiresAt %v (%v), want about 24 h from now", v["expiresAt"], err)
	}

	// Right after the first code: the cooldown answers 429 with Retry-After.
	r := a.resend(id)
	retry, _ := strconv.Atoi(r.header.Get("Retry-After"))
	if r.status != http.StatusTooManyRequests || retry < 1 || retry > 30 || r.body["code"] != float64(8) {
		t.Fatalf("resend during cooldown: %d Retry-After %q %v", r.status, r.header.Get("Retry-After"), r.body)
	}

	// Malformed codes: 400, nothing consumed.
	for _, code := range []string{"12a4", "123", "12345"} {
		if r := a.send("POST", "/v1/customers/"+id+":verify", fmt.Sprintf(`{"verification_code":%q}`, code)); r.status != 400 {
			t.Errorf("code %q: %d %v, want 400", code, r.status, r.body)
		}
	}
	// An idempotency key: the retry gets the first answer and consumes nothing.
	for range 2 {
		r := a.send("POST", "/v1/customers/"+id+":verify", `{"verification_code":"0000"}`, "Idempotency-Key", "try-1")
		if r.status != 200 || r.body["result"] != "VERIFICATION_RESULT_INCORRECT_CODE" {
			t.Fatalf("keyed wrong code: %d %v", r.status, r.body)
		}
	}
	wantStatus(t, "after one keyed attempt sent twice", a.verification(id), "VERIFICATION_STATUS_IN_PROGRESS", 2, 4)

	expect(t, "wrong 2", a.verify(id, "0001"), "VERIFICATION_RESULT_INCORRECT_CODE")
	expect(t, "wrong 3", a.verify(id, "0002"), "VERIFICATION_RESULT_MAX_ATTEMPTS_REACHED")
	wantStatus(t, "ended", a.verification(id), "VERIFICATION_STATUS_MAX_ATTEMPTS_REACHED", 0, 4)

	// A resend after the attempts ran out starts over with a fresh budget.
	r = a.resend(id)
	nv, _ := r.body["verification"].(map[string]any)
	if r.status != 200 {
		t.Fatalf("resend after max attempts: %d %v", r.status, r.body)
	}
	wantStatus(t, "restarted", nv, "VERIFICATION_STATUS_IN_PROGRESS", 3, 4)
	expect(t, "right code", a.verify(id, "1234"), "VERIFICATION_RESULT_SUCCESS")
	if !a.phoneVerified(id) {
		t.Fatal("customer not verified after SUCCESS")
	}
	wantStatus(t, "verified", a.verification(id), "VERIFICATION_STATUS_VERIFIED", 3, 4)
	if r := a.resend(id); r.status != http.StatusConflict {
		t.Errorf("resend when verified: %d %v, want 409", r.status, r.body)
	}

	// Unknown customers.
	unknown := "3f1d2c4b-5a69-4788-9abc-def012345678"
	for _, m := range [][2]string{{"GET", "/v1/customers/" + unknown + "/verification"}, {"POST", "/v1/customers/" + unknown + ":resendCode"}} {
		if r := a.send(m[0], m[1], "{}"); r.status != 404 {
			t.Errorf("%s %s: %d %v, want 404", m[0], m[1], r.status, r.body)
		}
	}
	p.terminate()
}

// TestDevVerificationExpires: with a short window, the verification ends
// as EXPIRED with no request at all; verify then answers EXPIRED with 200.
func TestDevVerificationExpires(t *testing.T) {
	s := newDevStack(t)
	p, a := s.startWith(t, "--verification-window", "2s")
	id := a.create("+447400123502")
	waitFor(t, p, "EXPIRED status", time.Minute, func() bool {
		return a.verification(id)["status"] == "VERIFICATION_STATUS_EXPIRED"
	})
	expect(t, "verify after expiry", a.verify(id, "1234"), "VERIFICATION_RESULT_EXPIRED")
	if a.phoneVerified(id) {
		t.Fatal("customer verified after EXPIRED")
	}
	r := a.resend(id)
	if nv, _ := r.body["verification"].(map[string]any); r.status != 200 || nv["status"] != "VERIFICATION_STATUS_IN_PROGRESS" {
		t.Fatalf("resend after expiry: %d %v", r.status, r.body)
	}
	p.terminate()
}
