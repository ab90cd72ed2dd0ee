package codec_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/codec"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

func newKey(t *testing.T, id string) codec.Key {
	t.Helper()
	secret := make([]byte, codec.KeySize)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	return codec.Key{ID: id, Secret: secret}
}

func newCodec(t *testing.T, keys ...codec.Key) *codec.Codec {
	t.Helper()
	c, err := codec.New(keys)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// plainPayload is what the default converter makes of a value.
func plainPayload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const secretText = "+447911123456 code 482915"

func TestRoundTrip(t *testing.T) {
	c := newCodec(t, newKey(t, "k1"))
	in := []*commonpb.Payload{plainPayload(t, secretText), plainPayload(t, map[string]int{"attempts": 3})}
	enc, err := c.Encode(in)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	for i, p := range enc {
		if got := string(p.Metadata[codec.MetadataEncoding]); got != codec.EncodingEncrypted {
			t.Errorf("payload %d encoding %q", i, got)
		}
		if got := string(p.Metadata[codec.MetadataKeyID]); got != "k1" {
			t.Errorf("payload %d key id %q", i, got)
		}
		if bytes.Contains(p.Data, []byte("482915")) || bytes.Contains(p.Data, []byte("json/plain")) {
			t.Errorf("payload %d holds plaintext: %q", i, p.Data)
		}
	}
	dec, err := c.Decode(enc)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(dec[0], &s); err != nil || s != secretText {
		t.Errorf("decoded %q, %v; want %q", s, err, secretText)
	}
	if string(dec[1].Metadata[codec.MetadataEncoding]) != "json/plain" {
		t.Errorf("decoded metadata %v, want the original", dec[1].Metadata)
	}
	// The same plaintext twice gives two ciphertexts: the nonce is fresh.
	again, err := c.Encode(in[:1])
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(again[0].Data, enc[0].Data) {
		t.Error("two encryptions of one payload are equal")
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKey := newKey(t, "2025-01"), newKey(t, "2026-06")
	before := newCodec(t, oldKey)
	old, err := before.Encode([]*commonpb.Payload{plainPayload(t, secretText)})
	if err != nil {
		t.Fatal(err)
	}
	after := newCodec(t, newKey, oldKey)
	if after.EncryptionKeyID() != "2026-06" {
		t.Errorf("EncryptionKeyID = %q", after.EncryptionKeyID())
	}
	dec, err := after.Decode(old)
	if err != nil {
		t.Fatalf("the old key no longer decrypts: %v", err)
	}
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(dec[0], &s); err != nil || s != secretText {
		t.Errorf("decoded %q, %v", s, err)
	}
	fresh, err := after.Encode([]*commonpb.Payload{plainPayload(t, secretText)})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(fresh[0].Metadata[codec.MetadataKeyID]); got != "2026-06" {
		t.Errorf("new payloads use key %q, want the first one", got)
	}
	// The process that only knows the old key cannot read the new payloads.
	if _, err := before.Decode(fresh); err == nil || !strings.Contains(err.Error(), `"2026-06"`) {
		t.Errorf("decode with a missing key: %v", err)
	}
}

func TestTamperedPayloadFails(t *testing.T) {
	c := newCodec(t, newKey(t, "k1"), newKey(t, "k2"))
	enc, err := c.Encode([]*commonpb.Payload{plainPayload(t, secretText)})
	if err != nil {
		t.Fatal(err)
	}
	flipped := &commonpb.Payload{Metadata: enc[0].Metadata, Data: bytes.Clone(enc[0].Data)}
	flipped.Data[len(flipped.Data)/2] ^= 1
	// The key id is authenticated: relabelled, the payload does not open.
	relabelled := &commonpb.Payload{Metadata: map[string][]byte{
		codec.MetadataEncoding: []byte(codec.EncodingEncrypted), codec.MetadataKeyID: []byte("k2"),
	}, Data: enc[0].Data}
	truncated := &commonpb.Payload{Metadata: enc[0].Metadata, Data: enc[0].Data[:10]}
	for name, p := range map[string]*commonpb.Payload{"flipped bit": flipped, "other key id": relabelled, "truncated": truncated} {
		if _, err := c.Decode([]*commonpb.Payload{p}); err == nil {
			t.Errorf("%s: decoded", name)
		} else if !strings.Contains(err.Error(), "key") {
			t.Errorf("%s: error %q does not name the key", name, err)
		}
	}
}

func TestUnknownKeyID(t *testing.T) {
	c := newCodec(t, newKey(t, "k1"))
	p := &commonpb.Payload{Metadata: map[string][]byte{
		codec.MetadataEncoding: []byte(codec.EncodingEncrypted), codec.MetadataKeyID: []byte("gone"),
	}, Data: make([]byte, 64)}
	_, err := c.Decode([]*commonpb.Payload{p})
	if err == nil || !strings.Contains(err.Error(), `key id "gone"`) || !strings.Contains(err.Error(), "k1") {
		t.Errorf("Decode: %v; want an error naming the unknown and the known key ids", err)
	}
}

func TestDecodePassesPlainPayloadsThrough(t *testing.T) {
	c := newCodec(t, newKey(t, "k1"))
	plain := plainPayload(t, "written before encryption was on")
	dec, err := c.Decode([]*commonpb.Payload{plain})
	if err != nil || dec[0] != plain {
		t.Errorf("Decode(plain) = %v, %v; want it unchanged", dec, err)
	}
}

func TestNewRefusesBadKeys(t *testing.T) {
	good := newKey(t, "k1")
	for name, keys := range map[string][]codec.Key{
		"none":      nil,
		"short key": {{ID: "k1", Secret: make([]byte, 16)}},
		"empty id":  {{ID: "", Secret: good.Secret}},
		"bad id":    {{ID: "a,b", Secret: good.Secret}},
		"duplicate": {good, good},
	} {
		if _, err := codec.New(keys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseKeys(t *testing.T) {
	a, b := make([]byte, 32), make([]byte, 32)
	a[0], b[0] = 1, 2
	std := base64.StdEncoding.EncodeToString(a)
	url := base64.RawURLEncoding.EncodeToString(b)
	keys, err := codec.ParseKeys(" new:" + std + " , old:" + url)
	if err != nil {
		t.Fatalf("ParseKeys: %v", err)
	}
	if len(keys) != 2 || keys[0].ID != "new" || !bytes.Equal(keys[0].Secret, a) || keys[1].ID != "old" || !bytes.Equal(keys[1].Secret, b) {
		t.Errorf("ParseKeys = %+v", keys)
	}
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	for _, tc := range []struct{ in, want string }{
		{"", "no key"},
		{std, "want id:base64key"},
		{"k:" + short, "16 bytes"},
		{"k:not base64!", "not base64"},
		{"k:" + std + ",k:" + std, "twice"},
		{":" + std, "key id"},
	} {
		_, err := codec.ParseKeys(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseKeys(%q) = %v, want an error with %q", tc.in, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), std) {
			t.Errorf("error %q repeats the key", err)
		}
	}
}
