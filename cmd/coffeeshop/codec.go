package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/coffeeshop/coffeeshop/codec"
)

// encryptionKeysEnv holds the payload keys when --encryption-key is not
// given.
const encryptionKeysEnv = "COFFEESHOP_ENCRYPTION_KEYS"

// encryptionFlags binds --encryption-key (dev, temporal, worker, api) and,
// for the commands that serve the Web UI (dev, temporal), --codec-addr.
//
// The flag's default is not taken from the environment here, as other
// flags' are: --help prints defaults, and it must not print keys. The
// environment variable is read by validateEncryption instead.
func (fs *flagSet) encryptionFlags(serveCodec bool) {
	c := fs.cfg
	fs.used["encryption-key"] = true
	fs.envs["encryption-key"] = encryptionKeysEnv
	fs.StringVar(&c.EncryptionKeys, "encryption-key", "",
		"encrypt every Temporal payload with AES-256-GCM: id:base64key[,id:base64key...], 32-byte keys; the first encrypts, all decrypt (rotation). "+
			"Every process of a deployment needs the same keys. Prefer the environment variable: a flag shows in the process list")
	if serveCodec {
		fs.str(&c.CodecAddr, "codec-addr", "COFFEESHOP_CODEC_ADDR", "127.0.0.1:8234",
			"with --encryption-key: listen address of the codec endpoint that lets the Web UI show payloads decrypted; empty disables it. It has no authentication: keep it on the loopback or a network only operators reach")
	}
}

// validateEncryption reads the keys from the environment when the flag is
// not given, and checks them and --codec-addr.
func (fs *flagSet) validateEncryption() []error {
	c := fs.cfg
	if !fs.used["encryption-key"] {
		return nil
	}
	var errs []error
	if c.EncryptionKeys == "" && !fs.isSet("encryption-key") {
		c.EncryptionKeys = os.Getenv(encryptionKeysEnv)
	}
	if c.EncryptionKeys != "" {
		if _, err := codec.ParseKeys(c.EncryptionKeys); err != nil {
			errs = append(errs, fmt.Errorf("--encryption-key (or %s): %w", encryptionKeysEnv, err))
		}
	}
	if fs.used["codec-addr"] && c.CodecAddr != "" {
		if err := checkHostPort(c.CodecAddr); err != nil {
			errs = append(errs, fmt.Errorf("--codec-addr %q: %w", c.CodecAddr, err))
		}
	}
	return errs
}

// isSet reports whether the flag name was given on the command line.
func (fs *flagSet) isSet(name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

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
	s, err := codec.Listen(cfg.CodecAddr, pc)
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
