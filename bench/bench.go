// Package bench is a load tool for any server that speaks coffeeshop's
// HTTP/JSON API: it signs customers up, verifies each with the right code
// (optionally after a wrong one), reads each back, and reports throughput,
// latency, errors, and every verify answer that was not the result of the
// attempt it answered. It is only an HTTP client: it imports no server code.
package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// Config is one run's settings.
type Config struct {
	// Scenario is ScenarioFlow ("" too), ScenarioPumping or ScenarioLong.
	Scenario string
	// URL is the base of the HTTP API, e.g. http://127.0.0.1:8081.
	URL string
	// N customers are created, verified and read back, Concurrency at a time.
	N           int
	Concurrency int
	// Code is the right verification code (dev's fixed code).
	Code string
	// WrongFirst sends a wrong code before the right one; it must answer
	// INCORRECT_CODE and the right one SUCCESS.
	WrongFirst bool
	// Timeout bounds each request.
	Timeout time.Duration
	// APIKey, when set, is sent on every request as "Authorization:
	// Bearer <key>" (a server with authentication on; the key needs every
	// scope).
	APIKey string
	// Legit, Attack and AttackPrefixes are the pumping scenario's
	// legitimate customers, attack signups and attacked prefixes.
	Legit, Attack, AttackPrefixes int
	// AttackWrongCodes: each attack signup that got a code then enters
	// wrong codes until its verification ends, for the codes sent after
	// wrong ones; their texts are read from MetricsURL.
	AttackWrongCodes bool
	// ReportEvery, VerifyShare, MetricsURL and DataDir are the long run's:
	// a report row every ReportEvery customers (0: a tenth of N), the
	// share of customers verified, the server's Prometheus /metrics (""
	// reads none; the pumping scenario's AttackWrongCodes reads it too)
	// and its data dir ("" measures no disk).
	ReportEvery int
	VerifyShare float64
	MetricsURL  string
	DataDir     string
}

// Validate names the first setting that cannot run.
func (c Config) Validate() error {
	var errs []error
	switch c.Scenario {
	case "", ScenarioFlow:
	case ScenarioPumping:
		errs = append(errs, c.validatePumping()...)
	case ScenarioLong:
		errs = append(errs, c.validateLong()...)
	default:
		errs = append(errs, fmt.Errorf("--scenario %q: must be %s, %s or %s", c.Scenario, ScenarioFlow, ScenarioPumping, ScenarioLong))
	}
	if !hasHTTPScheme(c.URL) {
		errs = append(errs, fmt.Errorf("--url %q: must start with http:// or https://", c.URL))
	}
	if c.Scenario != ScenarioPumping && (c.N < 1 || c.N > MaxCustomers) {
		errs = append(errs, fmt.Errorf("-n %d: must be between 1 and %d", c.N, MaxCustomers))
	}
	if c.Concurrency < 1 || c.Concurrency > 1024 {
		errs = append(errs, fmt.Errorf("-c %d: must be between 1 and 1024", c.Concurrency))
	}
	if !coffeeshop.IsDigits(c.Code) {
		errs = append(errs, fmt.Errorf("--code %q: must be digits", c.Code))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("--timeout %s: must be positive", c.Timeout))
	}
	return errors.Join(errs...)
}

// The operations of a run, in the order a customer goes through them.
const (
	OpCreate      = "create"
	OpVerifyWrong = "verify-wrong"
	OpVerify      = "verify"
	OpGet         = "get"
)

// Report is the outcome of a run.
type Report struct {
	URL         string `json:"url"`
	RunID       string `json:"runId"`
	N           int    `json:"n"`
	Concurrency int    `json:"concurrency"`
	WrongFirst  bool   `json:"wrongFirst"`
	// Operations holds one entry per operation the run sent, in order.
	Operations []OpStats `json:"operations"`
	// VerifiedPerSec is right-code attempts answered SUCCESS per second of
	// the verify phase (which also sends the wrong codes with WrongFirst).
	VerifiedPerSec float64 `json:"verifiedPerSec"`
	// Stale counts verify answers (HTTP 200) that were not the result of
	// the attempt: a wrong code not answered INCORRECT_CODE, a right code
	// not answered SUCCESS, or an answer about another customer.
	Stale int `json:"stale"`
	// Expired counts right codes answered CODE_EXPIRED: the code was older
	// than the server's code TTL when it was sent, which happens when the
	// create phase outlasts it (raise dev's --code-ttl for large -n). They
	// are the true result of the attempt, so not stale; their customers
	// are not verified.
	Expired int `json:"expired"`
	// NotVerified counts customers of the run that the final read did not
	// show as phoneVerified, those whose create or read failed included.
	NotVerified int     `json:"notVerified"`
	Seconds     float64 `json:"seconds"`
}

// Failed reports whether the run should fail a script: any stale answer or
// any customer not verified at the end.
func (r *Report) Failed() bool { return r.Stale > 0 || r.NotVerified > 0 }

// wrongCode returns a code of the same length as code that differs from it,
// so the server's format check passes and the attempt counts.
func wrongCode(code string) string {
	b := []byte(code)
	last := len(b) - 1
	b[last] = '0' + (b[last]-'0'+1)%10
	return string(b)
}

// matches reports whether a verify answer is the result of the attempt:
// about customerID and the result that attempt must get.
func matches(a VerifyAnswer, customerID string, right bool) bool {
	want := ResultIncorrectCode
	if right {
		want = ResultSuccess
	}
	return a.Result == want && a.CustomerID == customerID
}

