package main

import (
	"fmt"

	"github.com/coffeeshop/coffeeshop/codec"
	"github.com/coffeeshop/coffeeshop/internal/cli"
)

// listenCodec binds --codec-addr when payloads are encrypted (pc is not
// nil), before the Web UI starts, which must be told the endpoint's URL.
func listenCodec(f *cli.CodecFlags, pc *codec.Codec) (*codec.Server, error) {
	if pc == nil || f.CodecAddr == "" {
		return nil, nil
	}
	s, err := codec.Listen(string(f.CodecAddr), pc)
	if err != nil {
		return nil, fmt.Errorf("listen on --codec-addr %s: %w", f.CodecAddr, err)
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
