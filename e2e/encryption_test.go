package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDevEncryptsByDefault: dev generates a payload key in its data dir at
// its first encrypted start and reads it back at every later one. A data
// dir whose histories were written unencrypted (by dev --no-encryption, as
// builds before encrypted by default did) keeps working; a history written
// before a restart decodes after it; and the codec endpoint shows the Web
// UI what the workflow's input says, durations as words.
func TestDevEncryptsByDefault(t *testing.T) {
	s := newDevStack(t)
	keyFile := filepath.Join(s.dataDir, "encryption-key")

	// An unencrypted history, as an older data dir holds.
	p, a := s.startWith(t, "--no-encryption")
	const plainPhone, encPhone = "+447400123481", "+447400123482"
	plain := a.create(plainPhone)
	if enc, data := firstPayload(t, startInput(t, history(t, s, plain))); enc != "json/plain" ||
		!strings.Contains(data, `"PhoneNumber":"`+plainPhone+`"`) || !strings.Contains(data, `"CodeTTL":"2m0s"`) {
		t.Errorf("--no-encryption: the history's input is %s %s; want it in plain text, durations as words", enc, data)
	}
	waitBanner(t, p, "off (--no-encryption)")
	if _, err := os.Stat(keyFile); err == nil {
		t.Error("--no-encryption generated a key")
	}
	p.terminate()

	// The first encrypted start generates the key; the banner says where.
	p, a = s.startWith(t)
	waitBanner(t, p, "(generated, kept in "+keyFile+"); UI decodes via http://"+s.codec+"/codec")
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(keyFile); info.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", keyFile, info.Mode().Perm())
	}
	enc := a.create(encPhone)
	input := startInput(t, history(t, s, enc))
	if encoding, data := firstPayload(t, input); encoding != "binary/encrypted" || strings.Contains(data, strings.TrimPrefix(encPhone, "+")) {
		t.Errorf("the history's input is %s %q; want it encrypted", encoding, data)
	}
	// The Web UI posts the payloads it shows to the codec endpoint.
	decoded := decode(t, "http://"+s.codec+"/codec/decode", input)
	for _, want := range []string{`"PhoneNumber":"` + encPhone + `"`, `"CodeTTL":"2m0s"`, `"Window":"24h0m0s"`, `"ResendCooldown":"30s"`} {
		if !strings.Contains(decoded, want) {
			t.Errorf("decoded input %s lacks %s", decoded, want)
		}
	}
	p.terminate()

	// After a restart the same key reads both histories on.
	p, a = s.startWith(t)
	if again, err := os.ReadFile(keyFile); err != nil || !bytes.Equal(again, key) {
		t.Errorf("the key file changed on restart: %v", err)
	}
	expect(t, "unencrypted history", a.verify(plain, "1234"), "VERIFICATION_RESULT_SUCCESS")
	expect(t, "encrypted history", a.verify(enc, "1234"), "VERIFICATION_RESULT_SUCCESS")

	// What the worker wrote decodes too: the first send's result (a local
	// activity's marker: its code's MAC and expiry, never the code), and
	// the result the workflow ended with.
	sent := localActivityResult(t, s, history(t, s, enc), "SendCode")
	if !strings.Contains(sent, `"CodeMAC":"`) || !strings.Contains(sent, `"ExpiresAt":"`) {
		t.Errorf("decoded SendCode result %s; want the code's MAC and expiry", sent)
	}
	waitFor(t, p, "the run's end", time.Minute, func() bool {
		return strings.Contains(history(t, s, enc), "workflowExecutionCompletedEventAttributes")
	})
	result := decode(t, "http://"+s.codec+"/codec/decode",
		eventPayloads(t, history(t, s, enc), "workflowExecutionCompletedEventAttributes", "result"))
	if !strings.Contains(result, `"Result":"SUCCESS"`) {
		t.Errorf("decoded result %s; want the result by name", result)
	}
}

