package bench

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// The scenarios of a run.
const (
	// ScenarioFlow creates N customers, verifies each and reads each back.
	ScenarioFlow = "flow"
	// ScenarioPumping is an SMS pumping attack interleaved with legitimate
	// customers (RunPumping).
	ScenarioPumping = "pumping"
)

// The pumping scenario's operations.
const (
	OpLegitCreate  = "legit-create"
	OpLegitVerify  = "legit-verify"
	OpAttackCreate = "attack-create"
	OpAttackVerify = "attack-verify"
)

// maxWrongCodes bounds the wrong codes one attack signup enters
// (Config.AttackWrongCodes); a verification ends long before, at the
// server's --max-attempts (at most 100).
const maxWrongCodes = 100

// Bounds of the pumping scenario's settings: each signup has a client
// address of its own in 198.18.0.0/15, and an attacked prefix holds
// linesPerPrefix numbers.
const (
	MaxLegit          = 10000
	MaxAttack         = 100000
	MaxAttackPrefixes = 1000
)

// validatePumping names the first pumping setting that cannot run.
func (c Config) validatePumping() []error {
	var errs []error
	if c.Legit < 0 || c.Legit > MaxLegit {
		errs = append(errs, fmt.Errorf("--legit %d: must be between 0 and %d", c.Legit, MaxLegit))
	}
	if c.Attack < 1 || c.Attack > MaxAttack {
		errs = append(errs, fmt.Errorf("--attack %d: must be between 1 and %d", c.Attack, MaxAttack))
	}
	switch {
	case c.AttackPrefixes < 1 || c.AttackPrefixes > MaxAttackPrefixes:
		errs = append(errs, fmt.Errorf("--attack-prefixes %d: must be between 1 and %d", c.AttackPrefixes, MaxAttackPrefixes))
	case c.Attack > c.AttackPrefixes*linesPerPrefix:
		errs = append(errs, fmt.Errorf("--attack %d on --attack-prefixes %d: at most %d signups a prefix (the numbers it holds)",
			c.Attack, c.AttackPrefixes, linesPerPrefix))
	}
	if c.AttackWrongCodes && c.MetricsURL == "" {
		errs = append(errs, fmt.Errorf("--attack-wrong-codes counts the texts in the server's metrics: it needs --metrics-url"))
	}
	return errs
}

// PumpingReport is the outcome of the pumping scenario.
type PumpingReport struct {
	URL            string `json:"url"`
	RunID          string `json:"runId"`
	Concurrency    int    `json:"concurrency"`
	Legit          int    `json:"legit"`
	Attack         int    `json:"attack"`
	AttackPrefixes int    `json:"attackPrefixes"`
	// Operations: legit-create, legit-verify, attack-create.
	Operations []OpStats `json:"operations"`
	// AttackTexts counts the texts to attack numbers: the attack signups
	// answered 200 (each started a verification, which texts a code) and,
	// with AttackWrongCodes, AttackWrongTexts.
	AttackTexts int `json:"attackTexts"`
	// AttackWrongCodes: every attack signup that got a code entered wrong
	// codes until its verification ended (AttackVerifies answers, by
	// result or refusal). AttackWrongTexts are the codes the server texted
	// after them: its coffeeshop_sms_sent_total rose by this much more than
	// the signups answered 200 account for (so the server must serve
	// nothing else meanwhile).
	AttackWrongCodes bool           `json:"attackWrongCodes,omitempty"`
	AttackVerifies   map[string]int `json:"attackVerifies,omitempty"`
	AttackWrongTexts int            `json:"attackWrongTexts,omitempty"`
	// AttackRefused counts the other attack signups by the reason of their
	// refusal (the ErrorInfo detail's, e.g. PREFIX_BLOCKED) or, without
	// one, the HTTP status or "timeout"/"transport".
	AttackRefused map[string]int `json:"attackRefused"`
	// LegitVerified counts legitimate customers whose verify answered
	// SUCCESS; LegitRefused the others, by step and reason ("create
	// PREFIX_BLOCKED", "verify 429", "verify VERIFICATION_RESULT_…").
	LegitVerified int            `json:"legitVerified"`
	LegitRefused  map[string]int `json:"legitRefused"`
	// Prefixes are the attacked prefixes, in the order of their numbers;
	// their Texts count the first codes only.
	Prefixes []AttackedPrefix `json:"prefixes"`
	Seconds  float64          `json:"seconds"`
}

