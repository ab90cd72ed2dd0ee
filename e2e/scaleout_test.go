package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/pgtest"
	"github.com/coffeeshop/coffeeshop/sms"
	"github.com/jackc/pgx/v5"
)

// scaleCustomer is one customer of TestScaleOut and what happened to it.
type scaleCustomer struct {
	phone      string
	wrongFirst bool
	// creator and verifier index the two APIs: each customer is verified
	// through the API that did not create it.
	creator, verifier int

	// Filled in by the load goroutine that runs the customer.
	id      string
	answers []string // verify results, in the order sent
	err     error
}

// sends is how many codes the workflow texts this customer: the first one,
// and one after the wrong code (which does not end the verification).
func (c *scaleCustomer) sends() int {
	if c.wrongFirst {
		return 2
	}
	return 1
}

// run creates the customer through its creator and verifies it through the
// other API. It runs on a goroutine of its own, so it reports failures in
// c.err instead of failing the test.
func (c *scaleCustomer) run(apis [2]api) {
	email := "c" + strings.TrimPrefix(c.phone, "+") + "@example.com"
	body := fmt.Sprintf(`{"customer":{"first_name":"Scale","last_name":"Out","email":%q,"phone_number":%q}}`, email, c.phone)
	r, err := apis[c.creator].try("POST", "/v1/customers", body)
	if err == nil && r.status != http.StatusOK {
		err = fmt.Errorf("%d %v", r.status, r.body)
	}
	if err != nil {
		c.err = fmt.Errorf("create through API %d: %w", c.creator+1, err)
		return
	}
	cust, _ := r.body["customer"].(map[string]any)
	c.id, _ = cust["id"].(string)
	if c.id == "" {
		c.err = fmt.Errorf("create through API %d: no id in %v", c.creator+1, r.body)
		return
	}
	codes := []string{"1234"}
	if c.wrongFirst {
		codes = []string{"0000", "1234"}
	}
	for _, code := range codes {
		r, err := apis[c.verifier].try("POST", "/v1/customers/"+c.id+":verify", fmt.Sprintf(`{"verification_code":%q}`, code))
		if err == nil && (r.status != http.StatusOK || r.body["customerId"] != c.id) {
			err = fmt.Errorf("%d %v", r.status, r.body)
		}
		if err != nil {
			c.err = fmt.Errorf("verify %s through API %d: %w", code, c.verifier+1, err)
			return
		}
		result, _ := r.body["result"].(string)
		c.answers = append(c.answers, result)
	}
}

// textsByPhone counts the console sender's lines in a worker's output by
// masked phone number.
func textsByPhone(out string) map[string]int {
	n := map[string]int{}
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, sms.ConsolePrefix)
		if !ok {
			continue
		}
		if to, _, ok := strings.Cut(rest, ": "); ok {
			n[to]++
		}
	}
	return n
}

func textCount(p *process) int {
	total := 0
	for _, k := range textsByPhone(p.out.String()) {
		total += k
	}
	return total
}

