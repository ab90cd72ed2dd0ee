package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"time"
)

// ScenarioLong is the long run: N customers created in one stream, a
// share of them verified right after their create and the rest left open,
// as most are in life, with a report row every ReportEvery customers of
// the server's throughput, latency, memory, goroutines and disk (RunLong).
const ScenarioLong = "long"

// The long run's targets: the throughput of the last slice at least
// MinEndRatio of the first's, and the server's RSS under MaxRSS bytes at
// every report (MB here are 10⁶ bytes).
const (
	MinEndRatio = 0.9
	MaxRSS      = 300_000_000
)

// shareScale is the resolution of VerifyShare: which customers verify is
// decided in integers of 1/shareScale, so a share of 0.1 picks exactly
// every tenth.
const shareScale = 10000

// validateLong names the long run's settings that cannot run.
func (c Config) validateLong() []error {
	var errs []error
	if c.ReportEvery < 0 || c.ReportEvery > c.N {
		errs = append(errs, fmt.Errorf("--report-every %d: must be between 0 (a tenth of -n) and -n (%d)", c.ReportEvery, c.N))
	}
	if math.IsNaN(c.VerifyShare) || c.VerifyShare < 0 || c.VerifyShare > 1 {
		errs = append(errs, fmt.Errorf("--verify-share %v: must be between 0 and 1", c.VerifyShare))
	}
	if c.MetricsURL != "" && !hasHTTPScheme(c.MetricsURL) {
		errs = append(errs, fmt.Errorf("--metrics-url %q: must start with http:// or https://, or be off", c.MetricsURL))
	}
	if c.WrongFirst {
		errs = append(errs, fmt.Errorf("--wrong-first is for --scenario %s: the long run verifies with the right code only", ScenarioFlow))
	}
	return errs
}

// every is the number of customers per report row: ReportEvery, or a
// tenth of N when it is 0.
func (c Config) every() int {
	if c.ReportEvery > 0 {
		return c.ReportEvery
	}
	return max(1, c.N/10)
}

// verifies reports whether customer i of a run with the given share
// verifies: the shares of customers 0..i, rounded down, step up at i. So
// exactly ⌊N·share⌋ customers verify, spread evenly (share 0.1: customers
// 9, 19, 29, …).
func verifies(i int, share float64) bool {
	p := int(math.Round(share * shareScale))
	return (i+1)*p/shareScale > i*p/shareScale
}

// LongReport is the outcome of the long run.
type LongReport struct {
	URL         string  `json:"url"`
	RunID       string  `json:"runId"`
	N           int     `json:"n"`
	Concurrency int     `json:"concurrency"`
	ReportEvery int     `json:"reportEvery"`
	VerifyShare float64 `json:"verifyShare"`
	MetricsURL  string  `json:"metricsUrl,omitempty"`
	DataDir     string  `json:"dataDir,omitempty"`
	// Before is the server as the run found it.
	Before Sample `json:"before"`
	// Rows has one entry per ReportEvery customers done (the last one
	// may hold fewer).
	Rows []Row `json:"rows"`
	// Customers counts those whose create (and verify) were answered or
	// failed; fewer than N when the run was stopped.
	Customers int `json:"customers"`
	// Creates and Verifies are the requests sent; their failures are
	// counted by error key (see OpStats.Errors).
	Creates      int            `json:"creates"`
	CreateErrors map[string]int `json:"createErrors"`
	Verifies     int            `json:"verifies"`
	VerifyErrors map[string]int `json:"verifyErrors"`
	// Stale counts verify answers (HTTP 200) other than SUCCESS for the
	// customer asked about.
	Stale   int     `json:"stale"`
	Seconds float64 `json:"seconds"`
	Targets Targets `json:"targets"`
	// Aborted says why the run stopped before N customers, when it gave
	// up by itself (the server went away).
	Aborted string `json:"aborted,omitempty"`
}

// gone is how many creates in a row must fail with no HTTP answer at all
// (connection refused or reset) before the long run decides the server
// has gone and stops: twice the concurrency, at least 10.
func gone(concurrency int) int { return max(10, 2*concurrency) }

// Sample is the server's state at one report: read from its Prometheus
// metrics (RSS, goroutines) and its data dir (disk). A figure that was
// not read is 0, and the reason is in MetricsError or DiskError.
type Sample struct {
	RSSBytes     int64  `json:"rssBytes,omitempty"`
	Goroutines   int    `json:"goroutines,omitempty"`
	MetricsError string `json:"metricsError,omitempty"`
	// DiskBytes is the sum of the sizes of the data dir's files, SQLite's
	// -wal and -shm files included; DiskFiles each file's size by its
	// path in the data dir.
	DiskBytes int64            `json:"diskBytes,omitempty"`
	DiskFiles map[string]int64 `json:"diskFiles,omitempty"`
	DiskError string           `json:"diskError,omitempty"`
}

