package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop/bench"
)

func TestBenchHelpAndBadSettings(t *testing.T) {
	code, out := runArgs(t, "bench", "--help")
	if code != 0 || !strings.Contains(out, "Usage: coffeeshop bench") || !strings.Contains(out, "-n, --n=1000") || !strings.Contains(out, "$COFFEESHOP_BENCH_N") {
		t.Errorf("bench --help: exit %d, %q", code, out)
	}
	if code, out := runArgs(t, "--help"); code != 0 || !strings.Contains(out, "bench ") {
		t.Errorf("usage does not list bench: %q", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--url", "127.0.0.1:8081"}, "--url"},
		{[]string{"bench", "-n", "0"}, "-n 0"},
		{[]string{"bench", "--c=-1"}, "-c -1"},
		{[]string{"bench", "--code", "12ab"}, "--code"},
		{[]string{"bench", "--timeout", "-1s"}, "--timeout"},
	} {
		code, out := runArgs(t, tc.args...)
		if code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, output %q; want exit 2 naming %s", tc.args, code, out, tc.want)
		}
	}
	t.Setenv("COFFEESHOP_BENCH_CONCURRENCY", "0")
	if code, out := runArgs(t, "bench"); code != 2 || !strings.Contains(out, "-c 0") {
		t.Errorf("COFFEESHOP_BENCH_CONCURRENCY=0: exit %d, %q", code, out)
	}
}

// miniAPI answers every create, verify and read over loopback; with stale
// set, every verify answers INCORRECT_CODE whatever the code.
func miniAPI(t *testing.T, stale bool) string {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) { _ = json.NewEncoder(w).Encode(v) }
	mux.HandleFunc("POST /v1/customers", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			RequestID string `json:"request_id"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		reply(w, map[string]any{"customer": map[string]any{"id": req.RequestID}})
	})
	mux.HandleFunc("POST /v1/customers/{call}", func(w http.ResponseWriter, r *http.Request) {
		result := "VERIFICATION_RESULT_SUCCESS"
		if stale {
			result = "VERIFICATION_RESULT_INCORRECT_CODE"
		}
		reply(w, map[string]any{"customerId": strings.TrimSuffix(r.PathValue("call"), ":verify"), "result": result})
	})
	mux.HandleFunc("GET /v1/customers/{id}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"customer": map[string]any{"id": r.PathValue("id"), "phoneVerified": !stale}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestBenchExitCodeGates(t *testing.T) {
	code, out := runArgs(t, "bench", "--url", miniAPI(t, false), "-n", "5", "-c", "2", "--json")
	var rep struct {
		Stale, NotVerified int
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
		t.Errorf("honest server: exit %d, output %q; want 0 and a JSON report", code, out)
	}
	code, out = runArgs(t, "bench", "--url", miniAPI(t, true), "-n", "5")
	if code != 1 || !strings.Contains(out, "5 stale answers, 5 of 5 customers not verified") {
		t.Errorf("stale server: exit %d, output %q; want exit 1 naming the stale answers", code, out)
	}
}

// pumpAPI answers every create and every verify: a server without a guard,
// or with refuse set, one that refuses every create 429 PREFIX_BLOCKED.
func pumpAPI(t *testing.T, refuse bool) string {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) { _ = json.NewEncoder(w).Encode(v) }
	mux.HandleFunc("POST /v1/customers", func(w http.ResponseWriter, r *http.Request) {
		if refuse {
			w.WriteHeader(http.StatusTooManyRequests)
			reply(w, map[string]any{"code": 8, "details": []any{map[string]any{
				"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "PREFIX_BLOCKED"}}})
			return
		}
		var req struct {
			RequestID string `json:"request_id"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		reply(w, map[string]any{"customer": map[string]any{"id": req.RequestID}})
	})
	mux.HandleFunc("POST /v1/customers/{call}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"customerId": strings.TrimSuffix(r.PathValue("call"), ":verify"), "result": "VERIFICATION_RESULT_SUCCESS"})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestBenchPumpingScenario(t *testing.T) {
	code, out := runArgs(t, "bench", "--scenario", "pumping", "--url", pumpAPI(t, false), "--legit", "4", "--attack", "20", "--json")
	var rep struct {
		AttackTexts, LegitVerified int
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.AttackTexts != 20 || rep.LegitVerified != 4 {
		t.Errorf("no guard: exit %d, output %q; want 0 and a JSON report with 20 texts, 4 verified", code, out)
	}
	code, out = runArgs(t, "bench", "--scenario", "pumping", "--url", pumpAPI(t, true), "--legit", "4", "--attack", "20")
	if code != 1 || !strings.Contains(out, "create PREFIX_BLOCKED×4") || !strings.Contains(out, "4 of 4 legitimate customers refused") {
		t.Errorf("legitimate customers refused: exit %d, output %q; want exit 1 naming them", code, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--scenario", "ddos"}, "--scenario"},
		{[]string{"bench", "--scenario", "pumping", "--attack", "2000"}, "at most 1000 signups a prefix"},
		{[]string{"bench", "--scenario", "pumping", "--legit=-1"}, "--legit"},
	} {
		if code, out := runArgs(t, tc.args...); code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, output %q; want exit 2 naming %s", tc.args, code, out, tc.want)
		}
	}
}

// TestBenchPumpingWrongCodesAgainstDev plays the pumping scenario against a
// real dev with its default guard, the attack entering wrong codes after
// each signup texted: the codes the worker sends after wrong ones count
// for the prefix too, so the attack gets 9 texts in all, as without wrong
// codes, read from dev's own coffeeshop_sms_sent_total.
func TestBenchPumpingWrongCodesAgainstDev(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	httpAddr := freeAddr(t)
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"dev", "--data-dir", t.TempDir(), "--trusted-proxy", "127.0.0.1", "--ui-addr", "", "--codec-addr", "",
			"--http-addr", httpAddr, "--grpc-addr", freeAddr(t), "--temporal-addr", freeAddr(t), "--log-level", "error"}, io.Discard, io.Discard)
	}()
	url := "http://" + httpAddr
	waitUp(t, url+"/readyz", exited)

	var out, errOut bytes.Buffer
	code := run(ctx, []string{"bench", "--scenario", "pumping", "--url", url, "--legit", "10", "--attack", "40",
		"--attack-wrong-codes", "--json"}, &out, &errOut)
	var rep bench.PumpingReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || code != 0 {
		t.Fatalf("exit %d, output %q (%v), stderr %q", code, out.String(), err, errOut.String())
	}
	created := 0
	for _, op := range rep.Operations {
		if op.Name == bench.OpAttackCreate {
			created = op.OK
		}
	}
	if rep.AttackTexts != 9 || rep.AttackWrongTexts != rep.AttackTexts-created || rep.AttackWrongTexts == 0 || rep.LegitVerified != 10 {
		t.Errorf("attack texts %d (%d after wrong codes, %d creates texted), legit verified %d; want 9 in all, some after wrong codes, 10",
			rep.AttackTexts, rep.AttackWrongTexts, created, rep.LegitVerified)
	}
	if rep.AttackVerifies["VERIFICATION_RESULT_MAX_ATTEMPTS_REACHED"] != created {
		t.Errorf("wrong codes answered %v; want every signup texted to end at MAX_ATTEMPTS_REACHED", rep.AttackVerifies)
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("dev exited with %d", code)
	}
}

