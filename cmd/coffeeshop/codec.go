package main

import (
	"fmt"
	"log/slog"

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

// encryptionBanner describes payload encryption for dev's banner: the key,
// where dev keeps it when it generated it (keyFile), and the codec
// endpoint.
func encryptionBanner(pc *codec.Codec, keyFile string, cs *codec.Server) string {
	if pc == nil {
		return "off (--no-encryption): names, emails and phone numbers are in plain text in Temporal's history"
	}
	s := pc.Describe()
	if keyFile != "" {
		s += " (generated, kept in " + keyFile + ")"
	}
	if cs != nil {
		s += "; UI decodes via " + cs.Endpoint()
	}
	return s
}

// encryptionLog describes payload encryption for the ready line of a
// worker or api process, and warns when it is off.
func encryptionLog(pc *codec.Codec, log *slog.Logger) string {
	if pc == nil {
		log.Warn("payload encryption is off (--no-encryption): customers' names, emails and phone numbers are in plain text in Temporal's history")
		return "off"
	}
	return pc.Describe()
}
