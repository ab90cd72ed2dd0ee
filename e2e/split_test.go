package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/pgtest"
)

// TestSplitModeWorkerCrash runs temporal, worker and api as three processes
// on the PostgreSQL store, kills the worker after it sent a code, and shows
// that a new worker carries the verification to its end.
func TestSplitModeWorkerCrash(t *testing.T) {
	db := pgtest.URL(t)
	temporal, remote, secret := startSplitTemporal(t, db)
	worker := start(t, "coffeeshop worker", secret, append([]string{"worker", "--fixed-code", "1234", "--health-addr", freeAddr(t)}, remote...)...)
	httpAddr := freeAddr(t)
	apiProc := start(t, "coffeeshop api", secret,
		append([]string{"api", "--http-addr", httpAddr, "--grpc-addr", freeAddr(t)}, remote...)...)
	key, _ := createKey(t, "--database-url", db)
	a := api{t: t, base: "http://" + httpAddr, key: key}
	waitHTTP(t, apiProc, a.base)

	const phone = "+447400123426"
	id := a.create(phone)
	// The console sender writes each text as a line naming the masked number.
	sent := "SMS to " + coffeeshop.MaskPhone(phone) + ":"
	waitFor(t, worker, "first code sent", 2*time.Minute, func() bool {
		return strings.Contains(worker.out.String(), sent)
	})
	worker.kill()

	worker2 := start(t, "coffeeshop worker (2)", secret, append([]string{"worker", "--fixed-code", "1234", "--health-addr", freeAddr(t)}, remote...)...)
	expect(t, "wrong code", a.verify(id, "0000"), "VERIFICATION_RESULT_INCORRECT_CODE")
	expect(t, "right code", a.verify(id, "1234"), "VERIFICATION_RESULT_SUCCESS")
	if !a.phoneVerified(id) {
		t.Fatal("customer not verified after SUCCESS")
	}
	if !strings.Contains(worker2.out.String(), sent) {
		t.Error("the new worker did not send the second code")
	}
	apiProc.terminate()
	worker2.terminate()
	temporal.terminate()
}