// waitBanner waits for dev's banner to hold want.
func waitBanner(t *testing.T, p *process, want string) {
	t.Helper()
	waitFor(t, p, "banner saying "+want, time.Minute, func() bool { return strings.Contains(p.out.String(), want) })
}

// firstPayload returns the encoding and data of the first of payloads.
func firstPayload(t *testing.T, payloads json.RawMessage) (encoding, data string) {
	t.Helper()
	var ps []struct {
		Metadata map[string][]byte `json:"metadata"`
		Data     []byte            `json:"data"`
	}
	if err := json.Unmarshal(payloads, &ps); err != nil || len(ps) == 0 {
		t.Fatalf("payloads %s: %v", payloads, err)
	}
	return string(ps[0].Metadata["encoding"]), string(ps[0].Data)
}

// history returns the history of the verification of customer id, as the
// Web UI reads it.
func history(t *testing.T, s devStack, id string) string {
	t.Helper()
	return getBody(t, "http://"+s.ui+"/api/v1/namespaces/default/workflows/verify-phone-"+id+"/history")
}

// startInput returns the payloads of the workflow's input in history h,
// as JSON.
func startInput(t *testing.T, h string) json.RawMessage {
	t.Helper()
	return eventPayloads(t, h, "workflowExecutionStartedEventAttributes", "input")
}

// eventPayloads returns, as JSON, the payloads in field of the first event
// of history h that has attributes attrs.
func eventPayloads(t *testing.T, h, attrs, field string) json.RawMessage {
	t.Helper()
	var page struct {
		History struct {
			Events []map[string]json.RawMessage `json:"events"`
		} `json:"history"`
	}
	if err := json.Unmarshal([]byte(h), &page); err != nil {
		t.Fatalf("history %.400s: %v", h, err)
	}
	for _, e := range page.History.Events {
		if a, ok := e[attrs]; ok {
			var fields map[string]json.RawMessage
			var p struct {
				Payloads json.RawMessage `json:"payloads"`
			}
			if err := json.Unmarshal(a, &fields); err != nil || json.Unmarshal(fields[field], &p) != nil {
				t.Fatalf("%s.%s of %s: %v", attrs, field, a, err)
			}
			return p.Payloads
		}
	}
	t.Fatalf("no %s in history %.400s", attrs, h)
	return nil
}

// localActivityResult returns the decoded result of the first local
// activity of type activityType in the history h: a marker whose details
// hold the activity's data (its type among them) and its result, both
// encoded as every payload is.
func localActivityResult(t *testing.T, s devStack, h, activityType string) string {
	t.Helper()
	var page struct {
		History struct {
			Events []struct {
				Marker *struct {
					MarkerName string `json:"markerName"`
					Details    map[string]struct {
						Payloads json.RawMessage `json:"payloads"`
					} `json:"details"`
				} `json:"markerRecordedEventAttributes"`
			} `json:"events"`
		} `json:"history"`
	}
	if err := json.Unmarshal([]byte(h), &page); err != nil {
		t.Fatalf("history %.400s: %v", h, err)
	}
	for _, e := range page.History.Events {
		if e.Marker == nil || e.Marker.MarkerName != "LocalActivity" {
			continue
		}
		data := decode(t, "http://"+s.codec+"/codec/decode", e.Marker.Details["data"].Payloads)
		if strings.Contains(data, `"ActivityType":"`+activityType+`"`) {
			return decode(t, "http://"+s.codec+"/codec/decode", e.Marker.Details["result"].Payloads)
		}
	}
	t.Fatalf("no local activity %s in history %.400s", activityType, h)
	return ""
}

// decode posts payloads to a codec endpoint and returns the data of the
// first decoded payload.
func decode(t *testing.T, url string, payloads json.RawMessage) string {
	t.Helper()
	body, _ := json.Marshal(map[string]json.RawMessage{"payloads": payloads})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Payloads []struct {
			Data []byte `json:"data"`
		} `json:"payloads"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || len(out.Payloads) == 0 {
		t.Fatalf("POST %s: %d %v", url, resp.StatusCode, err)
	}
	return string(out.Payloads[0].Data)
}
