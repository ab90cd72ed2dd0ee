package main

import (
	"fmt"

	"github.com/coffeeshop/coffeeshop/codec"
)

// payloadCodec returns the codec of the configured keys, or nil when
// payloads are not encrypted.
func (c *Config) payloadCodec() (*codec.Codec, error) {
	pc, err := codec.FromKeys(c.EncryptionKeys)
	if err != nil {
		return nil, fmt.Errorf("--encryption-key: %w", err)
	}
	return pc, nil
}

// listenCodec binds --codec-addr when payloads are encrypted (pc is not
// nil), before the Web UI starts, which must be told the endpoint's URL.
func listenCodec(cfg *Config, pc *codec.Codec) (*codec.Server, error) {
	if pc == nil || cfg.CodecAddr == "" {
		return nil, nil
	}
	s, err := codec.Listen(string(cfg.CodecAddr), pc)
	if err != nil {
		return nil, fmt.Errorf("listen on --codec-addr %s: %w", cfg.CodecAddr, err)
	}
	return s, nil
}

// encryptionBanner describes payload encryption for dev's banner.
func encryptionBanner(pc *codec.Codec, cs *codec.Server) string {
	if pc == nil {
		return "off (--encryption-key to encrypt workflow payloads)"
	}
	s := pc.Describe()
	if cs != nil {
		s += "; UI decodes via " + cs.Endpoint()
	}
	return s
}