// Row is one slice of the run: the customers completed since the row
// before (a customer is complete when its create, and its verify if it
// has one, were answered), and the server after them.
type Row struct {
	// Customers is the number completed so far; Seconds the time since the
	// run started and SliceSeconds the time since the row before.
	Customers    int     `json:"customers"`
	Seconds      float64 `json:"seconds"`
	SliceSeconds float64 `json:"sliceSeconds"`
	// Creates and Verifies are the slice's requests, per second of the
	// slice; the create latencies are the slice's.
	Creates        int     `json:"creates"`
	CreatesPerSec  float64 `json:"createsPerSec"`
	CreateP50Ms    float64 `json:"createP50Ms"`
	CreateP99Ms    float64 `json:"createP99Ms"`
	Verifies       int     `json:"verifies"`
	VerifiesPerSec float64 `json:"verifiesPerSec"`
	// Errors counts the slice's failed requests and stale answers.
	Errors int `json:"errors"`
	// Partial marks a row of fewer customers than a slice: the end of a
	// run whose N is not a multiple of the slice, or of a stopped run,
	// whose rate covers the drain of the requests in flight. The
	// throughput target and the plot's throughput leave it out.
	Partial bool `json:"partial,omitempty"`
	Sample
	// DiskPerCustomer is DiskBytes divided by Customers.
	DiskPerCustomer float64 `json:"diskPerCustomerBytes,omitempty"`
}

// Verdict is whether a target held; Measured is false when the run has
// no figure to judge it by (no metrics, a single row).
type Verdict struct {
	Measured bool   `json:"measured"`
	Held     bool   `json:"held"`
	Detail   string `json:"detail"`
}

// Targets are the long run's two targets.
type Targets struct {
	Throughput Verdict `json:"throughput"`
	RSS        Verdict `json:"rss"`
}

// Failed reports whether the run should fail a script: a request failed,
// an answer was stale, the run was cut short, or a target that was
// measured did not hold.
func (r *LongReport) Failed() bool {
	return r.Errors() > 0 || r.Customers < r.N ||
		r.Targets.Throughput.Measured && !r.Targets.Throughput.Held ||
		r.Targets.RSS.Measured && !r.Targets.RSS.Held
}

// Errors is the number of failed requests and stale answers of the run.
func (r *LongReport) Errors() int {
	n := r.Stale
	for _, m := range []map[string]int{r.CreateErrors, r.VerifyErrors} {
		for _, v := range m {
			n += v
		}
	}
	return n
}

// outcome is what happened to one customer.
type outcome struct {
	create    time.Duration
	createErr string
	verified  bool // a verify was sent
	verifyErr string
	stale     bool
}

// slicer turns outcomes, in the order they complete, into report rows:
// one each time every more customers are done. It is the run's arithmetic,
// apart from the network, so that it can be tested with made-up series.
type slicer struct {
	every      int
	start      time.Time // of the run
	sliceStart time.Time
	done       int
	creates    []time.Duration
	verifies   int
	errors     int
}

func newSlicer(every int, start time.Time) *slicer {
	return &slicer{every: every, start: start, sliceStart: start}
}

// add counts o as completed at now, and returns the row it completes, if
// it does.
func (s *slicer) add(o outcome, now time.Time) (Row, bool) {
	s.done++
	s.creates = append(s.creates, o.create)
	if o.createErr != "" {
		s.errors++
	}
	if o.verified {
		s.verifies++
		if o.verifyErr != "" || o.stale {
			s.errors++
		}
	}
	if len(s.creates) < s.every {
		return Row{}, false
	}
	return s.cut(now), true
}

// flush returns the row of the customers completed since the last row,
// if any: the end of a run whose N is not a multiple of every, or that
// was stopped.
func (s *slicer) flush(now time.Time) (Row, bool) {
	if len(s.creates) == 0 {
		return Row{}, false
	}
	return s.cut(now), true
}

