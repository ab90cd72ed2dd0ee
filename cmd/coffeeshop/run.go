package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/coffeeshop/coffeeshop/codec"
	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/opsserver"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/temporalclient"
	"github.com/coffeeshop/coffeeshop/verify"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// devNamespace is the namespace the embedded server creates and dev uses.
const devNamespace = "default"

// startEmbeddedTemporal starts the server and its UI, whose pages decode
// payloads through codecEndpoint unless that is "".
func startEmbeddedTemporal(ctx context.Context, cfg *Config, codecEndpoint string) (*devserver.Server, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create --data-dir %s: %w", cfg.DataDir, err)
	}
	srv, err := devserver.Start(ctx, devserver.Config{
		DataDir:       cfg.DataDir,
		FrontendAddr:  string(cfg.TemporalAddr),
		UIAddr:        string(cfg.UIAddr),
		CodecEndpoint: codecEndpoint,
		Namespace:     devNamespace,
		TLS:           cfg.serveTLS, // nil but in temporal with --temporal-tls-cert
		Logger:        cfg.logger(),
	})
	if err != nil {
		return nil, fmt.Errorf("start embedded Temporal server: %w", err)
	}
	return srv, nil
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

// The subcommands' files are read by their load methods, between
// validation and run.

func (c *devCmd) load() (err error) {
	c.secret, err = c.codeSecretFlags.load(c.DataDir)
	return err
}

func (c *temporalCmd) load() (err error) {
	c.serveTLS, err = c.servedTLSFlags.load()
	return err
}

func (c *workerCmd) load() error { return c.remoteTemporalFlags.load(&c.loaded, &c.codeSecretFlags) }

func (c *apiCmd) load() error { return c.remoteTemporalFlags.load(&c.loaded, &c.codeSecretFlags) }

// load reads the TLS files of the connection to the frontend and the
// code secret into l.
func (f *remoteTemporalFlags) load(l *loaded, secret *codeSecretFlags) (err error) {
	if l.security, err = f.remoteTLSFlags.load(); err != nil {
		return err
	}
	l.secret, err = secret.load("")
	return err
}

// config is what the wiring of each subcommand gets.

func (c *devCmd) config() *Config {
	return &Config{embeddedTemporalFlags: c.embeddedTemporalFlags, apiFlags: c.apiFlags,
		codeFlags: c.codeFlags, RandomCodes: c.RandomCodes, codeSecretFlags: c.codeSecretFlags,
		encryptionFlags: c.encryptionFlags, codecFlags: c.codecFlags, logFlags: c.logFlags, opsFlags: c.opsFlags,
		loaded: c.loaded}
}

func (c *temporalCmd) config() *Config {
	return &Config{embeddedTemporalFlags: c.embeddedTemporalFlags, servedTLSFlags: c.servedTLSFlags,
		encryptionFlags: c.encryptionFlags, codecFlags: c.codecFlags, logFlags: c.logFlags, loaded: c.loaded}
}

func (c *workerCmd) config() *Config {
	return &Config{remoteTemporalFlags: c.remoteTemporalFlags, codeFlags: c.codeFlags,
		codeSecretFlags: c.codeSecretFlags, encryptionFlags: c.encryptionFlags, logFlags: c.logFlags,
		opsFlags: c.opsFlags, HealthAddr: c.HealthAddr, loaded: c.loaded}
}

func (c *apiCmd) config() *Config {
	return &Config{remoteTemporalFlags: c.remoteTemporalFlags, apiFlags: c.apiFlags,
		codeSecretFlags: c.codeSecretFlags, encryptionFlags: c.encryptionFlags, logFlags: c.logFlags,
		opsFlags: c.opsFlags, loaded: c.loaded}
}

func (c *devCmd) run(ctx context.Context, stdout io.Writer) error {
	return runDev(ctx, c.config(), stdout)
}

func (c *temporalCmd) run(ctx context.Context, stdout io.Writer) error {
	return runTemporal(ctx, c.config(), stdout)
}

func (c *workerCmd) run(ctx context.Context, stdout io.Writer) error {
	return runWorker(ctx, c.config(), stdout)
}

func (c *apiCmd) run(ctx context.Context, stdout io.Writer) error {
	return runAPI(ctx, c.config(), stdout)
}

