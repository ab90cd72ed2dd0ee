// Package codec encrypts Temporal payloads with AES-256-GCM.
//
// A Codec is a converter.PayloadCodec: wrapped around the SDK's data
// converter (DataConverter), it encrypts every payload a client or worker
// writes to the Temporal server (workflow and activity inputs and results,
// Update arguments and results, queries' answers, memos) and decrypts what
// it reads back. Handler serves the same codec over HTTP in Temporal's
// remote codec protocol, so that the Web UI can show the plaintext to an
// operator.
//
// An encrypted payload has the encoding "binary/encrypted" and names its key
// in the metadata field "encryption-key-id"; its data is a random 12-byte
// nonce followed by the AES-GCM sealed bytes of the original payload
// (metadata and data). The key id is authenticated with it, so a payload
// cannot be passed off as encrypted with another key.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// The metadata of an encrypted payload.
const (
	// MetadataEncoding is the standard metadata key of a payload's encoding.
	MetadataEncoding = converter.MetadataEncoding
	// EncodingEncrypted is the encoding of an encrypted payload.
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID names the key that encrypted a payload.
	MetadataKeyID = "encryption-key-id"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// aadPrefix starts the additional authenticated data of every payload;
// the key id follows it. A version in it lets a later format refuse this one.
const aadPrefix = "coffeeshop-codec-v1:"

// Key is one named encryption key.
type Key struct {
	// ID is written into every payload the key encrypts; it must be unique
	// among the keys of a Codec and must never name another key later.
	ID string
	// Secret is the AES-256 key, KeySize bytes.
	Secret []byte
}

// Codec encrypts with its first key and decrypts with any of its keys. It is
// safe for concurrent use.
type Codec struct {
	encryptID string
	aeads     map[string]cipher.AEAD
	ids       []string // in the order given, for error messages
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New returns a Codec that encrypts with keys[0] and decrypts payloads of
// any of keys. Rotation: put the new key first and keep the old ones after
// it until no history that needs them is retained.
func New(keys []Key) (*Codec, error) {
	if len(keys) == 0 {
		return nil, errors.New("codec: no key")
	}
	c := &Codec{encryptID: keys[0].ID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for _, k := range keys {
		if err := checkKeyID(k.ID); err != nil {
			return nil, fmt.Errorf("codec: %w", err)
		}
		if _, dup := c.aeads[k.ID]; dup {
			return nil, fmt.Errorf("codec: key id %q given twice", k.ID)
		}
		if len(k.Secret) != KeySize {
			return nil, fmt.Errorf("codec: key %q is %d bytes; it must be %d", k.ID, len(k.Secret), KeySize)
		}
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("codec: key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("codec: key %q: %w", k.ID, err)
		}
		c.aeads[k.ID] = aead
		c.ids = append(c.ids, k.ID)
	}
	return c, nil
}

// checkKeyID accepts ids of letters, digits, '-', '_' and '.', up to 64
// bytes: they end up in every payload's metadata and in the key list syntax.
func checkKeyID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("key id %q must be 1 to 64 characters", id)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("key id %q may hold only letters, digits, '-', '_' and '.'", id)
		}
	}
	return nil
}

// EncryptionKeyID returns the id of the key that encrypts.
func (c *Codec) EncryptionKeyID() string { return c.encryptID }

// Encode encrypts every payload with the first key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.aeads[c.encryptID]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("codec: marshal payload: %w", err)
		}
		data := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(data); err != nil {
			return nil, fmt.Errorf("codec: nonce: %w", err)
		}
		data = aead.Seal(data, data, plain, aad(c.encryptID))
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:    []byte(c.encryptID),
			},
			Data: data,
		}
	}
	return out, nil
}

// Decode decrypts the encrypted payloads and passes any other through
// unchanged, so that history written before encryption was turned on stays
// readable. A payload of an unknown key, or one that fails authentication
// (altered, or not made by that key), is an error naming the key id.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		aead, ok := c.aeads[id]
		if !ok {
			return nil, fmt.Errorf("codec: payload encrypted with key id %q, which is not among the configured keys (%s)", id, strings.Join(c.ids, ", "))
		}
		data := p.GetData()
		if len(data) < aead.NonceSize()+aead.Overhead() {
			return nil, fmt.Errorf("codec: encrypted payload of key %q is too short", id)
		}
		nonce, sealed := data[:aead.NonceSize()], data[aead.NonceSize():]
		plain, err := aead.Open(nil, nonce, sealed, aad(id))
		if err != nil {
			return nil, fmt.Errorf("codec: payload of key %q failed authentication: altered, or encrypted by another key with that id", id)
		}
		var dp commonpb.Payload
		if err := proto.Unmarshal(plain, &dp); err != nil {
			return nil, fmt.Errorf("codec: decrypted payload of key %q: %w", id, err)
		}
		out[i] = &dp
	}
	return out, nil
}

func aad(keyID string) []byte { return []byte(aadPrefix + keyID) }

// DataConverter returns the SDK's default data converter with c applied to
// every payload: the converter to give client.Options.DataConverter of
// every client and worker that share the keys.
func DataConverter(c *Codec) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter returns the SDK's failure converter with the messages
// and stack traces of failures encoded by c, as payloads are: an error's
// text may quote what the payloads hold. Give it to
// client.Options.FailureConverter next to DataConverter(c).
func FailureConverter(c *Codec) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter: DataConverter(c), EncodeCommonAttributes: true,
	})
}

// Converters are the data and failure converters of a Temporal client;
// nil fields mean the SDK's defaults.
type Converters struct {
	Data    converter.DataConverter
	Failure converter.FailureConverter
}

// Converters returns the converters of every client and worker that share
// c's keys: DataConverter(c) and FailureConverter(c). A nil c returns the
// SDK's defaults.
func (c *Codec) Converters() Converters {
	if c == nil {
		return Converters{}
	}
	return Converters{Data: DataConverter(c), Failure: FailureConverter(c)}
}

// Describe says how payloads are encrypted, for banners and logs; never
// a key.
func (c *Codec) Describe() string { return "AES-256-GCM, key " + c.encryptID }
