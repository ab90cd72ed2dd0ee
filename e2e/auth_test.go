package e2e

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/internal/pgtest"
)

// run runs `coffeeshop args...` to its end and returns its stdout; a
// failure fails the test.
func run(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(built(), args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("coffeeshop %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// keys runs `coffeeshop keys args...` (run).
func keys(t *testing.T, args ...string) string {
	t.Helper()
	return run(t, append([]string{"keys"}, args...)...)
}

// createKey creates an API key with every scope in the store that the
// flags name and returns the key and its ID.
func createKey(t *testing.T, store ...string) (key, id string) {
	t.Helper()
	out := strings.TrimRight(keys(t, append([]string{"create", "--name", "e2e " + t.Name()}, store...)...), "\n")
	key = out[strings.LastIndexByte(out, '\n')+1:]
	id, _, ok := strings.Cut(strings.TrimPrefix(key, "csk_"), "_")
	if !strings.HasPrefix(key, "csk_") || !ok {
		t.Fatalf("keys create: last line %q is no key", key)
	}
	return key, id
}

// createWithToken signs up a customer and returns its ID and verification
// token.
func (a api) createWithToken(phone string) (id, token string) {
	a.t.Helper()
	email := "c" + strings.TrimPrefix(phone, "+") + "@example.com"
	r := a.send("POST", "/v1/customers",
		`{"customer":{"first_name":"Test","last_name":"Customer","email":"`+email+`","phone_number":"`+phone+`"}}`)
	c, _ := r.body["customer"].(map[string]any)
	id, _ = c["id"].(string)
	token, _ = r.body["verificationToken"].(string)
	if r.status != http.StatusOK || id == "" || !strings.HasPrefix(token, "cvt_") {
		a.t.Fatalf("create: %d %v; want a customer and a verification token", r.status, r.body)
	}
	return id, token
}

// wantRefused checks that r is a refusal with status and, for 401, the
// challenge RFC 6750 asks for.
func wantRefused(t *testing.T, step string, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: %d %v, want %d", step, r.status, r.body, status)
	}
	if status == http.StatusUnauthorized && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("%s: WWW-Authenticate %q, want a Bearer challenge", step, r.header.Get("WWW-Authenticate"))
	}
}

// TestSplitModeKeys runs two api processes on one PostgreSQL database:
// both require a key; a customer's token runs its code steps and nothing
// else; a key revoked by `coffeeshop keys revoke` while they run is
// refused by both within 5 seconds.
func TestSplitModeKeys(t *testing.T) {
	db := pgtest.URL(t)
	temporal, remote, env := startSplitTemporal(t, db)
	worker := start(t, "coffeeshop worker", env, append([]string{"worker", "--fixed-code", "1234", "--health-addr", freeAddr(t)}, remote...)...)
	key, keyID := createKey(t, "--database-url", db)
	var apis [2]api
	var procs [2]*process
	for i := range apis {
		addr := freeAddr(t)
		procs[i] = start(t, "coffeeshop api "+string(rune('1'+i)), env,
			append([]string{"api", "--http-addr", addr, "--grpc-addr", freeAddr(t)}, remote...)...)
		apis[i] = api{t: t, base: "http://" + addr, key: key}
		waitHTTP(t, procs[i], apis[i].base)
	}
	a1, a2 := apis[0], apis[1]

	id, token := a1.createWithToken("+447400123427")
	path := "/v1/customers/" + id
	open := api{t: t, base: a2.base}
	wantRefused(t, "get without a key", open.send("GET", path, ""), http.StatusUnauthorized)
	wantRefused(t, "get with a token", open.send("GET", path, "", "Authorization", "Bearer "+token), http.StatusForbidden)
	if r := open.send("GET", path+"/verification", "", "Authorization", "Bearer "+token); r.status != http.StatusOK {
		t.Fatalf("verification with the token: %d %v", r.status, r.body)
	}
	person := api{t: t, base: a2.base, key: token}
	expect(t, "right code with the token", person.verify(id, "1234"), "VERIFICATION_RESULT_SUCCESS")
	if !a2.phoneVerified(id) {
		t.Fatal("customer not verified after SUCCESS")
	}

	keys(t, "revoke", keyID, "--database-url", db)
	revoked := time.Now()
	for i, a := range apis {
		for {
			r := a.send("GET", path, "")
			if r.status == http.StatusUnauthorized {
				t.Logf("api %d refuses the revoked key after %v", i+1, time.Since(revoked).Round(time.Millisecond))
				break
			}
			if r.status != http.StatusOK {
				t.Fatalf("api %d: %d %v while the key is being revoked", i+1, r.status, r.body)
			}
			if time.Since(revoked) > 5*time.Second {
				t.Fatalf("api %d still accepts the key %v after it was revoked", i+1, time.Since(revoked))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if out := keys(t, "list", "--database-url", db); !strings.Contains(out, keyID) {
		t.Errorf("keys list does not show %s:\n%s", keyID, out)
	}
	for _, p := range procs {
		p.terminate()
		if strings.Contains(p.out.String(), key) || strings.Contains(p.out.String(), token) {
			t.Errorf("%s logged a credential", p.name)
		}
	}
	worker.terminate()
	temporal.terminate()
}

// TestDevAuth runs dev with --auth: calls need a key, which `keys create`
// makes in the data dir while dev runs, or the customer's token for its
// code steps.
func TestDevAuth(t *testing.T) {
	s := newDevStack(t)
	p, open := s.startWith(t, "--auth")
	waitBanner(t, p, "API access   an API key or a customer's token on every call")
	wantRefused(t, "create without a key", open.send("POST", "/v1/customers", `{}`), http.StatusUnauthorized)
	key, _ := createKey(t, "--data-dir", s.dataDir)
	a := api{t: t, base: open.base, key: key}
	id, token := a.createWithToken("+447400123428")
	person := api{t: t, base: open.base, key: token}
	expect(t, "wrong code with the token", person.verify(id, "0000"), "VERIFICATION_RESULT_INCORRECT_CODE")
	wantRefused(t, "get with the token", person.send("GET", "/v1/customers/"+id, ""), http.StatusForbidden)
	expect(t, "right code with the key", a.verify(id, "1234"), "VERIFICATION_RESULT_SUCCESS")
}