// AttackedPrefix is what the attack on one prefix got.
type AttackedPrefix struct {
	Prefix  string `json:"prefix"`
	Signups int    `json:"signups"`
	Texts   int    `json:"texts"`
	// Blocked: a signup was refused PREFIX_BLOCKED. SecondsToBlock is the
	// time from the start of the prefix's first signup to the answer of
	// its first PREFIX_BLOCKED refusal.
	Blocked        bool    `json:"blocked"`
	SecondsToBlock float64 `json:"secondsToBlock"`
}

// Failed reports whether a legitimate customer was refused or not
// verified.
func (r *PumpingReport) Failed() bool { return r.LegitVerified < r.Legit }

// okOf is how many requests of operation op were answered 200.
func (r *PumpingReport) okOf(op string) int {
	for _, o := range r.Operations {
		if o.Name == op {
			return o.OK
		}
	}
	return 0
}

// LegitRefusedTotal counts the legitimate customers not verified.
func (r *PumpingReport) LegitRefusedTotal() int { return r.Legit - r.LegitVerified }

// task is one item of the pumping schedule: legitimate customer i, or
// attack signup i.
type task struct {
	attack bool
	i      int
}

// schedule interleaves legit and attack tasks evenly in time: legitimate
// customer j sits at (j+½)/legit of the run and attack signup s at
// (s+½)/attack, a legitimate one first on a tie.
func schedule(legit, attack int) []task {
	out := make([]task, 0, legit+attack)
	j, s := 0, 0
	for j < legit || s < attack {
		// (2j+1)/(2·legit) ≤ (2s+1)/(2·attack), without division.
		if s == attack || j < legit && (2*j+1)*attack <= (2*s+1)*legit {
			out = append(out, task{i: j})
			j++
		} else {
			out = append(out, task{attack: true, i: s})
			s++
		}
	}
	return out
}

// pumpingTally is what the pumping scenario's workers found, under mu.
type pumpingTally struct {
	mu            sync.Mutex
	start         time.Time
	legitVerified int
	legitRefused  map[string]int
	attackRefused map[string]int
	prefixes      []prefixTally
	// verifies counts the wrong codes' answers; nextAddr is the next
	// client address of a wrong code.
	verifies map[string]int
	nextAddr int
}

type prefixTally struct {
	signups, texts int
	first          time.Duration // start of the first signup since the run's start; -1 before it
	blocked        time.Duration // answer of the first PREFIX_BLOCKED; -1 before it
}

// RunPumping runs the pumping scenario: cfg.Legit legitimate customers,
// each on a prefix of its own and from a client address of its own, create
// and then verify with cfg.Code; interleaved with them in time,
// cfg.Attack signups on cfg.AttackPrefixes prefixes, round robin, each
// from a new client address (a botnet), never verify. cfg.Concurrency
// tasks run at once. Every request says its client address in
// X-Forwarded-For: the server must trust the tool's address as a proxy
// (dev --trusted-proxy 127.0.0.1), or it sees one client and its
// per-address limits answer for the guard. With cfg.AttackWrongCodes each
// attack signup that got a code enters wrong codes, each from a new
// address, until its verification ends; the server's texts are read from
// cfg.MetricsURL before and after.
func RunPumping(ctx context.Context, cfg Config) (*PumpingReport, error) {
	cfg.Scenario = ScenarioPumping
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	id, err := newIdentity()
	if err != nil {
		return nil, err
	}
	c, done := newClient(cfg)
	defer done()
	if !cfg.AttackWrongCodes {
		return runPumping(ctx, cfg, c, id), nil
	}
	p := newProbe(cfg)
	defer p.close()
	before, err := p.smsSent(ctx)
	if err != nil {
		return nil, err
	}
	rep := runPumping(ctx, cfg, c, id)
	// Every signup's last wrong code was answered after the code sent for
	// the one before it had gone out (or been refused): the count is final.
	after, err := p.smsSent(ctx)
	if err != nil {
		return nil, err
	}
	// Each legitimate create answered 200 texted one code.
	rep.AttackWrongTexts = int(after-before) - rep.okOf(OpLegitCreate) - rep.AttackTexts
	rep.AttackTexts += rep.AttackWrongTexts
	return rep, nil
}

