package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/codec"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

func testKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, codec.KeySize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestBadEncryptionSettingsNameTheFlag(t *testing.T) {
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dev", "--encryption-key", "k1:" + short}, "--encryption-key"},
		{[]string{"temporal", "--encryption-key", "nokey"}, "--encryption-key"},
		{[]string{"worker", "--code-secret", strings.Repeat("ab", 32), "--encryption-key", "k1:%%%"}, "--encryption-key"},
		{[]string{"api", "--code-secret", strings.Repeat("ab", 32), "--encryption-key", "a:" + short}, "16 bytes"},
		{[]string{"dev", "--codec-addr", "nope"}, "--codec-addr"},
	} {
		code, out := runArgs(t, tc.args...)
		if code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, output %q; want exit 2 naming %s", tc.args, code, out, tc.want)
		}
		if strings.Contains(out, short) {
			t.Errorf("%v: the output repeats the key", tc.args)
		}
	}
}

func TestEncryptionKeysFromEnvironment(t *testing.T) {
	key := testKey(t)
	t.Setenv(envEncryptionKeys, "env:"+key)
	// --help prints defaults; the key must not be one of them.
	code, out := runArgs(t, "dev", "--help")
	if code != 0 || !strings.Contains(out, "--encryption-key=STRING") || !strings.Contains(out, "$"+envEncryptionKeys) || strings.Contains(out, key) {
		t.Errorf("dev --help: exit %d, output %q; want the flag listed without the key", code, out)
	}
	cfg := parseConfig(t, "dev")
	pc, err := cfg.payloadCodec()
	if err != nil || pc == nil || pc.EncryptionKeyID() != "env" {
		t.Fatalf("payloadCodec() = %v, %v; want the key from %s", pc, err, envEncryptionKeys)
	}
	// The flag wins.
	cfg = parseConfig(t, "worker", "--encryption-key", "flag:"+testKey(t)+",env:"+key)
	if pc, err := cfg.payloadCodec(); err != nil || pc.EncryptionKeyID() != "flag" {
		t.Errorf("payloadCodec() = %v, %v; want the flag's first key", pc, err)
	}
	t.Setenv(envEncryptionKeys, "broken")
	if code, out := runArgs(t, "api", "--code-secret", strings.Repeat("ab", 32)); code != 2 || !strings.Contains(out, envEncryptionKeys) {
		t.Errorf("bad %s: exit %d, output %q; want it named", envEncryptionKeys, code, out)
	}
}

func TestNoEncryptionByDefault(t *testing.T) {
	t.Setenv(envEncryptionKeys, "")
	cfg := parseConfig(t, "dev")
	if dc, err := cfg.dataConverter(); dc != (converters{}) || err != nil {
		t.Errorf("dataConverter() = %v, %v; want none (the SDK defaults)", dc, err)
	}
	cs, err := listenCodec(cfg)
	if cs != nil || err != nil || cs.endpoint() != "" {
		t.Errorf("listenCodec() = %v, %v; want no endpoint", cs, err)
	}
}

// envEncryptionKeys holds the keys when --encryption-key is not given.
const envEncryptionKeys = "COFFEESHOP_ENCRYPTION_KEYS"

// TestCodecEndpoint serves the endpoint as dev does and decodes over HTTP
// what the data converter of the Temporal clients encodes.
func TestCodecEndpoint(t *testing.T) {
	t.Setenv(envEncryptionKeys, "")
	cfg := parseConfig(t, "dev", "--encryption-key", "k1:"+testKey(t), "--codec-addr", "127.0.0.1:0")
	cs, err := listenCodec(cfg)
	if err != nil || cs == nil {
		t.Fatalf("listenCodec: %v, %v", cs, err)
	}
	t.Cleanup(cs.stop)
	const ui = "http://127.0.0.1:8233"
	cs.serve(ui, slog.New(slog.DiscardHandler))

	dc, err := cfg.dataConverter()
	if err != nil {
		t.Fatal(err)
	}
	p, err := dc.data.ToPayload("+447911123456")
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Metadata[codec.MetadataEncoding]) != codec.EncodingEncrypted || bytes.Contains(p.Data, []byte("447911123456")) {
		t.Fatalf("data converter made %v; want it encrypted", p)
	}
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	if err != nil {
		t.Fatal(err)
	}
	// The UI may be opened as localhost as well.
	for _, origin := range []string{ui, "http://localhost:8233"} {
		req, err := http.NewRequest(http.MethodPost, cs.endpoint()+"/decode", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", origin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != origin {
			t.Fatalf("decode from %s: %d %v %s", origin, resp.StatusCode, resp.Header, out)
		}
		var dec commonpb.Payloads
		if err := protojson.Unmarshal(out, &dec); err != nil {
			t.Fatal(err)
		}
		if got := string(dec.Payloads[0].Data); got != `"+447911123456"` {
			t.Errorf("decoded %q", got)
		}
	}
}
