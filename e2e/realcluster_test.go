package e2e

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/coffeeshop/coffeeshop/internal/pgtest"
	"github.com/coffeeshop/coffeeshop/verify"
)

// TestRealTemporalCluster runs coffeeshop against a real Temporal cluster
// instead of its embedded server: the server's own binaries (v1.32.0, as
// go.mod pins), 4 history shards in PostgreSQL, and the frontend, history,
// matching and worker services as four processes (temporalcluster_test.go).
// Two workers and two APIs on the PostgreSQL customer store serve a few
// hundred customers, each created through one API and verified through
// the other, some with a wrong code first. Once a third of them are done,
// the history service is killed with SIGKILL and started again while the
// rest are in flight.
//
// A real client retries an answer of 503 (the API could not reach
// Temporal); these send a request_id, which makes the retry return the
// first answer when the first try went through after all. Afterwards every
// customer must have been verified exactly once, with every attempt
// counted once (none lost with the killed process, none applied twice by a
// retry), its row in the database and its workflow completed, and texted
// once per code but for a send lost with the killed process.
func TestRealTemporalCluster(t *testing.T) {
	dbURL := pgtest.URL(t) // the customer store; skips without PostgreSQL
	started := time.Now()
	cluster := startTemporalCluster(t)
	const namespace = "coffeeshop-e2e"
	cluster.RegisterNamespace(namespace, 24*time.Hour)
	cluster.WaitShards(namespace)
	t.Logf("cluster up (4 processes, %d shards) in %.1fs", clusterShards, time.Since(started).Seconds())

	remote := []string{"--temporal-address", cluster.Frontend, "--namespace", namespace, "--database-url", dbURL}
	secret := sharedSecrets()
	workerA := startScaleWorker(t, "coffeeshop worker A", secret, remote)
	workerB := startScaleWorker(t, "coffeeshop worker B", secret, remote)
	key, _ := createKey(t, "--database-url", dbURL)
	apis, apiProcs := startScaleAPIs(t, secret, remote, key)

	const n = 300
	customers := newScaleCustomers(n, func(i int) string { return fmt.Sprintf("+447400124%03d", i) })
	for i, c := range customers {
		c.requestID = fmt.Sprintf("realcluster-%03d", i)
	}
	loadStarted := time.Now()
	load := startScaleLoad(t, apis, n)
	load.let(customers)
	load.stop()

	// The kill is decided by progress, not time: a third of the customers
	// done, so that there is load before, during and after the outage.
	history := cluster.Service("history")
	waitFor(t, history, "a third of the customers done", 3*time.Minute, func() bool {
		return load.finished.Load() >= n/3
	})
	history.kill()
	killed := time.Now()
	t.Logf("history service killed (SIGKILL) with %d of %d customers done, %.1fs into the load",
		load.finished.Load(), n, killed.Sub(loadStarted).Seconds())
	cluster.Restart("history")
	cluster.WaitShards(namespace)
	// A try of a send can only have been lost if it texted before every
	// shard had an owner again: what the workers printed up to here.
	backA, backB := len(workerA.out.String()), len(workerB.out.String())
	t.Logf("history service restarted; all %d shards answer %.1fs after the kill, with %d of %d customers done",
		clusterShards, time.Since(killed).Seconds(), load.finished.Load(), n)

	load.wait(t, 3*time.Minute, n)
	retries := 0
	for _, c := range customers {
		retries += c.retries
	}
	t.Logf("load done in %.1fs; %d requests answered 503 and sent again", time.Since(loadStarted).Seconds(), retries)

	byID := checkScaleAnswers(t, customers)
	checkScaleVerified(t, apis, customers)
	checkScaleRows(t, dbURL, byID, customers)
	checkWorkflows(t, cluster.Frontend, namespace, byID)

	for _, p := range apiProcs {
		p.terminate()
	}
	workerA.terminate()
	workerB.terminate()

	// Codes texted: once per code, or once more for a customer texted
	// before the shards were back, whose try may have texted and then
	// failed to reach history (it is retried after SendCode's 30 s
	// start-to-close timeout, and texts again). The workers were not
	// killed, so no try was lost with them.
	mayRepeat := maps.Clone(textsByPhone(workerA.out.String()[:backA]))
	for m, k := range textsByPhone(workerB.out.String()[:backB]) {
		mayRepeat[m] += k
	}
	extra := checkScaleTexts(t, customers, []workerTexts{
		{"A", textsByPhone(workerA.out.String())},
		{"B", textsByPhone(workerB.out.String())},
	}, func(m string) bool { return mayRepeat[m] > 0 })
	t.Logf("customers texted again after a lost try: %d of %d", extra, n)
}

// checkWorkflows checks that every customer's verification workflow has
// completed, and that the namespace holds no other verification: a
// workflow without its customer would show in the count. Visibility
// records are written after the workflow closes, so the count is polled.
func checkWorkflows(t *testing.T, frontend, namespace string, byID map[string]*scaleCustomer) {
	t.Helper()
	cl, err := client.Dial(client.Options{HostPort: frontend, Namespace: namespace, Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for id, c := range byID {
		desc, err := cl.DescribeWorkflowExecution(ctx, verify.WorkflowID(id), "")
		if err != nil {
			t.Errorf("%s: workflow of customer %s: %v", c.phone, id, err)
			continue
		}
		if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			t.Errorf("%s: workflow of customer %s is %s, want completed", c.phone, id, st)
		}
	}
	query := fmt.Sprintf("WorkflowType = %q", verify.VerifyPhoneWorkflow)
	var all, completed int64
	for {
		count := func(q string) int64 {
			resp, err := cl.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: q})
			if err != nil {
				t.Fatalf("count workflows %s: %v", q, err)
			}
			return resp.GetCount()
		}
		all, completed = count(query), count(query+" AND ExecutionStatus = 'Completed'")
		if (all == int64(len(byID)) && completed == all) || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if all != int64(len(byID)) || completed != all {
		t.Errorf("visibility lists %d verification workflows, %d of them completed; want the %d customers' own, all completed",
			all, completed, len(byID))
	}
}
