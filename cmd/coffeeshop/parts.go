package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/codec"
	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/internal/cli"
	"github.com/coffeeshop/coffeeshop/opsserver"
	"github.com/coffeeshop/coffeeshop/postgres"
	"github.com/coffeeshop/coffeeshop/signup"
	"github.com/coffeeshop/coffeeshop/sms"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/temporalclient"
	"github.com/coffeeshop/coffeeshop/twiliohook"
	"github.com/coffeeshop/coffeeshop/verify"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
)

// store is a customer store with its send ledger, API keys and the SMS
// pumping guard's counts and blocks, that can be closed.
type store interface {
	coffeeshop.CustomerStore
	coffeeshop.CodeSendLedger
	coffeeshop.APIKeyStore
	coffeeshop.GuardStore
	Close() error
}

// openStore opens the customer database a --database-url names and applies
// its migrations.
func openStore(ctx context.Context, databaseURL string) (store, error) {
	kind, target, err := cli.ParseDatabaseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	return openStoreAt(ctx, kind, target)
}

// openStoreAt opens the customer database of kind "postgres" at the URL
// target or of kind "sqlite" in the file target, as cli.ParseDatabaseURL
// tells them, and applies its migrations.
func openStoreAt(ctx context.Context, kind, target string) (store, error) {
	if kind == "postgres" {
		s, err := postgres.Open(ctx, target)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL customer store %s: %w", postgres.RedactURL(target), err)
		}
		return s, nil
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return nil, fmt.Errorf("create folder of SQLite customer store: %w", err)
	}
	s, err := sqlite.Open(target)
	if err != nil {
		return nil, fmt.Errorf("open SQLite customer store %s: %w", target, err)
	}
	return s, nil
}

// temporalOptions are the settings every Temporal client of the process
// shares: payloads encrypted by pc (nil: not encrypted), request IDs
// carried into workflows, the SDK's metrics to metrics (nil: none).
func temporalOptions(address, namespace string, pc *codec.Codec, metrics client.MetricsHandler, log *slog.Logger) temporalclient.Options {
	dc := pc.Converters()
	return temporalclient.Options{
		Address: address, Namespace: namespace,
		DataConverter: dc.Data, FailureConverter: dc.Failure,
		ContextPropagators: []workflow.ContextPropagator{verify.RequestIDPropagator()},
		MetricsHandler:     metrics,
		Logger:             log,
	}
}

// dialEmbedded connects a client to the embedded server srv, in dev's
// namespace.
func dialEmbedded(ctx context.Context, srv *devserver.Server, pc *codec.Codec, metrics client.MetricsHandler, log *slog.Logger) (client.Client, error) {
	opts := temporalOptions(srv.FrontendAddr(), devNamespace, pc, metrics, log)
	opts.InProcess = true
	return temporalclient.Dial(ctx, opts)
}