// TestScaleOut runs temporal, two workers and two APIs as five processes
// on the PostgreSQL store and puts load on both APIs while the workers go:
// one is killed with SIGKILL, the other is stopped with SIGTERM and replaced.
// Every verification must end as its answers said, each customer exactly
// once in the database, verified, and texted no more often than the
// workflow's guarantee allows (see the end of the test).
//
// The kills are decided by what the workers have texted, not by time:
// worker A is killed once it has texted codes (so it had work), and B is
// stopped once it has texted more after that (so it took over A's work).
// The customers are let in in three groups, one before each of those
// events and one after the last, so that there is load before, during and
// after each.
func TestScaleOut(t *testing.T) {
	dbURL := pgtest.URL(t)
	temporal, remote, secret := startSplitTemporal(t, dbURL)
	startWorker := func(name string) *process {
		w := start(t, name, secret, append([]string{"worker", "--fixed-code", "1234", "--health-addr", freeAddr(t)}, remote...)...)
		// The worker logs this once it polls.
		waitFor(t, w, "worker ready log line", 2*time.Minute, func() bool {
			return strings.Contains(w.out.String(), `"worker ready"`)
		})
		return w
	}
	workerA := startWorker("coffeeshop worker A")
	workerB := startWorker("coffeeshop worker B")

	key, _ := createKey(t, "--database-url", dbURL)
	var apis [2]api
	var apiProcs [2]*process
	for i := range apis {
		httpAddr := freeAddr(t)
		// The load comes from one address: per-address limits would turn it
		// away. The per-phone limits stay, and every customer has its own
		// number. A verify can reach its workflow long after the code was
		// sent when the worker holding the workflow died in between (its
		// tasks time out first) or the machine is busy: a long code TTL
		// keeps CODE_EXPIRED out of the answers.
		apiProcs[i] = start(t, fmt.Sprintf("coffeeshop api %d", i+1), secret,
			append([]string{"api", "--http-addr", httpAddr, "--grpc-addr", freeAddr(t),
				"--no-rate-limit", "--code-ttl", "10m"}, remote...)...)
		apis[i] = api{t: t, base: "http://" + httpAddr, key: key}
	}
	for i := range apis {
		waitHTTP(t, apiProcs[i], apis[i].base)
	}

	// 60 customers, half created through each API; every third sends a
	// wrong code first.
	const n, group1, group2 = 60, 24, 42
	customers := make([]*scaleCustomer, n)
	for i := range customers {
		customers[i] = &scaleCustomer{
			phone:      fmt.Sprintf("+447400123%03d", 600+i),
			wrongFirst: i%3 == 0,
			creator:    i % 2,
			verifier:   (i + 1) % 2,
		}
	}
	work := make(chan *scaleCustomer, n)
	// The load goroutines end once work is closed, also when the test
	// fails before all customers are let in.
	closeWork := sync.OnceFunc(func() { close(work) })
	t.Cleanup(closeWork)
	var finished atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				c.run(apis)
				finished.Add(1)
			}
		}()
	}
	loadDone := make(chan struct{})
	go func() { wg.Wait(); close(loadDone) }()
	let := func(from, to int) {
		for _, c := range customers[from:to] {
			work <- c
		}
	}

	// Group 1 on both workers; A is killed once it has texted 3 codes.
	// Group 1 needs 32 codes in all, so if A has not texted 3 when the
	// group is done, the two workers did not share the load.
	let(0, group1)
	waitFor(t, workerA, "3 codes texted by worker A", 3*time.Minute, func() bool {
		return textCount(workerA) >= 3 || finished.Load() >= group1
	})
	if got := textCount(workerA); got < 3 {
		t.Fatalf("worker A texted %d codes while worker B texted %d for the first %d customers: the load was not shared",
			got, textCount(workerB), group1)
	}
	workerA.kill()
	t.Logf("worker A killed (SIGKILL) after texting %d codes; %d of %d customers done", textCount(workerA), finished.Load(), n)

	// Group 2 on worker B alone, which also takes over A's work; B is
	// restarted once it has texted 6 more codes (group 2 alone needs 24).
	textedB := textCount(workerB)
	let(group1, group2)
	waitFor(t, workerB, "6 more codes texted by worker B", 3*time.Minute, func() bool {
		return textCount(workerB) >= textedB+6
	})
	// Group 3 arrives while B stops and no worker runs.
	let(group2, n)
	closeWork()
	done, stopping := finished.Load(), time.Now()
	workerB.terminate()
	t.Logf("worker B stopped (SIGTERM) in %.1fs after texting %d codes; %d of %d customers done",
		time.Since(stopping).Seconds(), textCount(workerB), done, n)
	// Here SendCode fails only when it is stopped halfway, its context
	// canceled ("record code sent: ... context canceled"), as it was before
	// the worker had a stop timeout; the retry of such a send is not
	// counted by the per-phone cap, and one that had texted texts again.
	if strings.Contains(workerB.out.String(), `"msg":"Activity error."`) {
		t.Errorf("worker B failed an activity when stopped with SIGTERM")
	}
	workerC := startWorker("coffeeshop worker C")

	select {
	case <-loadDone:
	case <-time.After(4 * time.Minute):
		t.Fatalf("load not done after 4 minutes: %d of %d customers finished", finished.Load(), n)
	}

	// Every answer is the result of its attempt: the wrong code
	// INCORRECT_CODE, the right one SUCCESS, each sent once.
	byID := map[string]*scaleCustomer{}
	for i, c := range customers {
		if c.err != nil {
			t.Errorf("customer %d (%s): %v", i, c.phone, c.err)
			continue
		}
		want := []string{"VERIFICATION_RESULT_SUCCESS"}
		if c.wrongFirst {
			want = []string{"VERIFICATION_RESULT_INCORRECT_CODE", "VERIFICATION_RESULT_SUCCESS"}
		}
		if strings.Join(c.answers, " ") != strings.Join(want, " ") {
			t.Errorf("customer %d (%s): answers %v, want %v", i, c.phone, c.answers, want)
		}
		if byID[c.id] != nil {
			t.Errorf("customers %s and %s got the same id %s", byID[c.id].phone, c.phone, c.id)
		}
		byID[c.id] = c
	}
	if t.Failed() {
		t.FailNow()
	}

	// Each API shows the customers the other created as verified, and the
	// workflow counted exactly the attempts that were made: a wrong code
	// applied twice would show one attempt fewer left.
	for _, c := range customers {
		a := apis[c.creator]
		if !a.phoneVerified(c.id) {
			t.Errorf("%s: GET through API %d: not verified", c.phone, c.creator+1)
		}
		v := a.verification(c.id)
		wantLeft := 3.0 // --max-attempts; the right code consumes none
		if c.wrongFirst {
			wantLeft--
		}
		// No resend was asked for: 4 of the 5 codes on request are left.
		if v["status"] != "VERIFICATION_STATUS_VERIFIED" || v["attemptsLeft"] != wantLeft || v["sendsLeft"] != 4.0 {
			t.Errorf("%s: verification %v; want VERIFIED with %v attempts and 4 sends left", c.phone, v, wantLeft)
		}
	}

	// The table holds exactly the customers created, once each, verified.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, "SELECT id::text, phone_number, phone_verified FROM customers")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for rows.Next() {
		var id, phone string
		var verified bool
		if err := rows.Scan(&id, &phone, &verified); err != nil {
			t.Fatal(err)
		}
		seen[id]++
		c := byID[id]
		switch {
		case c == nil:
			t.Errorf("row %s (%s) belongs to no customer created", id, coffeeshop.MaskPhone(phone))
		case phone != c.phone || !verified:
			t.Errorf("row %s: phone %s verified %v; want %s verified", id, phone, verified, c.phone)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for id, c := range byID {
		if seen[id] != 1 {
			t.Errorf("customer %s (%s): %d rows", id, c.phone, seen[id])
		}
	}

	// The per-phone cap counted each code exactly once: every try of a send
	// records it under the send's key, which the store keeps once, so a
	// send retried after the killed worker's lost try counts once too.
	capRows, err := conn.Query(ctx, "SELECT phone, count(*) FROM code_sends GROUP BY phone")
	if err != nil {
		t.Fatal(err)
	}
	counted := map[string]int{}
	for capRows.Next() {
		var phone string
		var count int
		if err := capRows.Scan(&phone, &count); err != nil {
			t.Fatal(err)
		}
		counted[phone] = count
	}
	for _, c := range customers {
		if counted[c.phone] != c.sends() {
			t.Errorf("code_sends: %d for %s, want the %d codes the workflow sent", counted[c.phone], coffeeshop.MaskPhone(c.phone), c.sends())
		}
		delete(counted, c.phone)
	}
	for phone, n := range counted {
		t.Errorf("code_sends: %d for %s, a phone of no customer", n, coffeeshop.MaskPhone(phone))
	}
	if err := capRows.Err(); err != nil {
		t.Fatal(err)
	}

	for _, p := range apiProcs {
		p.terminate()
	}
	workerC.terminate()
	temporal.terminate()

	// Codes texted. The workflow runs one SendCode activity per code it
	// wants (here: the first one, and one after the wrong code), and
	// Temporal runs an activity until one try's result is recorded. A try
	// that texted the customer on a worker that then died before its result
	// reached the server is retried, after SendCode's 30 s start-to-close
	// timeout, and the retry texts again: delivery is at least once. A
	// worker stopped with SIGTERM loses no try: it lets the ones it runs
	// finish and report first. So only worker A, killed, can have lost a
	// try that had texted; a customer has one try in flight at a time, so
	// A added at most one text per customer, and only to customers it had
	// texted. For each customer:
	//   sends ≤ texts ≤ sends + (1 if A texted it, else 0).
	// A customer that A did not text got exactly one text per code.
	textsA, textsB, textsC := textsByPhone(workerA.out.String()), textsByPhone(workerB.out.String()), textsByPhone(workerC.out.String())
	extra := 0 // customers texted more than once for a code
	for _, c := range customers {
		m := coffeeshop.MaskPhone(c.phone)
		got := textsA[m] + textsB[m] + textsC[m]
		allowed := c.sends()
		if textsA[m] > 0 {
			allowed++
		}
		if got < c.sends() || got > allowed {
			t.Errorf("%s: texted %d times (A %d, B %d, C %d); the workflow sent %d codes, so %d to %d texts",
				c.phone, got, textsA[m], textsB[m], textsC[m], c.sends(), c.sends(), allowed)
		}
		if got > c.sends() {
			extra++
			t.Logf("%s: %d codes, %d texts (A %d, B %d, C %d)", c.phone, c.sends(), got, textsA[m], textsB[m], textsC[m])
		}
		delete(textsA, m)
		delete(textsB, m)
		delete(textsC, m)
	}
	for _, w := range []map[string]int{textsA, textsB, textsC} {
		for m, k := range w {
			t.Errorf("%d texts to %s, no customer of the test", k, m)
		}
	}
	t.Logf("customers texted again after a lost try: %d of %d", extra, n)
}
