package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/internal/cli"
	"github.com/coffeeshop/coffeeshop/internal/pemfile"
	"github.com/coffeeshop/coffeeshop/opsserver"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/verify"
)

// devNamespace is the namespace the embedded server creates and dev uses.
const devNamespace = "default"

func runDev(ctx context.Context, c *cli.Dev, stdout io.Writer) error {
	start := time.Now()
	verify.SetStickyCache(c.WorkflowCache) // before the embedded server starts workers of its own
	log, pc := c.Logger(), c.PayloadCodec
	applyDevMemoryLimit(log)
	cs, err := listenCodec(&c.CodecFlags, pc)
	if err != nil {
		return err
	}
	defer cs.Stop()
	srv, err := startEmbeddedTemporal(ctx, &c.EmbeddedServerFlags, nil, cs.Endpoint(), log)
	if err != nil {
		return err
	}
	defer srv.Stop()
	cs.Serve(srv.UIURL(), log)

	st, err := sqlite.Open(filepath.Join(c.DataDir, "customers.db"))
	if err != nil {
		return fmt.Errorf("open customer store in --data-dir %s: %w", c.DataDir, err)
	}
	defer st.Close()

	o := opsserver.New(string(c.MetricsAddr), log)
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
	senders := cli.Senders(&c.SMSFlags, &c.EmailFlags, true)
	w, err := startWorker(tc, st, o, log, &c.CodeFlags, c.RandomCodes, &c.TestNumberFlags, senders, &c.ReceiptFlags, c.Secret, c.Texts,
		newGuard(st, &c.GuardPolicyFlags, c.NoRateLimit, o, log), c.ShutdownTimeout)
	if err != nil {
		return err
	}
	defer w.Stop()
	a, err := startAPI(ctx, &c.APIFlags, c.Secret, st, tc, o, log, !c.Auth, c.TestNumberFlags.Numbers(),
		signupPage{on: true, home: true, returnOrigins: c.ReturnOrigins()}, delivery{&c.ChannelFlags, &c.ReceiptFlags})
	if err != nil {
		return err
	}
	defer a.Shutdown(c.ShutdownTimeout)

	codes := "crypto-random (" + senders.Describe() + ")"
	if c.FixedCode != "" && !c.RandomCodes {
		codes = fmt.Sprintf("every code is %s (--random-codes for real ones)", c.FixedCode)
		if senders.Real() {
			codes += "; " + senders.Describe()
		}
	}
	fmt.Fprintf(stdout, `coffeeshop dev is ready (%d ms)
  HTTP API     http://%s
  Signup page  http://%s%s
  gRPC API     %s
  Temporal     %s (namespace %s)
  Temporal UI  %s
  Data dir     %s
  Codes        %s
  Encryption   %s
  API access   %s
Press Ctrl+C to stop.
`, time.Since(start).Milliseconds(), a.HTTPAddr(), a.HTTPAddr(), signupPath, a.GRPCAddr(), srv.FrontendAddr(), devNamespace,
		orNone(srv.UIURL()), c.DataDir, codes, encryptionBanner(pc, c.PayloadKeyFile, cs), accessBanner(c))

	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return nil
	case err := <-a.Err():
		return fmt.Errorf("API server: %w", err)
	}
}

func runTemporal(ctx context.Context, c *cli.Temporal, stdout io.Writer) error {
	log, pc := c.Logger(), c.PayloadCodec
	cs, err := listenCodec(&c.CodecFlags, pc)
	if err != nil {
		return err
	}
	defer cs.Stop()
	srv, err := startEmbeddedTemporal(ctx, &c.EmbeddedServerFlags, c.ServeTLS, cs.Endpoint(), log)
	if err != nil {
		return err
	}
	defer srv.Stop()
	cs.Serve(srv.UIURL(), log)
	fmt.Fprintf(stdout, `coffeeshop temporal is ready
  Temporal     %s (namespace %s; %s)
  Temporal UI  %s
  Data dir     %s
  Codec        %s
`, srv.FrontendAddr(), devNamespace, serveBanner(c.ServeTLS), orNone(srv.UIURL()), c.DataDir, orNone(cs.Endpoint()))
	<-ctx.Done()
	return nil
}