// Run drives the server with cfg in the flow scenario (whatever
// cfg.Scenario says; RunPumping runs the other) and returns the report. It sends every
// create, then every verify, then every read, cfg.Concurrency at a time, so
// each phase's throughput is its own. Each request is bounded by
// cfg.Timeout and none is retried, so a run ends after at most 3–4·N
// requests. When ctx ends, the remaining requests are not sent and their
// customers count as not verified; the report of what ran is still returned.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	id, err := newIdentity()
	if err != nil {
		return nil, err
	}
	c, done := newClient(cfg)
	defer done()
	return run(ctx, cfg, c, id), nil
}

func run(ctx context.Context, cfg Config, c *client, id identity) *Report {
	rep := &Report{URL: cfg.URL, RunID: id.RunID, N: cfg.N, Concurrency: cfg.Concurrency, WrongFirst: cfg.WrongFirst}
	start := time.Now()
	ids := make([]string, cfg.N) // customer IDs; "" where create failed

	creates, createTime := phase(ctx, cfg, func(ctx context.Context, i int, w *worker) {
		cust, d, key := c.create(ctx, id, i)
		w.rec(OpCreate).add(d, key)
		if key == "" {
			ids[i] = cust.ID
		}
	})
	rep.Operations = append(rep.Operations, creates[OpCreate].summarize(OpCreate, createTime))

	wrong := wrongCode(cfg.Code)
	var stale, succeeded, expired int
	verifies, verifyTime := phase(ctx, cfg, func(ctx context.Context, i int, w *worker) {
		cid := ids[i]
		if cid == "" {
			return
		}
		if cfg.WrongFirst {
			a, d, key := c.verify(ctx, cid, wrong, id.requestID("verify-wrong", i))
			w.rec(OpVerifyWrong).add(d, key)
			if key == "" && !matches(a, cid, false) {
				w.stale++
			}
		}
		a, d, key := c.verify(ctx, cid, cfg.Code, id.requestID("verify", i))
		w.rec(OpVerify).add(d, key)
		if key == "" {
			switch {
			case matches(a, cid, true):
				w.succeeded++
			case a.Result == ResultCodeExpired && a.CustomerID == cid:
				w.expired++
			default:
				w.stale++
			}
		}
	}, func(w *worker) { stale += w.stale; succeeded += w.succeeded; expired += w.expired })
	if cfg.WrongFirst {
		rep.Operations = append(rep.Operations, verifies[OpVerifyWrong].summarize(OpVerifyWrong, verifyTime))
	}
	rep.Operations = append(rep.Operations, verifies[OpVerify].summarize(OpVerify, verifyTime))
	rep.Stale, rep.Expired = stale, expired
	if verifyTime > 0 {
		rep.VerifiedPerSec = float64(succeeded) / verifyTime.Seconds()
	}

	var verified int
	gets, getTime := phase(ctx, cfg, func(ctx context.Context, i int, w *worker) {
		cid := ids[i]
		if cid == "" {
			return
		}
		cust, d, key := c.get(ctx, cid)
		if key == "" && cust.ID != cid {
			key = "body"
		}
		w.rec(OpGet).add(d, key)
		if key == "" && cust.PhoneVerified {
			w.verified++
		}
	}, func(w *worker) { verified += w.verified })
	rep.Operations = append(rep.Operations, gets[OpGet].summarize(OpGet, getTime))
	rep.NotVerified = cfg.N - verified
	rep.Seconds = time.Since(start).Seconds()
	return rep
}

// worker is one goroutine's tallies; phase merges them when it ends, so the
// hot path takes no lock.
type worker struct {
	recs                                map[string]*recorder
	stale, succeeded, verified, expired int
}

func (w *worker) rec(op string) *recorder {
	r, ok := w.recs[op]
	if !ok {
		r = newRecorder()
		w.recs[op] = r
	}
	return r
}

// phase calls do for customers 0..N-1 on cfg.Concurrency goroutines and
// returns the merged recorders by operation and the phase's wall time. Each
// worker is passed to every fold after the phase, in turn.
func phase(ctx context.Context, cfg Config, do func(ctx context.Context, i int, w *worker), folds ...func(w *worker)) (map[string]*recorder, time.Duration) {
	next := make(chan int)
	workers := make([]*worker, cfg.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for k := range workers {
		w := &worker{recs: map[string]*recorder{}}
		workers[k] = w
		wg.Go(func() {
			for i := range next {
				do(ctx, i, w)
			}
		})
	}
	feed(ctx, cfg.N, next)
	wg.Wait()
	elapsed := time.Since(start)
	merged := map[string]*recorder{}
	for _, w := range workers {
		for op, r := range w.recs {
			if merged[op] == nil {
				merged[op] = newRecorder()
			}
			merged[op].merge(r)
		}
		for _, f := range folds {
			f(w)
		}
	}
	for _, op := range []string{OpCreate, OpVerifyWrong, OpVerify, OpGet} {
		if merged[op] == nil {
			merged[op] = newRecorder()
		}
	}
	return merged, elapsed
}

// feed sends 0 to n-1 on next, stopping early when ctx ends, and closes
// next: the workers that range over it then finish what they hold.
func feed(ctx context.Context, n int, next chan<- int) {
	defer close(next)
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			return
		}
	}
}
