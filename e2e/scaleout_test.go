package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/internal/pgtest"
)

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
	startWorker := func(name string) *process { return startScaleWorker(t, name, secret, remote) }
	workerA := startWorker("coffeeshop worker A")
	workerB := startWorker("coffeeshop worker B")
	key, _ := createKey(t, "--database-url", dbURL)
	apis, apiProcs := startScaleAPIs(t, secret, remote, key)

	// 60 customers, half created through each API; every third sends a
	// wrong code first.
	const n, group1, group2 = 60, 24, 42
	customers := newScaleCustomers(n, func(i int) string { return fmt.Sprintf("+447400123%03d", 600+i) })
	load := startScaleLoad(t, apis, n)
	let := func(from, to int) { load.let(customers[from:to]) }

	// Group 1 on both workers; A is killed once it has texted 3 codes.
	// Group 1 needs 32 codes in all, so if A has not texted 3 when the
	// group is done, the two workers did not share the load.
	let(0, group1)
	waitFor(t, workerA, "3 codes texted by worker A", 3*time.Minute, func() bool {
		return textCount(workerA) >= 3 || load.finished.Load() >= group1
	})
	if got := textCount(workerA); got < 3 {
		t.Fatalf("worker A texted %d codes while worker B texted %d for the first %d customers: the load was not shared",
			got, textCount(workerB), group1)
	}
	workerA.kill()
	t.Logf("worker A killed (SIGKILL) after texting %d codes; %d of %d customers done", textCount(workerA), load.finished.Load(), n)

	// Group 2 on worker B alone, which also takes over A's work; B is
	// restarted once it has texted 6 more codes (group 2 alone needs 24).
	textedB := textCount(workerB)
	let(group1, group2)
	waitFor(t, workerB, "6 more codes texted by worker B", 3*time.Minute, func() bool {
		return textCount(workerB) >= textedB+6
	})
	// Group 3 arrives while B stops and no worker runs.
	let(group2, n)
	load.stop()
	done, stopping := load.finished.Load(), time.Now()
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

	load.wait(t, 4*time.Minute, n)

	byID := checkScaleAnswers(t, customers)
	checkScaleVerified(t, apis, customers)
	checkScaleRows(t, dbURL, byID, customers)

	for _, p := range apiProcs {
		p.terminate()
	}
	workerC.terminate()
	temporal.terminate()

	// Codes texted. A try that texted the customer on a worker that then
	// died before its result reached the server is retried, after
	// SendCode's 30 s start-to-close timeout, and the retry texts again. A
	// worker stopped with SIGTERM loses no try: it lets the ones it runs
	// finish and report first. So only worker A, killed, can have lost a
	// try that had texted, and only to customers it had texted:
	//   sends ≤ texts ≤ sends + (1 if A texted it, else 0).
	// A customer that A did not text got exactly one text per code.
	textsA := textsByPhone(workerA.out.String())
	extra := checkScaleTexts(t, customers, []workerTexts{
		{"A", textsA},
		{"B", textsByPhone(workerB.out.String())},
		{"C", textsByPhone(workerC.out.String())},
	}, func(m string) bool { return textsA[m] > 0 })
	t.Logf("customers texted again after a lost try: %d of %d", extra, n)
}
