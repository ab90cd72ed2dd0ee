package codec_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/codec"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
)

const uiOrigin = "http://127.0.0.1:8233"

func serveCodec(t *testing.T, c *codec.Codec) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/codec/", codec.Handler(c, uiOrigin))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/codec"
}

// post sends payloads to base+path and returns the status and the payloads
// of the answer (nil unless 200).
func post(t *testing.T, url, origin string, in []*commonpb.Payload) (int, []*commonpb.Payload, string) {
	t.Helper()
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: in})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, string(raw)
	}
	if origin != "" && resp.Header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("Access-Control-Allow-Origin = %q, want %q", resp.Header.Get("Access-Control-Allow-Origin"), origin)
	}
	var out commonpb.Payloads
	if err := protojson.Unmarshal(raw, &out); err != nil {
		t.Fatalf("answer %s: %v", raw, err)
	}
	return resp.StatusCode, out.Payloads, string(raw)
}

func TestHandlerEncodeDecode(t *testing.T) {
	c := newCodec(t, newKey(t, "k1"))
	base := serveCodec(t, c)
	in := []*commonpb.Payload{plainPayload(t, secretText)}

	status, enc, raw := post(t, base+"/encode", uiOrigin, in)
	if status != http.StatusOK {
		t.Fatalf("encode: %d %s", status, raw)
	}
	if string(enc[0].Metadata[codec.MetadataKeyID]) != "k1" || strings.Contains(raw, "482915") {
		t.Errorf("encode answered %s", raw)
	}
	status, dec, raw := post(t, base+"/decode", uiOrigin, enc)
	if status != http.StatusOK {
		t.Fatalf("decode: %d %s", status, raw)
	}
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(dec[0], &s); err != nil || s != secretText {
		t.Errorf("decoded %q, %v", s, err)
	}

	// A client without an Origin (curl, tctl) is served as well.
	if status, _, raw := post(t, base+"/decode", "", enc); status != http.StatusOK {
		t.Errorf("decode without Origin: %d %s", status, raw)
	}
	// A payload of a key the server does not have: 400 naming the key.
	other := newCodec(t, newKey(t, "elsewhere"))
	foreign, err := other.Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	if status, _, raw := post(t, base+"/decode", uiOrigin, foreign); status != http.StatusBadRequest || !strings.Contains(raw, "elsewhere") {
		t.Errorf("decode of a foreign payload: %d %s", status, raw)
	}
	// Another web page may not use the operator's browser to decrypt.
	if status, _, _ := post(t, base+"/decode", "https://evil.example", enc); status != http.StatusForbidden {
		t.Errorf("decode from another origin: %d, want 403", status)
	}
}

func TestHandlerPreflight(t *testing.T) {
	base := serveCodec(t, newCodec(t, newKey(t, "k1")))
	preflight := func(origin string) *http.Response {
		req, err := http.NewRequest(http.MethodOptions, base+"/decode", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := preflight(uiOrigin)
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != uiOrigin ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "X-Namespace") {
		t.Errorf("preflight from the UI: %d %v", resp.StatusCode, resp.Header)
	}
	resp = preflight("https://evil.example")
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", resp.StatusCode, resp.Header)
	}
	get, err := http.Get(base + "/decode")
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	if get.StatusCode != http.StatusNotFound {
		t.Errorf("GET: %d, want 404", get.StatusCode)
	}
}
