package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestDevKeepsSecretsOutOfLogsAndHistory runs a dev flow with crypto-random
// ten-digit codes and payload encryption, and reads the code of each text
// from stdout, the console sender's delivery channel. The logs (stderr)
// hold no phone number and no code, stdout no full phone number, and the
// workflow history the Web UI shows is encrypted.
func TestDevKeepsSecretsOutOfLogsAndHistory(t *testing.T) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	s := newDevStack(t)
	p, stdout, stderr := devWithStdout(t, s,
		[]string{"COFFEESHOP_ENCRYPTION_KEYS=e2e:" + base64.StdEncoding.EncodeToString(key)}, "--log-level", "debug")
	a := api{t: t, base: "http://" + s.http}
	waitHTTP(t, p, a.base)

	const phone = "+447400123461"
	// codes returns the codes texted so far, once there are n.
	codes := func(n int) []string { t.Helper(); return textedCodes(t, p, stdout, phone, n) }

	id := a.create(phone)
	first := codes(1)[0]
	expect(t, "wrong code", a.verify(id, "0000000000"), "VERIFICATION_RESULT_INCORRECT_CODE")
	codes(2)
	expect(t, "old code", a.verify(id, first), "VERIFICATION_RESULT_INCORRECT_CODE")
	sent := codes(3)
	expect(t, "texted code", a.verify(id, sent[2]), "VERIFICATION_RESULT_SUCCESS")

	history := getBody(t, "http://"+s.ui+"/api/v1/namespaces/default/workflows/verify-phone-"+id+"/history")
	p.terminate()

	logs := stderr.String()
	if !strings.Contains(logs, "sms sent") {
		t.Error("the logs do not record the texts")
	}
	for _, secret := range append([]string{phone, strings.TrimPrefix(phone, "+"), "verification code is"}, sent...) {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold %q", secret)
		}
		if strings.Contains(history, secret) {
			t.Errorf("the workflow history holds %q", secret)
		}
	}
	if strings.Contains(stdout.String(), strings.TrimPrefix(phone, "+")) {
		t.Error("stdout holds the full phone number")
	}
	// "binary/encrypted", base64 in the UI's JSON.
	if !strings.Contains(history, base64.StdEncoding.EncodeToString([]byte("binary/encrypted"))) {
		t.Errorf("history is not encrypted: %.600s", history)
	}
}

// getBody returns the body of a 200 answer to GET url.
func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v %.300s", url, resp.StatusCode, err, body)
	}
	return string(body)
}