func runDev(ctx context.Context, cfg *Config, stdout io.Writer) error {
	start := time.Now()
	verify.SetStickyCache()
	log := cfg.logger()
	pc, err := cfg.payloadCodec()
	if err != nil {
		return err
	}
	cs, err := listenCodec(cfg, pc)
	if err != nil {
		return err
	}
	defer cs.Stop()
	srv, err := startEmbeddedTemporal(ctx, cfg, cs.Endpoint())
	if err != nil {
		return err
	}
	defer srv.Stop()
	cs.Serve(srv.UIURL(), log)

	st, err := sqlite.Open(filepath.Join(cfg.DataDir, "customers.db"))
	if err != nil {
		return fmt.Errorf("open customer store in --data-dir %s: %w", cfg.DataDir, err)
	}
	defer st.Close()

	o := opsserver.New(string(cfg.MetricsAddr), log)
	defer o.Close()
	tc, err := dialEmbedded(ctx, srv, pc, o.Metrics.TemporalHandler(), log)
	if err != nil {
		return err
	}
	defer tc.Close()
	checkReady(o, st, tc)
	if err := o.Serve(""); err != nil {
		return err
	}

	w, err := startWorker(cfg, tc, st, o, log)
	if err != nil {
		return err
	}
	defer w.Stop()

	a, err := startAPI(ctx, cfg, st, tc, o, log)
	if err != nil {
		return err
	}
	defer a.stop()

	codes := "crypto-random (" + cfg.smsBanner() + ")"
	if cfg.FixedCode != "" && !cfg.RandomCodes {
		codes = fmt.Sprintf("every code is %s (--random-codes for real ones)", cfg.FixedCode)
		if cfg.SMSProvider == smsTwilio {
			codes += "; " + cfg.smsBanner()
		}
	}
	fmt.Fprintf(stdout, `coffeeshop dev is ready (%d ms)
  HTTP API     http://%s
  gRPC API     %s
  Temporal     %s (namespace %s)
  Temporal UI  %s
  Data dir     %s
  Codes        %s
  Encryption   %s
Press Ctrl+C to stop.
`, time.Since(start).Milliseconds(), a.httpAddr, a.grpcAddr, srv.FrontendAddr(), devNamespace,
		orNone(srv.UIURL()), cfg.DataDir, codes, encryptionBanner(pc, cs))

	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return nil
	case err := <-a.errc:
		return fmt.Errorf("API server: %w", err)
	}
}

func runTemporal(ctx context.Context, cfg *Config, stdout io.Writer) error {
	pc, err := cfg.payloadCodec()
	if err != nil {
		return err
	}
	cs, err := listenCodec(cfg, pc)
	if err != nil {
		return err
	}
	defer cs.Stop()
	srv, err := startEmbeddedTemporal(ctx, cfg, cs.Endpoint())
	if err != nil {
		return err
	}
	defer srv.Stop()
	cs.Serve(srv.UIURL(), cfg.logger())
	fmt.Fprintf(stdout, `coffeeshop temporal is ready
  Temporal     %s (namespace %s; %s)
  Temporal UI  %s
  Data dir     %s
  Codec        %s
`, srv.FrontendAddr(), devNamespace, cfg.serveBanner(), orNone(srv.UIURL()), cfg.DataDir, orNone(cs.Endpoint()))
	<-ctx.Done()
	return nil
}

func runWorker(ctx context.Context, cfg *Config, stdout io.Writer) error {
	log := cfg.logger()
	o := opsserver.New(string(cfg.MetricsAddr), log)
	defer o.Close()
	st, tc, err := connectRemote(ctx, cfg, o, log)
	if err != nil {
		return err
	}
	defer st.Close()
	defer tc.Close()
	checkReady(o, st, tc)
	if err := o.Serve(string(cfg.HealthAddr)); err != nil {
		return err
	}
	w, err := startWorker(cfg, tc, st, o, log)
	if err != nil {
		return err
	}
	defer w.Stop()
	log.Info("worker ready", "temporal", string(cfg.TemporalAddress), "namespace", cfg.Namespace, "temporal_auth", cfg.security.Describe(),
		"fixed_code", cfg.FixedCode != "", "sms_provider", cfg.SMSProvider, "health", o.Addr("health"))
	<-ctx.Done()
	log.Info("shutting down: waiting for running activities", "timeout", cfg.ShutdownTimeout)
	return nil
}

func runAPI(ctx context.Context, cfg *Config, stdout io.Writer) error {
	log := cfg.logger()
	o := opsserver.New(string(cfg.MetricsAddr), log)
	defer o.Close()
	st, tc, err := connectRemote(ctx, cfg, o, log)
	if err != nil {
		return err
	}
	defer st.Close()
	defer tc.Close()
	checkReady(o, st, tc)
	if err := o.Serve(""); err != nil {
		return err
	}
	a, err := startAPI(ctx, cfg, st, tc, o, log)
	if err != nil {
		return err
	}
	defer a.stop()
	log.Info("api ready", "http", a.httpAddr, "grpc", a.grpcAddr, "temporal", cfg.TemporalAddress, "temporal_auth", cfg.security.Describe())
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout)
		return nil
	case err := <-a.errc:
		return fmt.Errorf("API server: %w", err)
	}
}

// connectRemote opens the customer database and connects to the Temporal
// frontend that a worker or api process is configured with.
func connectRemote(ctx context.Context, cfg *Config, o *opsserver.Ops, log *slog.Logger) (store, client.Client, error) {
	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	pc, err := cfg.payloadCodec()
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	opts := temporalOptions(string(cfg.TemporalAddress), cfg.Namespace, pc, o.Metrics.TemporalHandler(), log)
	opts.Security = cfg.security
	tc, err := temporalclient.Dial(ctx, opts)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, tc, nil
}

func orNone(s string) string {
	if s == "" {
		return "(disabled)"
	}
	return s
}