// connectRemote opens the customer database and connects to the Temporal
// frontend that a worker or api process is configured with; pc encrypts
// the payloads (nil: none).
func connectRemote(ctx context.Context, f *cli.RemoteFlags, sec temporalclient.Security, pc *codec.Codec,
	o *opsserver.Ops, log *slog.Logger) (store, client.Client, error) {
	st, err := openStore(ctx, f.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	opts := temporalOptions(string(f.TemporalAddress), f.Namespace, pc, o.Metrics.TemporalHandler(), log)
	opts.Security = sec
	tc, err := temporalclient.Dial(ctx, opts)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, tc, nil
}

// startWorker starts the verification worker: codes derived from secret
// (as random to anyone without it), or f's fixed
// one unless random is set; tn's test numbers get tn's code, untexted;
// each channel's codes go through its list of senders (SMS and WhatsApp
// through one router, email through its own; no email list: no email
// channel), worded by texts; guard admits the codes sent after a wrong or
// expired code.
// Its Stop lets running activities finish for up to stop.
func startWorker(tc client.Client, st store, o *opsserver.Ops, log *slog.Logger, f *cli.CodeFlags, random bool,
	tn *cli.TestNumberFlags, senders sms.Config, rf *cli.ReceiptFlags, secret []byte, texts *verify.Texts,
	guard *api.Guard, stop time.Duration) (worker.Worker, error) {
	newCode := verify.DerivedCodes(secret)
	if f.FixedCode != "" && !random {
		newCode = verify.FixedCode(f.FixedCode)
		if senders.Real() {
			log.Warn("sending the fixed code " + f.FixedCode + " through a real provider: anyone who knows it can verify any number; use --random-codes (dev) or drop --fixed-code (worker)")
		}
	}
	// Each provider of each channel counted under its own name, also in a
	// failover list.
	senders.Instrument = o.Metrics.InstrumentMessages
	if texts == nil {
		texts = verify.DefaultTexts()
	}
	log.Info("code texts", "locales", texts.Locales(), "webotp_domain", texts.WebOTPDomain(), "senders", senders.Describe())
	if !tn.Numbers().Empty() {
		log.Info("test numbers are never texted and get --test-code", "test_numbers", tn.Numbers().String())
	}
	// Messages sends SMS and WhatsApp with the message ID of the provider
	// that sent each; with --public-url, Twilio's report receipts.
	a := &verify.Activities{Store: st, Ledger: st, NewCode: newCode, Secret: secret,
		Messages: senders.Messages(log), ReceiptURL: rf.ReceiptURL(), Email: senders.Email(log),
		PhoneCodeLimit: f.PhoneCodeLimit, PhoneCodeWindow: f.PhoneCodeWindow,
		TestNumbers: tn.Numbers(), TestCode: tn.TestCode, Texts: texts, Guard: guard}
	return verify.StartWorker(tc, a, stop)
}

// newGuard is the SMS pumping guard of policy p over st's counts; off
// admits everything (--no-rate-limit).
func newGuard(st store, p *cli.GuardPolicyFlags, off bool, o *opsserver.Ops, log *slog.Logger) *api.Guard {
	return api.NewGuard(api.GuardConfig{Store: st, Policy: p.GuardPolicy(), Off: off, Logger: log, Metrics: o.Metrics})
}

// newVerifier is the API's Verifier with the verification settings.
func newVerifier(f *cli.APIFlags, ch *cli.ChannelFlags, secret []byte, tc client.Client) *verify.Client {
	return &verify.Client{Temporal: tc, Secret: secret, CodeLength: f.CodeLength, CodeTTL: f.CodeTTL, MaxAttempts: f.MaxAttempts,
		Window: f.VerificationWindow, ResendCooldown: f.ResendCooldown, MaxSends: f.MaxSends,
		Channels: ch.ChannelList(), DeliveryTimeout: ch.DeliveryTimeout}
}

// delivery are the API's channel and receipt settings.
type delivery struct {
	channels *cli.ChannelFlags
	receipts *cli.ReceiptFlags
}

// receiptHandler is the endpoint of Twilio's status callbacks, or nil
// without --public-url.
func (d delivery) receiptHandler(v *verify.Client, o *opsserver.Ops, log *slog.Logger) http.Handler {
	if d.receipts.PublicURL == "" {
		return nil
	}
	return &twiliohook.Handler{PublicURL: d.receipts.PublicURL, AuthToken: d.receipts.ReceiptAuthToken, Receiver: v,
		Count: o.Metrics.CountReceipt, Logger: log}
}

// signupPage says whether the HTTP port serves the signup page (dev
// always, api with --signup-page), and how.
type signupPage struct {
	on bool
	// home sends / to the page (dev).
	home          bool
	returnOrigins []string
}

// newSignupPage is the signup page's handler over backend. Its CSRF key is
// derived from the code secret, so that every api process behind one load
// balancer accepts the forms the others rendered.
// Its cookies are Secure on requests that came over HTTPS to a trusted
// proxy.
func newSignupPage(f *cli.APIFlags, sp signupPage, secret []byte, backend signup.Backend, ips *api.ClientIPs, log *slog.Logger) (http.Handler, error) {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("coffeeshop signup page CSRF key"))
	h, err := signup.New(signup.Config{Backend: backend, ReturnOrigins: sp.returnOrigins, CodeLength: f.CodeLength,
		PhoneExample: api.ExamplePhone(f.PhoneRegion), Logger: log, Key: mac.Sum(nil), HTTPS: ips.ForwardedHTTPS})
	if err != nil {
		return nil, fmt.Errorf("signup page: %w", err)
	}
	return h, nil
}

