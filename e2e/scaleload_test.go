package e2e

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sms"
	"github.com/jackc/pgx/v5"
)

// The load of the scale tests (TestScaleOut, TestRealTemporalCluster):
// customers created through one API and verified through the other, and
// the checks that account for every answer, row and text afterwards.

// scaleCustomer is one customer of a scale test and what happened to it.
type scaleCustomer struct {
	phone      string
	wrongFirst bool
	// creator and verifier index the two APIs: each customer is verified
	// through the API that did not create it.
	creator, verifier int
	// requestID, when set, is the create's request_id and, with the
	// attempt's number, each verify's; an answer of 503 (the API could not
	// reach Temporal) is then sent again with the same ID, as a client is
	// told to, and the ID makes the retry return the first answer if the
	// first try went through after all. Without it every request is sent
	// once and any answer but 200 fails the customer.
	requestID string

	// Filled in by the load goroutine that runs the customer.
	id      string
	answers []string // verify results, in the order sent
	retries int      // 503 answers sent again
	err     error
}

// newScaleCustomers returns n customers with the given phone numbers, half
// created through each API; every third sends a wrong code first.
func newScaleCustomers(n int, phone func(i int) string) []*scaleCustomer {
	customers := make([]*scaleCustomer, n)
	for i := range customers {
		customers[i] = &scaleCustomer{
			phone:      phone(i),
			wrongFirst: i%3 == 0,
			creator:    i % 2,
			verifier:   (i + 1) % 2,
		}
	}
	return customers
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
	body := fmt.Sprintf(`{"customer":{"first_name":"Scale","last_name":"Out","email":%q,"phone_number":%q}`, email, c.phone)
	if c.requestID != "" {
		body += fmt.Sprintf(`,"request_id":%q`, c.requestID)
	}
	r, err := c.post(apis[c.creator], "/v1/customers", body+"}")
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
	for k, code := range codes {
		body := fmt.Sprintf(`{"verification_code":%q`, code)
		if c.requestID != "" {
			body += fmt.Sprintf(`,"request_id":"%s-verify-%d"`, c.requestID, k+1)
		}
		r, err := c.post(apis[c.verifier], "/v1/customers/"+c.id+":verify", body+"}")
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

// post sends body to a. With a request ID it sends it again while the
// answer is 503, for up to three minutes (a pause between tries keeps the
// retries from crowding out the requests that can be served).
func (c *scaleCustomer) post(a api, path, body string) (reply, error) {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		r, err := a.try("POST", path, body)
		if err != nil || r.status != http.StatusServiceUnavailable || c.requestID == "" || time.Now().After(deadline) {
			return r, err
		}
		c.retries++
		time.Sleep(100 * time.Millisecond)
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

// startScaleWorker starts a worker that texts the code 1234 on the
// console and waits until it polls. Like the APIs, it runs with
// --no-rate-limit: the numbers of the load share prefixes, and a guard
// on in the worker alone would count the codes after wrong ones without
// the verifications, which the APIs' guard records.
func startScaleWorker(t *testing.T, name string, secret, remote []string) *process {
	t.Helper()
	w := start(t, name, secret, append([]string{"worker", "--fixed-code", "1234", "--health-addr", freeAddr(t), "--no-rate-limit"}, remote...)...)
	// The worker logs this once it polls.
	waitFor(t, w, "worker ready log line", 2*time.Minute, func() bool {
		return strings.Contains(w.out.String(), `"worker ready"`)
	})
	return w
}

// startScaleAPIs starts the two APIs, which take the API key, and waits
// until both answer.
func startScaleAPIs(t *testing.T, secret, remote []string, key string) (apis [2]api, procs [2]*process) {
	t.Helper()
	for i := range apis {
		httpAddr := freeAddr(t)
		// The load comes from one address: per-address limits would turn it
		// away. The per-phone limits stay, and every customer has its own
		// number. A verify can reach its workflow long after the code was
		// sent when the worker holding the workflow died in between (its
		// tasks time out first) or the machine is busy: a long code TTL
		// keeps CODE_EXPIRED out of the answers.
		procs[i] = start(t, fmt.Sprintf("coffeeshop api %d", i+1), secret,
			append([]string{"api", "--http-addr", httpAddr, "--grpc-addr", freeAddr(t),
				"--no-rate-limit", "--code-ttl", "10m"}, remote...)...)
		apis[i] = api{t: t, base: "http://" + httpAddr, key: key}
	}
	for i := range apis {
		waitHTTP(t, procs[i], apis[i].base)
	}
	return apis, procs
}

// scaleLoad runs the customers let in on 16 goroutines.
type scaleLoad struct {
	work     chan *scaleCustomer
	finished atomic.Int32
	done     chan struct{} // closed when every customer let in has run and no more can be
	// stop lets no more customers in; the goroutines end once they have
	// run those let in. It is called at the end of the test too, also
	// when the test fails before all customers are let in.
	stop func()
}

func startScaleLoad(t *testing.T, apis [2]api, n int) *scaleLoad {
	l := &scaleLoad{work: make(chan *scaleCustomer, n), done: make(chan struct{})}
	l.stop = sync.OnceFunc(func() { close(l.work) })
	t.Cleanup(l.stop)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for c := range l.work {
				c.run(apis)
				l.finished.Add(1)
			}
		})
	}
	go func() { wg.Wait(); close(l.done) }()
	return l
}

