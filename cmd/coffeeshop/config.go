package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/bench"
	"github.com/coffeeshop/coffeeshop/internal/ceiling"
	"github.com/coffeeshop/coffeeshop/postgres"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/verify"
)

// Config is every setting of every subcommand. Each subcommand binds the
// flags it uses; a flag's default comes from its environment variable when
// that is set, so the precedence is flag, then env, then built-in default.
type Config struct {
	// Embedded Temporal server (dev, temporal).
	DataDir      string
	TemporalAddr string
	UIAddr       string

	// Remote Temporal frontend (worker, api).
	TemporalAddress string
	Namespace       string
	// TLS and API key of that connection, and the embedded frontend's
	// certificate (tlsconfig.go).
	TemporalTLS TemporalTLS

	// Customer database (worker, api); dev keeps a SQLite file in DataDir.
	DatabaseURL string

	// API listeners (dev, api).
	GRPCAddr string
	HTTPAddr string

	// Verification.
	FixedCode   string
	RandomCodes bool
	CodeTTL     time.Duration
	MaxAttempts int
	PhoneRegion string
	// Verification windows, resends and the code secret (verification.go).
	CodeLength         int
	VerificationWindow time.Duration
	ResendCooldown     time.Duration
	MaxSends           int
	CodeSecret         string
	// The per-phone cap on codes across verifications (phonecap.go).
	PhoneCodeLimit  int
	PhoneCodeWindow time.Duration
	// The SMS provider of the worker (sms.go).
	SMS SMSConfig

	// Abuse limits (dev, api): values of rateLimitFlags in its order.
	RateLimits     [numRateLimitFlags]string
	NoRateLimit    bool
	TrustedProxies string

	// Payload encryption (codec.go): the key list, and where dev and
	// temporal serve the codec endpoint for the Web UI.
	EncryptionKeys string
	CodecAddr      string

	LogLevel  string
	LogFormat string
	// PprofAddr, when set, serves Go's runtime profiles (net/http/pprof)
	// on their own listener (pprof.go).
	PprofAddr string
	// Health, metrics and shutdown (ops.go).
	HealthAddr      string
	MetricsAddr     string
	ShutdownTimeout time.Duration

	// The load tool (bench.go).
	Bench     bench.Config
	BenchJSON bool

	// The engine ceiling (ceiling.go).
	Ceiling ceiling.Config
}

// flagSet binds flags to c and remembers which settings the subcommand uses,
// so validation only checks those.
type flagSet struct {
	*flag.FlagSet
	cfg  *Config
	used map[string]bool
	envs map[string]string // flag name -> env var
}

func newFlagSet(name, summary string, cfg *Config) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), cfg: cfg,
		used: map[string]bool{}, envs: map[string]string{}}
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: coffeeshop %s [flags]\n\n%s\n\nFlags (environment variable in brackets):\n", name, summary)
		fs.VisitAll(func(f *flag.Flag) {
			env := ""
			if e, ok := fs.envs[f.Name]; ok {
				env = " [" + e + "]"
			}
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %q)", f.DefValue)
			}
			dash := "--"
			if len(f.Name) == 1 {
				dash = "-" // -n, -c: the usual spelling of one-letter flags
			}
			fmt.Fprintf(out, "  %s%s%s\n      %s%s\n", dash, f.Name, env, f.Usage, def)
		})
	}
	return fs
}

func (fs *flagSet) str(p *string, name, env, def, usage string) {
	fs.used[name] = true
	fs.envs[name] = env
	if v, ok := os.LookupEnv(env); ok {
		def = v
	}
	fs.StringVar(p, name, def, usage)
}

// strOr is str with a second, older name of the environment variable,
// read when the first is not set.
func (fs *flagSet) strOr(p *string, name, env, oldEnv, def, usage string) {
	if v, ok := os.LookupEnv(oldEnv); ok {
		def = v
	}
	fs.str(p, name, env, def, usage)
	fs.envs[name] = env + " or " + oldEnv
}

func (fs *flagSet) boolean(p *bool, name, env string, def bool, usage string) {
	fs.used[name] = true
	fs.envs[name] = env
	if v, ok := os.LookupEnv(env); ok {
		if b, err := strconv.ParseBool(v); err == nil {
			def = b
		}
	}
	fs.BoolVar(p, name, def, usage)
}