func runWorker(ctx context.Context, c *cli.Worker) error {
	verify.SetStickyCache(c.WorkflowCache)
	log := c.Logger()
	o := opsserver.New(string(c.MetricsAddr), log)
	defer o.Close()
	st, tc, err := connectRemote(ctx, &c.RemoteFlags, c.Security, c.PayloadCodec, o, log)
	if err != nil {
		return err
	}
	defer st.Close()
	defer tc.Close()
	checkReady(o, st, tc)
	if err := o.Serve(string(c.HealthAddr)); err != nil {
		return err
	}
	senders := cli.Senders(&c.SMSFlags, &c.EmailFlags, false)
	w, err := startWorker(tc, st, o, log, &c.CodeFlags, false, &c.TestNumberFlags, senders, &c.ReceiptFlags, c.Secret, c.Texts,
		newGuard(st, &c.GuardPolicyFlags, c.NoGuard, o, log), c.ShutdownTimeout)
	if err != nil {
		return err
	}
	defer w.Stop()
	log.Info("worker ready", "temporal", string(c.TemporalAddress), "namespace", c.Namespace, "temporal_auth", c.Security.Describe(),
		"fixed_code", c.FixedCode != "", "sms_provider", c.SMSProvider, "whatsapp_provider", senders.WhatsAppProvider,
		"email_provider", senders.EmailProvider, "sms_guard", c.DescribeGuard(c.NoGuard), "health", o.Addr("health"),
		"encryption", encryptionLog(c.PayloadCodec, log))
	<-ctx.Done()
	log.Info("shutting down: waiting for running activities", "timeout", c.ShutdownTimeout)
	return nil
}

func runAPI(ctx context.Context, c *cli.API) error {
	log := c.Logger()
	o := opsserver.New(string(c.MetricsAddr), log)
	defer o.Close()
	st, tc, err := connectRemote(ctx, &c.RemoteFlags, c.Security, c.PayloadCodec, o, log)
	if err != nil {
		return err
	}
	defer st.Close()
	defer tc.Close()
	checkReady(o, st, tc)
	if err := o.Serve(""); err != nil {
		return err
	}
	a, err := startAPI(ctx, &c.APIFlags, c.Secret, st, tc, o, log, false, c.TestNumberFlags.Numbers(),
		signupPage{on: c.SignupPage, returnOrigins: c.ReturnOrigins()}, delivery{&c.ChannelFlags, &c.ReceiptFlags})
	if err != nil {
		return err
	}
	defer a.Shutdown(c.ShutdownTimeout)
	log.Info("api ready", "http", a.HTTPAddr(), "grpc", a.GRPCAddr(), "signup_page", c.SignupPage, "temporal", string(c.TemporalAddress), "temporal_auth", c.Security.Describe(),
		"encryption", encryptionLog(c.PayloadCodec, log))
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight requests", "timeout", c.ShutdownTimeout)
		return nil
	case err := <-a.Err():
		return fmt.Errorf("API server: %w", err)
	}
}

// startEmbeddedTemporal starts the server and its UI, whose pages decode
// payloads through codecEndpoint unless that is "". Its frontend serves
// TLS with cert, unless that is nil.
func startEmbeddedTemporal(ctx context.Context, f *cli.EmbeddedServerFlags, cert *cli.ServedCert, codecEndpoint string, log *slog.Logger) (*devserver.Server, error) {
	if err := os.MkdirAll(f.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create --data-dir %s: %w", f.DataDir, err)
	}
	var tls *devserver.TLS
	if cert != nil {
		tls = &devserver.TLS{Certificate: cert.Certificate, ClientCAs: cert.ClientCAs}
	}
	srv, err := devserver.Start(ctx, devserver.Config{DataDir: f.DataDir, FrontendAddr: string(f.TemporalAddr),
		UIAddr: string(f.UIAddr), CodecEndpoint: codecEndpoint, Namespace: devNamespace, Retention: f.Retention, TLS: tls, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("start embedded Temporal server: %w", err)
	}
	return srv, nil
}

// serveBanner describes the embedded frontend's TLS for the banner.
func serveBanner(cert *cli.ServedCert) string {
	if cert == nil {
		return "plaintext"
	}
	name, _ := pemfile.VerifiableName(cert.Certificate.Leaf) // load checked it
	s := "TLS, certificate for " + name
	if cert.ClientCAs != nil {
		s += ", client certificates required"
	}
	return s
}

// accessBanner says who may call dev's API.
func accessBanner(c *cli.Dev) string {
	if c.Auth {
		return "an API key or a customer's token on every call (coffeeshop keys create --data-dir " + c.DataDir + ")"
	}
	return "open: no credential needed, for anyone who reaches the loopback ports (--auth requires API keys)"
}

func orNone(s string) string {
	if s == "" {
		return "(disabled)"
	}
	return s
}