func runPumping(ctx context.Context, cfg Config, c *client, id identity) *PumpingReport {
	rep := &PumpingReport{URL: cfg.URL, RunID: id.RunID, Concurrency: cfg.Concurrency, Legit: cfg.Legit,
		Attack: cfg.Attack, AttackPrefixes: cfg.AttackPrefixes, AttackWrongCodes: cfg.AttackWrongCodes}
	tally := &pumpingTally{start: time.Now(), legitRefused: map[string]int{}, attackRefused: map[string]int{},
		prefixes: make([]prefixTally, cfg.AttackPrefixes), verifies: map[string]int{}, nextAddr: cfg.Legit + cfg.Attack}
	for k := range tally.prefixes {
		tally.prefixes[k] = prefixTally{first: -1, blocked: -1}
	}
	tasks := schedule(cfg.Legit, cfg.Attack)
	recs, elapsed := phase(ctx, Config{N: len(tasks), Concurrency: cfg.Concurrency}, func(ctx context.Context, n int, w *worker) {
		t := tasks[n]
		if t.attack {
			attackSignup(ctx, cfg, c, id, t.i, w, tally)
		} else {
			legitCustomer(ctx, cfg, c, id, t.i, w, tally)
		}
	})
	ops := []string{OpLegitCreate, OpLegitVerify, OpAttackCreate}
	if cfg.AttackWrongCodes {
		ops = append(ops, OpAttackVerify)
		rep.AttackVerifies = tally.verifies
	}
	for _, op := range ops {
		r := recs[op]
		if r == nil {
			r = newRecorder()
		}
		rep.Operations = append(rep.Operations, r.summarize(op, elapsed))
	}
	rep.LegitVerified, rep.LegitRefused, rep.AttackRefused = tally.legitVerified, tally.legitRefused, tally.attackRefused
	// A legitimate customer the run never reached (ctx ended) is not
	// verified either.
	if missing := cfg.Legit - rep.LegitVerified - sum(rep.LegitRefused); missing > 0 {
		rep.LegitRefused["not run"] += missing
	}
	for k, p := range tally.prefixes {
		ap := AttackedPrefix{Prefix: coffeeshop.NumberPrefix(id.attackPhone(cfg.Legit, k, 0)), Signups: p.signups, Texts: p.texts}
		rep.AttackTexts += p.texts
		if p.blocked >= 0 {
			ap.Blocked, ap.SecondsToBlock = true, (p.blocked - p.first).Seconds()
		}
		rep.Prefixes = append(rep.Prefixes, ap)
	}
	rep.Seconds = time.Since(tally.start).Seconds()
	return rep
}