func (fs *flagSet) duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	fs.used[name] = true
	fs.envs[name] = env
	if v, ok := os.LookupEnv(env); ok {
		if d, err := time.ParseDuration(v); err == nil {
			def = d
		}
	}
	fs.DurationVar(p, name, def, usage)
}

func (fs *flagSet) integer(p *int, name, env string, def int, usage string) {
	fs.used[name] = true
	fs.envs[name] = env
	if v, ok := os.LookupEnv(env); ok {
		if n, err := strconv.Atoi(v); err == nil {
			def = n
		}
	}
	fs.IntVar(p, name, def, usage)
}

// The groups of flags, bound by the subcommands that need them.

func (fs *flagSet) embeddedTemporalFlags() {
	c := fs.cfg
	fs.str(&c.DataDir, "data-dir", "COFFEESHOP_DATA_DIR", "./.coffeeshop", "folder for the Temporal and customer SQLite files")
	fs.str(&c.TemporalAddr, "temporal-addr", "COFFEESHOP_TEMPORAL_ADDR", "127.0.0.1:7233", "listen address of the embedded Temporal frontend (gRPC)")
	fs.str(&c.UIAddr, "ui-addr", "COFFEESHOP_UI_ADDR", "127.0.0.1:8233", "listen address of the Temporal Web UI; empty disables it")
}

func (fs *flagSet) remoteTemporalFlags() {
	c := fs.cfg
	fs.str(&c.TemporalAddress, "temporal-address", "TEMPORAL_ADDRESS", "127.0.0.1:7233", "Temporal frontend to connect to (host:port)")
	fs.str(&c.Namespace, "namespace", "TEMPORAL_NAMESPACE", "default", "Temporal namespace")
	fs.remoteTLSFlags()
	fs.str(&c.DatabaseURL, "database-url", "DATABASE_URL", "sqlite:.coffeeshop/customers.db", "customer database: postgres://… , sqlite:///abs/path or sqlite:rel/path")
}

func (fs *flagSet) apiFlags() {
	c := fs.cfg
	fs.str(&c.GRPCAddr, "grpc-addr", "COFFEESHOP_GRPC_ADDR", "127.0.0.1:8080", "listen address of the gRPC API")
	fs.str(&c.HTTPAddr, "http-addr", "COFFEESHOP_HTTP_ADDR", "127.0.0.1:8081", "listen address of the HTTP/JSON API")
	fs.duration(&c.CodeTTL, "code-ttl", "COFFEESHOP_CODE_TTL", 2*time.Minute, "how long a verification code is valid")
	fs.integer(&c.MaxAttempts, "max-attempts", "COFFEESHOP_MAX_ATTEMPTS", 3, "codes a customer may send before the verification fails")
	fs.str(&c.PhoneRegion, "phone-region", "COFFEESHOP_PHONE_REGION", api.DefaultPhoneRegion, "ISO 3166 region of phone numbers written without a leading +")
	fs.limitFlags()
	fs.verificationFlags()
}

func (fs *flagSet) codeFlags(defaultFixed string) {
	c := fs.cfg
	usage := "send this code instead of a random one (local demos only)"
	if defaultFixed != "" {
		usage += "; --random-codes overrides it"
	}
	fs.str(&c.FixedCode, "fixed-code", "COFFEESHOP_FIXED_CODE", defaultFixed, usage)
	if defaultFixed != "" {
		fs.boolean(&c.RandomCodes, "random-codes", "COFFEESHOP_RANDOM_CODES", false, "send crypto-random codes instead of the fixed code")
	}
	fs.codeSecretFlag()
	fs.phoneCapFlags()
	fs.smsFlags()
}

func (fs *flagSet) logFlags(defaultFormat string) {
	c := fs.cfg
	fs.str(&c.LogLevel, "log-level", "COFFEESHOP_LOG_LEVEL", "info", "debug, info, warn or error")
	fs.str(&c.LogFormat, "log-format", "COFFEESHOP_LOG_FORMAT", defaultFormat, "text or json")
	fs.str(&c.PprofAddr, "pprof-addr", "COFFEESHOP_PPROF_ADDR", "", "serve Go runtime profiles (/debug/pprof/) on this address; empty: off. Keep it on loopback")
}