// TestBenchLongAgainstDev runs a short long run against a real dev in this
// process: every row has the server's RSS, goroutines and disk, the totals
// add up, and the plot is a PNG.
func TestBenchLongAgainstDev(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dir := t.TempDir()
	httpAddr := freeAddr(t)
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"dev", "--data-dir", dir, "--no-rate-limit", "--ui-addr", "", "--codec-addr", "",
			"--http-addr", httpAddr, "--grpc-addr", freeAddr(t), "--temporal-addr", freeAddr(t), "--log-level", "error"}, io.Discard, io.Discard)
	}()
	url := "http://" + httpAddr
	waitUp(t, url+"/readyz", exited)

	pngPath := filepath.Join(t.TempDir(), "long.png")
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"bench", "--scenario", "long", "--url", url, "-n", "40", "-c", "4", "--report-every", "10",
		"--verify-share", "0.25", "--data-dir", dir, "--plot", pngPath, "--json"}, &out, &errOut)
	var rep bench.LongReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("exit %d, output %q (%v), stderr %q", code, out.String(), err, errOut.String())
	}
	// Four rows of ten is too short a run for the throughput target to
	// mean anything: it may hold or not, but nothing else may fail.
	if rep.Customers != 40 || rep.Creates != 40 || rep.Verifies != 10 || rep.Errors() != 0 || len(rep.Rows) != 4 {
		t.Fatalf("exit %d: %d customers, %d creates, %d verifies, %d errors, %d rows; want 40, 40, 10, 0, 4 (stderr %q)",
			code, rep.Customers, rep.Creates, rep.Verifies, rep.Errors(), len(rep.Rows), errOut.String())
	}
	if code != 0 && (code != 1 || rep.Targets.Throughput.Held || !strings.Contains(errOut.String(), "throughput target NOT held")) {
		t.Errorf("exit %d, stderr %q: only the throughput target may fail so short a run", code, errOut.String())
	}
	if !rep.Targets.RSS.Measured || rep.Before.RSSBytes == 0 {
		t.Errorf("RSS target %+v, before %+v: dev's metrics were not read", rep.Targets.RSS, rep.Before)
	}
	for i, r := range rep.Rows {
		if r.Customers != 10*(i+1) || r.Verifies == 0 || r.RSSBytes < 10e6 || r.Goroutines < 50 || r.DiskFiles["temporal.db"] == 0 ||
			r.DiskFiles["customers.db"] == 0 || r.DiskPerCustomer != float64(int64(float64(r.DiskBytes)/float64(r.Customers)+0.5)) {
			t.Errorf("row %d: %+v", i, r)
		}
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if img, err := png.Decode(f); err != nil || img.Bounds().Dx() != 1200 {
		t.Errorf("--plot wrote no 1200-pixel-wide PNG: %v", err)
	}

	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("dev exited with %d", code)
	}
}

func TestBenchLongPlotPathFailsFirst(t *testing.T) {
	code, out := runArgs(t, "bench", "--scenario", "long", "--url", miniAPI(t, false), "-n", "5", "--plot", filepath.Join(t.TempDir(), "no", "such", "dir.png"))
	if code != 1 || !strings.Contains(out, "--plot: open") || strings.Contains(out, "customers") {
		t.Errorf("exit %d, output %q; want exit 1 naming --plot before any customer", code, out)
	}
}
