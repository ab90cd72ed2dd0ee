package codec_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/coffeeshop/coffeeshop/codec"
	commonpb "go.temporal.io/api/common/v1"
)

func keyList(t *testing.T, ids ...string) string {
	t.Helper()
	var entries []string
	for _, id := range ids {
		entries = append(entries, id+":"+base64.StdEncoding.EncodeToString(newKey(t, id).Secret))
	}
	return strings.Join(entries, ",")
}

func TestFromKeys(t *testing.T) {
	if c, err := codec.FromKeys(""); c != nil || err != nil {
		t.Errorf(`FromKeys("") = %v, %v; want no codec`, c, err)
	}
	if dc := (*codec.Codec)(nil).Converters(); dc != (codec.Converters{}) {
		t.Errorf("converters of no codec: %v; want the SDK's defaults", dc)
	}
	list := keyList(t, "new", "old")
	c, err := codec.FromKeys(list)
	if err != nil || c.EncryptionKeyID() != "new" || c.Describe() != "AES-256-GCM, key new" {
		t.Fatalf("FromKeys: %v, %v; want a codec encrypting with new", c, err)
	}
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	if _, err := codec.FromKeys("k1:" + short); err == nil || strings.Contains(err.Error(), short) {
		t.Errorf("a short key: %v; want an error that does not repeat it", err)
	}
	dc := c.Converters()
	p, err := dc.Data.ToPayload("+447911123456")
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Metadata[codec.MetadataEncoding]) != codec.EncodingEncrypted || bytes.Contains(p.Data, []byte("447911123456")) {
		t.Errorf("data converter made %v; want it encrypted", p)
	}
	f := dc.Failure.ErrorToFailure(errors.New("texting +447911123456 failed"))
	if strings.Contains(f.GetMessage(), "447911123456") || f.GetEncodedAttributes() == nil {
		t.Errorf("failure converter left the message readable: %v", f)
	}
}

// listenFor binds a new codec's endpoint on a loopback port until the test
// ends.
func listenFor(t *testing.T) (*codec.Codec, *codec.Server) {
	t.Helper()
	c, err := codec.FromKeys(keyList(t, "k1"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := codec.Listen("127.0.0.1:0", c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return c, s
}

// serveFor serves a new codec's endpoint to the UI at uiURL until the test
// ends.
func serveFor(t *testing.T, uiURL string) (*codec.Codec, *codec.Server) {
	t.Helper()
	c, s := listenFor(t)
	s.Serve(uiURL, slog.New(slog.DiscardHandler))
	return c, s
}

// TestServerDecodesForTheUI serves the endpoint as dev does and decodes
// over HTTP what the codec's data converter encodes, for the UI's origin.
func TestServerDecodesForTheUI(t *testing.T) {
	const ui = "http://127.0.0.1:8233"
	c, s := serveFor(t, ui)
	if !strings.HasPrefix(s.Endpoint(), "http://127.0.0.1:") || !strings.HasSuffix(s.Endpoint(), codec.Path) {
		t.Fatalf("endpoint %q", s.Endpoint())
	}

	p, err := c.Converters().Data.ToPayload("+447911123456")
	if err != nil {
		t.Fatal(err)
	}
	// The UI may be opened as localhost as well.
	for _, origin := range []string{ui, "http://localhost:8233"} {
		code, out, raw := post(t, s.Endpoint()+"/decode", origin, []*commonpb.Payload{p})
		if code != http.StatusOK || len(out) != 1 || string(out[0].Data) != `"+447911123456"` {
			t.Errorf("decode from %s: %d %s", origin, code, raw)
		}
	}
	for _, origin := range []string{"http://localhost:9999", "https://evil.example"} {
		if code, _, _ := post(t, s.Endpoint()+"/decode", origin, []*commonpb.Payload{p}); code != http.StatusForbidden {
			t.Errorf("decode from %s: %d, want 403", origin, code)
		}
	}

	s.Stop()
	refused(t, s)
}

// Only a UI on the loopback is also allowed as localhost.
func TestServerLocalhostOnlyForLoopbackUI(t *testing.T) {
	c, s := serveFor(t, "http://ui.example:8233")
	p, err := c.Converters().Data.ToPayload("x")
	if err != nil {
		t.Fatal(err)
	}
	if code, _, raw := post(t, s.Endpoint()+"/decode", "http://ui.example:8233", []*commonpb.Payload{p}); code != http.StatusOK {
		t.Errorf("from the UI: %d %s", code, raw)
	}
	if code, _, _ := post(t, s.Endpoint()+"/decode", "http://localhost:8233", []*commonpb.Payload{p}); code != http.StatusForbidden {
		t.Errorf("from localhost: %d, want 403", code)
	}
}

func TestServerNotServed(t *testing.T) {
	var none *codec.Server
	none.Serve("http://127.0.0.1:8233", nil)
	none.Stop()
	if none.Endpoint() != "" {
		t.Errorf("nil server endpoint %q", none.Endpoint())
	}

	c, s := listenFor(t)
	if _, err := codec.Listen(hostPort(s), c); err == nil {
		t.Error("a second Listen on a taken address succeeded")
	}
	s.Stop() // never served: closes the listener
	refused(t, s)
}

// hostPort is the address s listens on.
func hostPort(s *codec.Server) string {
	return strings.TrimPrefix(strings.TrimSuffix(s.Endpoint(), codec.Path), "http://")
}

// refused checks that s's address no longer takes connections.
func refused(t *testing.T, s *codec.Server) {
	t.Helper()
	if c, err := net.Dial("tcp", hostPort(s)); !errors.Is(err, syscall.ECONNREFUSED) {
		if c != nil {
			c.Close()
		}
		t.Errorf("after Stop: %v; want the connection refused", err)
	}
}