// startAPI listens on both API addresses and serves, with the signup page
// when sp.on. Listening happens before it returns, so a taken port fails
// the start. Every call needs an API key in st or a customer's token,
// unless open (dev without --auth); the page's creates carry a credential
// of the process's own. Test numbers pass every limit, rule and guard.
func startAPI(ctx context.Context, f *cli.APIFlags, secret []byte, st store, tc client.Client,
	o *opsserver.Ops, log *slog.Logger, open bool, tests coffeeshop.TestNumbers, sp signupPage, d delivery) (*api.Listener, error) {
	verifier := newVerifier(f, d.channels, secret, tc)
	verifier.Store = st // answers repeated creates whose workflow has closed
	// One ClientIPs for both: its secret token is how the gRPC server tells
	// the gateway's calls (which carry the HTTP client's address) from
	// those of a gRPC client that claims an address.
	ips := api.NewClientIPs(f.TrustedProxies)
	tokens := coffeeshop.NewTokenIssuer(secret)
	srv := &api.Server{Store: st, Verifier: verifier, Logger: log, PhoneRegion: f.PhoneRegion, Channels: verifier.Channels,
		Tokens: tokens, TokenTTL: f.VerificationWindow, Observer: o.Metrics,
		Numbers: f.NumberRules(), GuardMetrics: o.Metrics, TestNumbers: tests,
		Guard: newGuard(st, &f.GuardPolicyFlags, f.NoRateLimit, o, log)}
	if r := srv.Numbers; r.GeoMonitor {
		log.Warn("numbers of countries outside --allowed-countries are only counted and logged (--geo-monitor)", "allowed_countries", r.Countries.String())
	}
	if !open {
		auth, err := api.NewAuthenticator(api.AuthConfig{Keys: st, Tokens: tokens, Logger: log})
		if err != nil {
			return nil, err
		}
		srv.Auth = auth
	}
	limiter := srv.NewLimiter(api.LimiterConfig{Limits: f.Limits(), NoPerIPLimits: f.NoRateLimit, ClientIPs: ips, Logger: log})
	if f.NoRateLimit {
		log.Warn("per-client-address rate limits, the SMS pumping guard and the SMS budget are off (--no-rate-limit); per-phone limits, countries and number types stay on")
	}
	if origins := f.CORS(); len(origins) > 0 {
		log.Info("pages on these origins may call verify, resendCode and the verification status with a customer's token (--cors-origins)",
			"origins", origins)
	}
	// The page calls the gRPC server as an API client does, with the
	// HTTP client's address told the way the gateway tells it.
	var page *api.PageBackend
	var pageHandler http.Handler
	if sp.on {
		page = api.NewPageBackend(api.PageConfig{Auth: srv.Auth, ClientIPs: ips})
		h, err := newSignupPage(f, sp, secret, page, ips, log)
		if err != nil {
			return nil, err
		}
		pageHandler = h
	}
	l, err := api.Listen(ctx, api.ListenConfig{GRPCAddr: string(f.GRPCAddr), HTTPAddr: string(f.HTTPAddr), Server: srv, ClientIPs: ips,
		CORSOrigins:  f.CORS(),
		Interceptors: []grpc.UnaryServerInterceptor{limiter.UnaryInterceptor()},
		WrapGateway:  apiHandler(o, pageHandler, sp.home, d.receiptHandler(verifier, o, log)), Page: page})
	var le *api.ListenError
	if errors.As(err, &le) {
		return nil, fmt.Errorf("listen on --%s-addr %s: %w", le.Listener, le.Addr, le.Err)
	}
	return l, err
}