// validate checks the settings the subcommand uses and names the first bad
// one.
func (fs *flagSet) validate() error {
	c := fs.cfg
	var errs []error
	for _, a := range []struct{ name, val string }{
		{"temporal-addr", c.TemporalAddr}, {"temporal-address", c.TemporalAddress},
		{"grpc-addr", c.GRPCAddr}, {"http-addr", c.HTTPAddr},
	} {
		if fs.used[a.name] {
			if err := checkHostPort(a.val); err != nil {
				errs = append(errs, fmt.Errorf("--%s %q: %w", a.name, a.val, err))
			}
		}
	}
	if fs.used["pprof-addr"] && c.PprofAddr != "" {
		if err := checkHostPort(c.PprofAddr); err != nil {
			errs = append(errs, fmt.Errorf("--pprof-addr %q: %w", c.PprofAddr, err))
		}
	}
	if fs.used["ui-addr"] && c.UIAddr != "" {
		if err := checkHostPort(c.UIAddr); err != nil {
			errs = append(errs, fmt.Errorf("--ui-addr %q: %w", c.UIAddr, err))
		}
	}
	if fs.used["data-dir"] && c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if fs.used["namespace"] && c.Namespace == "" {
		errs = append(errs, errors.New("--namespace must not be empty"))
	}
	if fs.used["database-url"] {
		if _, _, err := parseDatabaseURL(c.DatabaseURL); err != nil {
			errs = append(errs, fmt.Errorf("--database-url: %w", err))
		}
	}
	if fs.used["fixed-code"] && c.FixedCode != "" && !c.RandomCodes {
		if !coffeeshop.IsDigits(c.FixedCode) || len(c.FixedCode) < verify.MinCodeLength || len(c.FixedCode) > verify.MaxCodeLength {
			errs = append(errs, fmt.Errorf("--fixed-code %q: must be %d to %d digits", c.FixedCode, verify.MinCodeLength, verify.MaxCodeLength))
		}
	}
	if fs.used["code-ttl"] && c.CodeTTL < time.Second {
		errs = append(errs, fmt.Errorf("--code-ttl %s: must be at least 1s", c.CodeTTL))
	}
	if fs.used["max-attempts"] && (c.MaxAttempts < 1 || c.MaxAttempts > 100) {
		errs = append(errs, fmt.Errorf("--max-attempts %d: must be between 1 and 100", c.MaxAttempts))
	}
	if fs.used["phone-region"] && !api.ValidPhoneRegion(c.PhoneRegion) {
		errs = append(errs, fmt.Errorf("--phone-region %q: must be an ISO 3166 region code such as GB or US", c.PhoneRegion))
	}
	errs = append(errs, fs.validateLimits()...)
	errs = append(errs, fs.validateVerification()...)
	errs = append(errs, fs.validateEncryption()...)
	errs = append(errs, fs.validateTemporalTLS()...)
	errs = append(errs, fs.validatePhoneCap()...)
	errs = append(errs, fs.validateSMS()...)
	errs = append(errs, fs.validateOps()...)
	errs = append(errs, fs.validateBench()...)
	errs = append(errs, fs.validateCeiling()...)
	if fs.used["log-level"] {
		var l slog.Level
		if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
			errs = append(errs, fmt.Errorf("--log-level %q: must be debug, info, warn or error", c.LogLevel))
		}
	}
	if fs.used["log-format"] && c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: must be text or json", c.LogFormat))
	}
	return errors.Join(errs...)
}

func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("must be host:port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errors.New("port must be a number from 0 to 65535")
	}
	_ = host
	return nil
}

// parseDatabaseURL tells which store a URL names: ("postgres", url) or
// ("sqlite", path).
func parseDatabaseURL(u string) (kind, target string, err error) {
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return "postgres", u, nil
	case strings.HasPrefix(u, "sqlite:"):
		path, err := sqlite.PathFromURL(u)
		if err != nil {
			return "", "", err
		}
		return "sqlite", path, nil
	}
	return "", "", fmt.Errorf("%q: must start with postgres:// or sqlite:", postgres.RedactURL(u))
}

// logger is the process's logger, to stderr in --log-format. Records
// logged with a context that carries a request ID get it as request_id.
func (c *Config) logger() *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return coffeeshop.LogRequestIDs(slog.New(slog.NewJSONHandler(os.Stderr, opts)))
	}
	return coffeeshop.LogRequestIDs(slog.New(slog.NewTextHandler(os.Stderr, opts)))
}