// legitCustomer signs up legitimate customer j and verifies it, both from
// its own address.
func legitCustomer(ctx context.Context, cfg Config, c *client, id identity, j int, w *worker, tally *pumpingTally) {
	from := id.addr(j)
	cust, a := c.createAs(ctx, from, id.phone(j), id.email(j), id.requestID("legit-create", j))
	w.rec(OpLegitCreate).add(a.d, a.key)
	outcome := ""
	if a.key != "" {
		outcome = "create " + a.refusal()
	} else {
		v, a := c.verifyAs(ctx, from, cust.ID, cfg.Code, id.requestID("legit-verify", j))
		w.rec(OpLegitVerify).add(a.d, a.key)
		switch {
		case a.key != "":
			outcome = "verify " + a.refusal()
		case v.Result != ResultSuccess || v.CustomerID != cust.ID:
			outcome = "verify " + v.Result
		}
	}
	tally.mu.Lock()
	defer tally.mu.Unlock()
	if outcome == "" {
		tally.legitVerified++
	} else {
		tally.legitRefused[outcome]++
	}
}

// attackSignup sends attack signup s: on prefix s mod AttackPrefixes, the
// next line of it, from an address no other request of the run uses; with
// AttackWrongCodes a signup that got a code then enters wrong ones.
func attackSignup(ctx context.Context, cfg Config, c *client, id identity, s int, w *worker, tally *pumpingTally) {
	k, m := s%cfg.AttackPrefixes, s/cfg.AttackPrefixes
	n := cfg.Legit + s // numbers emails, request IDs and addresses after the legit customers'
	sent := time.Since(tally.start)
	cust, a := c.createAs(ctx, id.addr(n), id.attackPhone(cfg.Legit, k, m), id.email(n), id.requestID("attack-create", s))
	w.rec(OpAttackCreate).add(a.d, a.key)
	tally.attackCreated(k, sent, time.Since(tally.start), a)
	if a.key == "" && cfg.AttackWrongCodes {
		enterWrongCodes(ctx, cfg, c, id, s, cust.ID, w, tally)
	}
}

// attackCreated counts a create on attacked prefix k, sent and answered
// (a) at those times since the start.
func (tally *pumpingTally) attackCreated(k int, sent, answered time.Duration, a answer) {
	tally.mu.Lock()
	defer tally.mu.Unlock()
	p := &tally.prefixes[k]
	p.signups++
	if p.first < 0 || sent < p.first {
		p.first = sent
	}
	if a.key == "" {
		p.texts++
		return
	}
	tally.attackRefused[a.refusal()]++
	if a.reason == coffeeshop.ReasonPrefixBlocked && (p.blocked < 0 || answered < p.blocked) {
		p.blocked = answered
	}
}

// enterWrongCodes sends attack signup s's wrong codes, each from an
// address of its own, until an answer is neither INCORRECT_CODE nor
// CODE_EXPIRED: the verification ended (MAX_ATTEMPTS_REACHED) or the
// server refused the call.
func enterWrongCodes(ctx context.Context, cfg Config, c *client, id identity, s int, customerID string, w *worker, tally *pumpingTally) {
	wrong := wrongCode(cfg.Code)
	for try := range maxWrongCodes {
		tally.mu.Lock()
		from := id.addr(tally.nextAddr)
		tally.nextAddr++
		tally.mu.Unlock()
		v, a := c.verifyAs(ctx, from, customerID, wrong, id.requestID(fmt.Sprintf("attack-verify-%d", try), s))
		w.rec(OpAttackVerify).add(a.d, a.key)
		outcome := v.Result
		if a.key != "" {
			outcome = a.refusal()
		}
		tally.mu.Lock()
		tally.verifies[outcome]++
		tally.mu.Unlock()
		if a.key != "" || v.Result != ResultIncorrectCode && v.Result != ResultCodeExpired {
			return
		}
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// newClient is the HTTP client of a run: one kept-alive connection per
// worker, or every request after the second would open a new one and
// measure the handshake. done closes its idle connections.
func newClient(cfg Config) (*client, func()) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = cfg.Concurrency
	transport.MaxConnsPerHost = cfg.Concurrency
	return &client{base: strings.TrimRight(cfg.URL, "/"), http: &http.Client{Transport: transport}, timeout: cfg.Timeout, apiKey: cfg.APIKey},
		transport.CloseIdleConnections
}

// sortedKeys returns the keys of m, the largest count first.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	return keys
}