func (l *scaleLoad) let(customers []*scaleCustomer) {
	for _, c := range customers {
		l.work <- c
	}
}

// wait waits for the load to end after stop, failing after limit.
func (l *scaleLoad) wait(t *testing.T, limit time.Duration, n int) {
	t.Helper()
	select {
	case <-l.done:
	case <-time.After(limit):
		t.Fatalf("load not done after %s: %d of %d customers finished", limit, l.finished.Load(), n)
	}
}

// checkScaleAnswers checks that every answer was the result of its
// attempt: the wrong code INCORRECT_CODE, the right one SUCCESS, each
// answered once. It returns the customers by ID, and ends the test if any
// failed: the checks after it need every customer.
func checkScaleAnswers(t *testing.T, customers []*scaleCustomer) map[string]*scaleCustomer {
	t.Helper()
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
	return byID
}

// checkScaleVerified checks that each API shows the customers the other
// verified as verified, and that the workflow counted exactly the attempts
// that were made: a wrong code applied twice would show one attempt fewer
// left, and a lost one one more.
func checkScaleVerified(t *testing.T, apis [2]api, customers []*scaleCustomer) {
	t.Helper()
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
}

// checkScaleRows checks the database at dbURL: the customers table holds
// exactly the customers created, once each, verified; and the per-phone
// cap counted each code exactly once (every try of a send records it under
// the send's key, which the store keeps once, so a send retried after a
// lost try counts once too).
func checkScaleRows(t *testing.T, dbURL string, byID map[string]*scaleCustomer, customers []*scaleCustomer) {
	t.Helper()
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
	if err := capRows.Err(); err != nil {
		t.Fatal(err)
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
}

// workerTexts is what one worker texted, by masked phone number
// (textsByPhone of its output).
type workerTexts struct {
	name  string
	texts map[string]int
}

// checkScaleTexts checks the codes texted by the workers. The workflow
// runs one SendCode activity per code it wants (the first one, and one
// after a wrong code), and Temporal runs an activity until one try's result
// is recorded: delivery is at least once. Each customer must have been
// texted once per code, or once more where mayRepeat says a try of one of
// its sends may have texted and then been lost (a customer has one try in
// flight at a time, so one crash adds at most one text). It returns how
// many customers were texted once more.
func checkScaleTexts(t *testing.T, customers []*scaleCustomer, workers []workerTexts, mayRepeat func(masked string) bool) (extra int) {
	t.Helper()
	unclaimed := make([]map[string]int, len(workers)) // the texts to no customer, at the end
	for i, w := range workers {
		unclaimed[i] = maps.Clone(w.texts)
	}
	for _, c := range customers {
		m := coffeeshop.MaskPhone(c.phone)
		got := 0
		var each []string
		for i, w := range workers {
			got += w.texts[m]
			each = append(each, fmt.Sprintf("%s %d", w.name, w.texts[m]))
			delete(unclaimed[i], m)
		}
		allowed := c.sends()
		if mayRepeat(m) {
			allowed++
		}
		if got < c.sends() || got > allowed {
			t.Errorf("%s: texted %d times (%s); the workflow sent %d codes, so %d to %d texts",
				c.phone, got, strings.Join(each, ", "), c.sends(), c.sends(), allowed)
		}
		if got > c.sends() {
			extra++
			t.Logf("%s: %d codes, %d texts (%s)", c.phone, c.sends(), got, strings.Join(each, ", "))
		}
	}
	for i, w := range workers {
		for _, m := range slices.Sorted(maps.Keys(unclaimed[i])) {
			t.Errorf("%s: %d texts to %s, no customer of the test", w.name, unclaimed[i][m], m)
		}
	}
	return extra
}
