// Package metrics collects the service's Prometheus metrics in one registry
// per process and serves them at /metrics: HTTP and gRPC requests (fed by
// api.Observer), text messages (a decorator around any
// coffeeshop.SMSSender) and everything the Temporal SDK reports about its
// client and worker, verification outcomes included (the workflow counts
// those through the SDK's replay-safe handler).
//
// Each Registry is its own prometheus.Registry, not the global default, so
// that a test can run several servers in one process.
package metrics

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// latencyBuckets are the bounds, in seconds, of the request latency
// histograms: a read takes milliseconds, a create or verify waits for a
// workflow (tens of milliseconds), a slow one for seconds.
var latencyBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// sdkReportInterval is how often the Temporal SDK's metrics (which go
// through tally) are copied into the registry.
const sdkReportInterval = time.Second

// Registry holds one process's metrics.
type Registry struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpLatency  *prometheus.HistogramVec
	grpcRequests *prometheus.CounterVec
	grpcLatency  *prometheus.HistogramVec
	smsSent      *prometheus.CounterVec
	smsFailed    *prometheus.CounterVec
	smsLatency   *prometheus.HistogramVec
	// The tries of every channel's providers.
	messagesSent    *prometheus.CounterVec
	messagesFailed  *prometheus.CounterVec
	messagesLatency *prometheus.HistogramVec
	guard           *guardMetrics
	receipts        *prometheus.CounterVec

	sdk       client.MetricsHandler
	sdkCloser io.Closer
}

// New returns a registry with the service's metrics, Go runtime and
// process metrics, and a Temporal SDK handler that reports into it. A
// nil log means slog.Default(); it gets metrics the SDK could not
// register. Close it when done.
func New(log *slog.Logger) *Registry {
	if log == nil {
		log = slog.Default()
	}
	reg := prometheus.NewRegistry()
	r := &Registry{reg: reg}
	r.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "coffeeshop_http_requests_total",
		Help: "HTTP requests answered, by method, route template and status code.",
	}, []string{"method", "route", "status"})
	r.httpLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "coffeeshop_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by method, route template and status code.",
		Buckets: latencyBuckets,
	}, []string{"method", "route", "status"})
	r.grpcRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "coffeeshop_grpc_requests_total",
		Help: "gRPC calls answered (the HTTP gateway's included), by full method and status code.",
	}, []string{"method", "code"})
	r.grpcLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "coffeeshop_grpc_request_duration_seconds",
		Help:    "Time to answer a gRPC call, by full method and status code.",
		Buckets: latencyBuckets,
	}, []string{"method", "code"})
	r.smsSent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "coffeeshop_sms_sent_total",
		Help: "SMS and WhatsApp messages a provider accepted, by provider.",
	}, []string{"provider"})
	r.smsFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "coffeeshop_sms_failed_total",
		Help: "SMS and WhatsApp tries that failed, by provider and reason (rejected: never retried; error: retried).",
	}, []string{"provider", "reason"})
	r.smsLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "coffeeshop_sms_send_duration_seconds",
		Help:    "Time an SMS or WhatsApp provider took to answer, by provider.",
		Buckets: latencyBuckets,
	}, []string{"provider"})
	r.messagesSent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "coffeeshop_messages_sent_total",
		Help: "Messages a provider accepted, by channel (sms, whatsapp, email) and provider.",
	}, []string{"channel", "provider"})
	r.messagesFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "coffeeshop_messages_failed_total",
		Help: "Tries of a provider that failed, by channel, provider and reason (rejected: never retried; error: retried).",
	}, []string{"channel", "provider", "reason"})
	r.messagesLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "coffeeshop_message_send_duration_seconds",
		Help:    "Time a provider took to answer, by channel and provider.",
		Buckets: latencyBuckets,
	}, []string{"channel", "provider"})
	r.guard = newGuardMetrics()
	r.receipts = newReceipts()
	reg.MustRegister(r.guard.collectors()...)
	reg.MustRegister(r.httpRequests, r.httpLatency, r.grpcRequests, r.grpcLatency,
		r.smsSent, r.smsFailed, r.smsLatency, r.messagesSent, r.messagesFailed, r.messagesLatency, r.receipts,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer: reg,
		// Histograms rather than tally's default summaries: they add up
		// across processes.
		DefaultTimerType:        tallyprom.HistogramTimerType,
		DefaultHistogramBuckets: latencyBuckets,
		OnRegisterError: func(err error) {
			log.Warn("a Temporal SDK metric cannot be registered", "error", err)
		},
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:         reporter,
		Separator:              tallyprom.DefaultSeparator,
		SanitizeOptions:        &sdktally.PrometheusSanitizeOptions,
		OmitCardinalityMetrics: true,
	}, sdkReportInterval)
	r.sdk = sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope))
	r.sdkCloser = closer
	return r
}

// TemporalHandler is the handler to give the Temporal client
// (client.Options.MetricsHandler): the SDK's metrics, and what workflows
// count through workflow.GetMetricsHandler, end up in this registry.
func (r *Registry) TemporalHandler() client.MetricsHandler { return r.sdk }

// Handler serves the registry in the Prometheus text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg})
}

// Gatherer is the underlying registry, for tests and further collectors.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// Close stops copying the SDK's metrics into the registry, after a last
// copy.
func (r *Registry) Close() error { return r.sdkCloser.Close() }

// ObserveHTTP counts one HTTP request. route must be a template (such as
// /v1/customers/{customer_id}), never a raw path, so that ids stay out of
// the labels.
func (r *Registry) ObserveHTTP(method, route string, status int, elapsed time.Duration) {
	labels := prometheus.Labels{"method": method, "route": route, "status": strconv.Itoa(status)}
	r.httpRequests.With(labels).Inc()
	r.httpLatency.With(labels).Observe(elapsed.Seconds())
}

// ObserveGRPC counts one gRPC call; method is the full method name, code
// the name of its status code (OK, NotFound, …).
func (r *Registry) ObserveGRPC(method, code string, elapsed time.Duration) {
	labels := prometheus.Labels{"method": method, "code": code}
	r.grpcRequests.With(labels).Inc()
	r.grpcLatency.With(labels).Observe(elapsed.Seconds())
}