func (s *slicer) cut(now time.Time) Row {
	d := now.Sub(s.sliceStart)
	sorted := slices.Clone(s.creates)
	slices.Sort(sorted)
	r := Row{
		Customers:    s.done,
		Seconds:      round3(now.Sub(s.start).Seconds()),
		SliceSeconds: round3(d.Seconds()),
		Creates:      len(s.creates),
		CreateP50Ms:  ms(percentile(sorted, 50)),
		CreateP99Ms:  ms(percentile(sorted, 99)),
		Verifies:     s.verifies,
		Errors:       s.errors,
		Partial:      len(s.creates) < s.every,
	}
	if d > 0 {
		r.CreatesPerSec = round1(float64(r.Creates) / d.Seconds())
		r.VerifiesPerSec = round1(float64(r.Verifies) / d.Seconds())
	}
	s.sliceStart = now
	s.creates = s.creates[:0]
	s.verifies, s.errors = 0, 0
	return r
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// fullRows returns the rows that are not Partial.
func fullRows(rows []Row) []Row {
	var full []Row
	for _, r := range rows {
		if !r.Partial {
			full = append(full, r)
		}
	}
	return full
}

// judge decides the targets from the rows and the sample before the run:
// the throughput from the first and the last full slice, the RSS from
// every sample.
func judge(before Sample, rows []Row) Targets {
	var t Targets
	if full := fullRows(rows); len(full) < 2 {
		t.Throughput.Detail = "needs at least two full slices"
	} else {
		first, last := full[0].CreatesPerSec, full[len(full)-1].CreatesPerSec
		t.Throughput.Measured = true
		if first > 0 {
			ratio := last / first
			t.Throughput.Held = ratio >= MinEndRatio
			t.Throughput.Detail = fmt.Sprintf("%.1f creates/s in the last full slice is %.1f %% of the first slice's %.1f", last, 100*ratio, first)
		} else {
			t.Throughput.Detail = "the first slice had no throughput"
		}
	}

	samples := []Sample{before}
	for _, r := range rows {
		samples = append(samples, r.Sample)
	}
	var peak int64
	peakAt := 0
	for i, s := range samples {
		if s.RSSBytes == 0 {
			t.RSS.Detail = "the server's RSS was not read at every report"
			return t
		}
		if s.RSSBytes > peak {
			peak = s.RSSBytes
			if i > 0 {
				peakAt = rows[i-1].Customers
			}
		}
	}
	t.RSS.Measured = true
	t.RSS.Held = peak < MaxRSS
	t.RSS.Detail = fmt.Sprintf("peak %.1f MB at %d customers (limit %d MB)", float64(peak)/1e6, peakAt, MaxRSS/1_000_000)
	return t
}

// RunLong runs the long scenario against the server at cfg.URL (whatever
// cfg.Scenario says) and returns its report. It writes the report's header
// and each row to progress as the run goes, when progress is not nil.
// Customers are created in index order, cfg.Concurrency at a time; a
// customer that verifies does so right after its create. When ctx ends,
// no further customer is started, those in flight finish, and the report
// of what ran is returned.
func RunLong(ctx context.Context, cfg Config, progress io.Writer) (*LongReport, error) {
	cfg.Scenario = ScenarioLong
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	id, err := newIdentity()
	if err != nil {
		return nil, err
	}
	c, done := newClient(cfg)
	defer done()
	p := newProbe(cfg)
	defer p.close()
	outer := ctx
	ctx, stop := context.WithCancel(ctx)
	defer stop()

	rep := &LongReport{URL: cfg.URL, RunID: id.RunID, N: cfg.N, Concurrency: cfg.Concurrency, ReportEvery: cfg.every(),
		VerifyShare: cfg.VerifyShare, MetricsURL: cfg.MetricsURL, DataDir: cfg.DataDir,
		CreateErrors: map[string]int{}, VerifyErrors: map[string]int{}}
	rep.Before = p.sample(ctx)
	if progress != nil {
		if err := rep.writeHeader(progress); err != nil {
			return nil, err
		}
	}

	results := make(chan outcome, 4096)
	next := make(chan int)
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Go(func() {
			for i := range next {
				results <- customer(ctx, c, id, cfg, i)
			}
		})
	}
	go func() {
		feed(ctx, cfg.N, next)
		wg.Wait()
		close(results)
	}()

	start := time.Now()
	sl := newSlicer(rep.ReportEvery, start)
	emit := func(r Row) error {
		// The sample is taken after the row's time is fixed, so reading
		// it is not counted in the slice.
		r.Sample = p.sample(context.WithoutCancel(outer))
		if r.DiskBytes > 0 {
			r.DiskPerCustomer = math.Round(float64(r.DiskBytes) / float64(r.Customers))
		}
		rep.Rows = append(rep.Rows, r)
		if progress != nil {
			return rep.writeRow(progress, r)
		}
		return nil
	}
	var werr error
	refused := 0 // creates in a row without an HTTP answer
	for o := range results {
		rep.Customers++
		rep.Creates++
		if o.createErr != "" {
			rep.CreateErrors[o.createErr]++
		}
		if o.createErr == "transport" && outer.Err() == nil {
			refused++
		} else {
			refused = 0
		}
		if refused == gone(cfg.Concurrency) && rep.Aborted == "" {
			rep.Aborted = fmt.Sprintf("the server stopped answering: %d creates in a row got no HTTP answer", refused)
			stop()
		}
		if o.verified {
			rep.Verifies++
			if o.verifyErr != "" {
				rep.VerifyErrors[o.verifyErr]++
			}
			if o.stale {
				rep.Stale++
			}
		}
		if r, ok := sl.add(o, time.Now()); ok && werr == nil {
			werr = emit(r)
		}
	}
	if r, ok := sl.flush(time.Now()); ok && werr == nil {
		werr = emit(r)
	}
	rep.Seconds = round3(time.Since(start).Seconds())
	rep.Targets = judge(rep.Before, rep.Rows)
	return rep, werr
}

// customer creates customer i and, if it is one that verifies, verifies it
// with the right code.
func customer(ctx context.Context, c *client, id identity, cfg Config, i int) outcome {
	cust, d, key := c.create(ctx, id, i)
	o := outcome{create: d, createErr: key}
	if key != "" || !verifies(i, cfg.VerifyShare) {
		return o
	}
	o.verified = true
	a, _, vkey := c.verify(ctx, cust.ID, cfg.Code, id.requestID("verify", i))
	o.verifyErr = vkey
	o.stale = vkey == "" && !matches(a, cust.ID, true)
	return o
}
