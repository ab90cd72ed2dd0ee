package e2e

import (
	"net"
	"net/http"
	"path/filepath"
	"testing"
)

// devStack is one `coffeeshop dev` with its addresses.
type devStack struct {
	dataDir, temporal, ui, grpc, http, codec string
}

func newDevStack(t *testing.T) devStack {
	return devStack{
		dataDir:  filepath.Join(t.TempDir(), "data"),
		temporal: freeAddr(t), ui: freeAddr(t), grpc: freeAddr(t), http: freeAddr(t), codec: freeAddr(t),
	}
}

func (s devStack) start(t *testing.T) (*process, api) {
	t.Helper()
	p := start(t, "coffeeshop dev", nil, "dev", "--data-dir", s.dataDir, "--temporal-addr", s.temporal,
		"--ui-addr", s.ui, "--grpc-addr", s.grpc, "--http-addr", s.http, "--codec-addr", s.codec)
	a := api{t: t, base: "http://" + s.http}
	waitHTTP(t, p, a.base)
	return p, a
}

func TestDevWalkthrough(t *testing.T) {
	s := newDevStack(t)
	p, a := s.start(t)
	// Plain dev on loopback answers anyone, and its banner says so.
	waitBanner(t, p, "API access   open: no credential needed")

	// Every listener answers.
	for _, addr := range []string{s.temporal, s.grpc} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		c.Close()
	}
	resp, err := http.Get("http://" + s.ui + "/")
	if err != nil {
		t.Fatalf("UI: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("UI answered %d", resp.StatusCode)
	}

	// The API describes itself.
	if r := a.send("GET", "/openapi.json", ""); r.status != http.StatusOK || r.body["swagger"] != "2.0" ||
		r.header.Get("Content-Type") != "application/json" {
		t.Errorf("GET /openapi.json: %d %s swagger=%v", r.status, r.header.Get("Content-Type"), r.body["swagger"])
	}

	// The demo's walkthrough: a wrong code, then the right one.
	id := a.create("+447400123423")
	expect(t, "wrong code", a.verify(id, "1233"), "VERIFICATION_RESULT_INCORRECT_CODE")
	expect(t, "right code", a.verify(id, "1234"), "VERIFICATION_RESULT_SUCCESS")
	if !a.phoneVerified(id) {
		t.Fatal("customer not verified after SUCCESS")
	}

	// Three wrong codes end the verification.
	id2 := a.create("+447400123424")
	expect(t, "wrong 1", a.verify(id2, "0000"), "VERIFICATION_RESULT_INCORRECT_CODE")
	expect(t, "wrong 2", a.verify(id2, "0001"), "VERIFICATION_RESULT_INCORRECT_CODE")
	expect(t, "wrong 3", a.verify(id2, "0002"), "VERIFICATION_RESULT_MAX_ATTEMPTS_REACHED")
	if a.phoneVerified(id2) {
		t.Fatal("customer verified after MAX_ATTEMPTS_REACHED")
	}

	// A verification that has ended answers its final result again.
	expect(t, "after success", a.verify(id, "1234"), "VERIFICATION_RESULT_SUCCESS")
	expect(t, "after max attempts", a.verify(id2, "1234"), "VERIFICATION_RESULT_MAX_ATTEMPTS_REACHED")

	// Client mistakes get a 4xx from the real stack, never a 5xx.
	unknown := "3f1d2c4b-5a69-4788-9abc-def012345678"
	for _, m := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/v1/customers", `{}`, 400},
		{"POST", "/v1/customers", ``, 400},
		{"POST", "/v1/customers", `{"customer":{"first_name":"A","last_name":"B","email":"a@example.com"}}`, 400},
		{"POST", "/v1/customers", `{"customer": {"first_name": "Broken"`, 400},
		{"GET", "/v1/customers/not-a-uuid", ``, 400},
		{"GET", "/v1/customers/" + unknown, ``, 404},
		{"POST", "/v1/customers/not-a-uuid:verify", `{"verification_code":"1234"}`, 400},
		{"POST", "/v1/customers/" + unknown + ":verify", `{"verification_code":"1234"}`, 404},
		{"POST", "/v1/customers/" + id + ":verify", `{}`, 400},
		{"GET", "/v1/customers:batchGet?customer_ids=zzz", ``, 400},
	} {
		if status, out := a.do(m.method, m.path, m.body); status != m.want {
			t.Errorf("%s %s %s: %d %v, want %d", m.method, m.path, m.body, status, out, m.want)
		}
	}

	p.terminate()
}

// TestDevSurvivesKill9 is the demo's durability scenario: the attempts made
// before a crash still count after it.
func TestDevSurvivesKill9(t *testing.T) {
	s := newDevStack(t)
	p, a := s.start(t)
	id := a.create("+447400123425")
	expect(t, "wrong 1", a.verify(id, "0000"), "VERIFICATION_RESULT_INCORRECT_CODE")
	expect(t, "wrong 2", a.verify(id, "0001"), "VERIFICATION_RESULT_INCORRECT_CODE")

	p.kill()
	p2, a2 := s.start(t)
	expect(t, "wrong 3 after restart", a2.verify(id, "0002"), "VERIFICATION_RESULT_MAX_ATTEMPTS_REACHED")
	if a2.phoneVerified(id) {
		t.Fatal("customer verified after MAX_ATTEMPTS_REACHED")
	}
	p2.terminate()
}
