package bench

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestVerifiesSpreadsTheShare(t *testing.T) {
	for _, tc := range []struct {
		n     int
		share float64
		want  []int // the customers that verify, when few
		count int
	}{
		{n: 20, share: 0.1, want: []int{9, 19}, count: 2},
		{n: 8, share: 0.25, want: []int{3, 7}, count: 2},
		{n: 5, share: 0, want: nil, count: 0},
		{n: 100000, share: 0.1, count: 10000},
		{n: 100000, share: 0.3, count: 30000},
		{n: 1000, share: 1, count: 1000},
		{n: 7, share: 0.5, want: []int{1, 3, 5}, count: 3},
	} {
		var got []int
		for i := range tc.n {
			if verifies(i, tc.share) {
				got = append(got, i)
			}
		}
		if len(got) != tc.count || tc.want != nil && fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("n=%d share=%v: %d verify (%v), want %d %v", tc.n, tc.share, len(got), first(got, 10), tc.count, tc.want)
		}
	}
}

func first(s []int, n int) []int { return s[:min(n, len(s))] }

// A made-up run of 25 customers, one completing each second, every fifth
// of them verified, customer k's create taking k ms and the 12th failing:
// rows at 10 and 20 customers, and the rest at the end.
func TestSlicerCutsRowsByCompletion(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := newSlicer(10, start)
	var rows []Row
	for k := 1; k <= 25; k++ {
		o := outcome{create: time.Duration(k) * time.Millisecond, verified: k%5 == 0}
		if k == 12 {
			o.createErr = "500"
		}
		if k == 15 {
			o.stale = true
		}
		if r, ok := s.add(o, start.Add(time.Duration(k)*time.Second)); ok {
			rows = append(rows, r)
		}
	}
	if _, ok := s.add(outcome{}, start); ok || len(rows) != 2 {
		t.Fatalf("rows %+v after 26 customers, want 2", rows)
	}
	r, ok := s.flush(start.Add(30 * time.Second))
	if !ok {
		t.Fatal("flush made no row of the last 6 customers")
	}
	rows = append(rows, r)
	want := []Row{
		{Customers: 10, Seconds: 10, SliceSeconds: 10, Creates: 10, CreatesPerSec: 1, CreateP50Ms: 5, CreateP99Ms: 10, Verifies: 2, VerifiesPerSec: 0.2},
		{Customers: 20, Seconds: 20, SliceSeconds: 10, Creates: 10, CreatesPerSec: 1, CreateP50Ms: 15, CreateP99Ms: 20, Verifies: 2, VerifiesPerSec: 0.2, Errors: 2},
		// 21–25 and the extra one (0 ms) over the last 10 s.
		{Customers: 26, Seconds: 30, SliceSeconds: 10, Creates: 6, CreatesPerSec: 0.6, CreateP50Ms: 22, CreateP99Ms: 25, Verifies: 1, VerifiesPerSec: 0.1, Partial: true},
	}
	for i := range want {
		if fmt.Sprintf("%+v", rows[i]) != fmt.Sprintf("%+v", want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, rows[i], want[i])
		}
	}
	if _, ok := s.flush(start.Add(time.Minute)); ok {
		t.Error("a second flush made a row of no customers")
	}
}

func rowsOf(perSec []float64, rss []int64) []Row {
	var rows []Row
	for i := range perSec {
		rows = append(rows, Row{Customers: 10000 * (i + 1), CreatesPerSec: perSec[i], Sample: Sample{RSSBytes: rss[i]}})
	}
	return rows
}

func TestJudgeTargets(t *testing.T) {
	before := Sample{RSSBytes: 120e6}
	for _, tc := range []struct {
		name            string
		before          Sample
		rows            []Row
		tput, rss       Verdict
		tputHas, rssHas string
	}{
		{"flat and small", before, rowsOf([]float64{100, 97, 90}, []int64{200e6, 250e6, 299_999_999}),
			Verdict{true, true, ""}, Verdict{true, true, ""}, "90.0 % of the first slice's 100.0", "peak 300.0 MB at 30000 customers"},
		{"slowing and growing", before, rowsOf([]float64{100, 95, 89.9}, []int64{200e6, 300e6, 280e6}),
			Verdict{true, false, ""}, Verdict{true, false, ""}, "89.9 %", "peak 300.0 MB at 20000 customers"},
		{"no metrics", Sample{}, rowsOf([]float64{100, 100}, []int64{0, 0}),
			Verdict{true, true, ""}, Verdict{false, false, ""}, "", "not read"},
		{"one row", before, rowsOf([]float64{100}, []int64{150e6}),
			Verdict{false, false, ""}, Verdict{true, true, ""}, "two full slices", "peak 150.0 MB"},
		{"a partial slice at the end", before, append(rowsOf([]float64{100, 95}, []int64{150e6, 150e6}), Row{Customers: 20010, CreatesPerSec: 3, Partial: true, Sample: Sample{RSSBytes: 150e6}}),
			Verdict{true, true, ""}, Verdict{true, true, ""}, "95.0 creates/s in the last full slice is 95.0 %", "peak 150.0 MB"},
		{"peak before the run", Sample{RSSBytes: 400e6}, rowsOf([]float64{100, 100}, []int64{200e6, 200e6}),
			Verdict{true, true, ""}, Verdict{true, false, ""}, "", "at 0 customers"},
	} {
		got := judge(tc.before, tc.rows)
		if got.Throughput.Measured != tc.tput.Measured || got.Throughput.Held != tc.tput.Held || !strings.Contains(got.Throughput.Detail, tc.tputHas) {
			t.Errorf("%s: throughput %+v, want measured %v held %v, detail with %q", tc.name, got.Throughput, tc.tput.Measured, tc.tput.Held, tc.tputHas)
		}
		if got.RSS.Measured != tc.rss.Measured || got.RSS.Held != tc.rss.Held || !strings.Contains(got.RSS.Detail, tc.rssHas) {
			t.Errorf("%s: RSS %+v, want measured %v held %v, detail with %q", tc.name, got.RSS, tc.rss.Measured, tc.rss.Held, tc.rssHas)
		}
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 853
go_goroutines_extra{x="1"} 5
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 2.87244288e+08
coffeeshop_http_requests_total{method="GET",route="/metrics",status="200"} 3
`
	rss, g, err := parseMetrics(strings.NewReader(text))
	if err != nil || rss != 287244288 || g != 853 {
		t.Errorf("parseMetrics = %v, %v, %v; want 287244288, 853", rss, g, err)
	}
	for _, bad := range []string{
		"go_goroutines 5\n",                                    // no RSS
		"process_resident_memory_bytes 1e8\n",                  // no goroutines
		"go_goroutines 5\nprocess_resident_memory_bytes abc\n", // not a number
	} {
		if _, _, err := parseMetrics(strings.NewReader(bad)); err == nil {
			t.Errorf("parseMetrics(%q) succeeded", bad)
		}
	}
}

func TestDiskUsage(t *testing.T) {
	dir := t.TempDir()
	for name, size := range map[string]int{"temporal.db": 4096, "temporal.db-wal": 1000, "sub/customers.db": 300} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, make([]byte, size), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files, total, err := diskUsage(dir)
	if err != nil || total != 5396 || len(files) != 3 || files["sub/customers.db"] != 300 || files["temporal.db-wal"] != 1000 {
		t.Errorf("diskUsage = %v, %d, %v; want 3 files of 5396 bytes", files, total, err)
	}
	if _, _, err := diskUsage(filepath.Join(dir, "missing")); err == nil {
		t.Error("diskUsage of a missing dir succeeded")
	}
}

// longServer is fakeAPI with a /metrics whose RSS grows by a megabyte a
// scrape, and a data dir holding one file of 1,000,000 bytes.
func longServer(t *testing.T, api *fakeAPI) (url, dataDir string, scrapes *atomic.Int64) {
	t.Helper()
	scrapes = &atomic.Int64{}
	mux := http.NewServeMux()
	mux.Handle("/v1/", api.handler())
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		n := scrapes.Add(1)
		fmt.Fprintf(w, "# TYPE go_goroutines gauge\ngo_goroutines %d\nprocess_resident_memory_bytes %d\n", 100+n, 100_000_000+n*1_000_000)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	dataDir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dataDir, "temporal.db"), make([]byte, 1_000_000), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv.URL, dataDir, scrapes
}

func TestRunLongReportsEverySlice(t *testing.T) {
	url, dataDir, scrapes := longServer(t, newFakeAPI("1234"))
	cfg := Config{URL: url, N: 50, Concurrency: 4, Code: "1234", Timeout: 10 * time.Second,
		ReportEvery: 10, VerifyShare: 0.2, MetricsURL: url + "/metrics", DataDir: dataDir}
	var progress strings.Builder
	rep, err := RunLong(context.Background(), cfg, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Customers != 50 || rep.Creates != 50 || rep.Verifies != 10 || rep.Errors() != 0 || rep.Stale != 0 {
		t.Errorf("totals: %d customers, %d creates, %d verifies, %d errors, %d stale; want 50, 50, 10, 0, 0",
			rep.Customers, rep.Creates, rep.Verifies, rep.Errors(), rep.Stale)
	}
	if len(rep.Rows) != 5 || scrapes.Load() != 6 {
		t.Fatalf("%d rows, %d scrapes; want 5 rows and a scrape before the run and at each", len(rep.Rows), scrapes.Load())
	}
	if rep.Before.RSSBytes != 101e6 || rep.Before.Goroutines != 101 || rep.Before.DiskBytes != 1e6 {
		t.Errorf("before: %+v", rep.Before)
	}
	verifies := 0
	for i, r := range rep.Rows {
		verifies += r.Verifies
		if r.Customers != 10*(i+1) || r.Creates != 10 || r.Errors != 0 || r.Partial {
			t.Errorf("row %d: %d customers, %d creates, %d errors; want %d, 10, 0", i, r.Customers, r.Creates, r.Errors, 10*(i+1))
		}
		if r.CreatesPerSec <= 0 || r.SliceSeconds < 0 || r.CreateP50Ms > r.CreateP99Ms || r.Seconds < rep.Rows[max(i-1, 0)].Seconds {
			t.Errorf("row %d: figures out of order: %+v", i, r)
		}
		// The probe read the server after each row, in order.
		if r.RSSBytes != int64(100e6+(i+2)*1e6) || r.Goroutines != 100+i+2 {
			t.Errorf("row %d: RSS %d, goroutines %d; want the scrape after the row's", i, r.RSSBytes, r.Goroutines)
		}
		if r.DiskBytes != 1e6 || r.DiskFiles["temporal.db"] != 1e6 || r.DiskPerCustomer != float64(1e6/r.Customers) {
			t.Errorf("row %d: disk %d (%v), %v a customer; want 1e6 over %d customers", i, r.DiskBytes, r.DiskFiles, r.DiskPerCustomer, r.Customers)
		}
	}
	if verifies != 10 {
		t.Errorf("rows count %d verifies, want 10", verifies)
	}
	if !rep.Targets.RSS.Measured || !rep.Targets.RSS.Held || !rep.Targets.Throughput.Measured {
		t.Errorf("targets %+v: RSS measured and held (106 MB), throughput measured", rep.Targets)
	}

	// The progress has the header and a line per row; WriteText adds the
	// summary.
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	if len(lines) != 5+5 || !strings.HasPrefix(strings.TrimSpace(lines[len(lines)-1]), "50 ") ||
		!strings.Contains(lines[0], "20 % verified") || !strings.Contains(lines[2], "RSS 101.0 MB, 101 goroutines, disk 1.0 MB") {
		t.Errorf("progress:\n%s", progress.String())
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil || !strings.HasPrefix(text.String(), progress.String()) ||
		!strings.Contains(text.String(), "RSS < 300 MB at every report: held (peak 106.0 MB at 50 customers") ||
		!strings.Contains(text.String(), "temporal.db 1.0 MB") {
		t.Errorf("text report (%v):\n%s", err, text.String())
	}

	var img bytes.Buffer
	if err := rep.WritePNG(&img, 800, 600); err != nil {
		t.Fatal(err)
	}
	if m, err := png.Decode(&img); err != nil || m.Bounds().Dx() != 800 || m.Bounds().Dy() != 600 {
		t.Errorf("plot: %v", err)
	}
}

// Failed creates and answers that are not the attempt's are counted per
// slice and in the totals, and fail the run.
func TestRunLongCountsFailures(t *testing.T) {
	api := newFakeAPI("9999") // every right code is answered INCORRECT_CODE
	api.conflictEvery = 5
	url, _, _ := longServer(t, api)
	rep, err := RunLong(context.Background(), Config{URL: url, N: 40, Concurrency: 1, Code: "1234", Timeout: 10 * time.Second,
		ReportEvery: 20, VerifyShare: 0.5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// With one worker, customers go in order: every fifth create (4, 9,
	// …) is refused, and the odd ones verify, 16 of them created.
	if rep.CreateErrors["409"] != 8 || rep.Verifies != 16 || rep.Stale != 16 || rep.Errors() != 24 || !rep.Failed() {
		t.Errorf("create errors %v, verifies %d, stale %d, errors %d, failed %v; want 409×8, 16, 16, 24, true",
			rep.CreateErrors, rep.Verifies, rep.Stale, rep.Errors(), rep.Failed())
	}
	if len(rep.Rows) != 2 || rep.Rows[0].Errors+rep.Rows[1].Errors != 24 {
		t.Errorf("rows %+v, want 2 holding the 24 errors", rep.Rows)
	}
	// No metrics URL or data dir: nothing sampled, the RSS target not
	// measured.
	if rep.Rows[0].RSSBytes != 0 || rep.Rows[0].DiskBytes != 0 || rep.Targets.RSS.Measured {
		t.Errorf("sampled without a place to sample: %+v, %+v", rep.Rows[0].Sample, rep.Targets.RSS)
	}
}

// A stopped run reports what it did, and a metrics URL that answers no
// metrics is reported in each row.
func TestRunLongStopped(t *testing.T) {
	url, _, _ := longServer(t, newFakeAPI("1234"))
	ctx, cancel := context.WithCancel(context.Background())
	var progress strings.Builder
	w := writerFunc(func(p []byte) (int, error) {
		progress.Write(p)
		if strings.Count(progress.String(), "\n") >= 6 { // the header (5 lines) and the first row
			cancel()
		}
		return len(p), nil
	})
	rep, err := RunLong(ctx, Config{URL: url, N: 1000, Concurrency: 2, Code: "1234", Timeout: 10 * time.Second,
		ReportEvery: 10, MetricsURL: url + "/nope"}, w)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Customers >= 1000 || rep.Customers < 10 || !rep.Failed() {
		t.Errorf("%d customers after the stop, failed %v; want fewer than 1000 and a failed run", rep.Customers, rep.Failed())
	}
	if len(rep.Rows) == 0 {
		t.Fatal("no row")
	}
	if last := rep.Rows[len(rep.Rows)-1]; last.Customers != rep.Customers || !strings.Contains(last.MetricsError, "404") {
		t.Errorf("last row %+v; want all %d customers and the metrics error", last, rep.Customers)
	}
	if !strings.Contains(progress.String(), "metrics: GET "+url+"/nope: 404") {
		t.Errorf("progress does not show the metrics error:\n%s", progress.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestRunLongRejectsBadConfig(t *testing.T) {
	ok := Config{URL: "http://x", N: 100, Concurrency: 1, Code: "1", Timeout: time.Second, VerifyShare: 0.1}
	for _, tc := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.ReportEvery = 101 }, "--report-every 101"},
		{func(c *Config) { c.ReportEvery = -1 }, "--report-every -1"},
		{func(c *Config) { c.VerifyShare = 1.5 }, "--verify-share 1.5"},
		{func(c *Config) { c.MetricsURL = "127.0.0.1:8081/metrics" }, "--metrics-url"},
		{func(c *Config) { c.WrongFirst = true }, "--wrong-first"},
		{func(c *Config) { c.N = MaxCustomers + 1 }, "-n"},
	} {
		cfg := ok
		tc.change(&cfg)
		if _, err := RunLong(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one naming %s", cfg, err, tc.want)
		}
	}
}

// A server that goes away stops the run after a few refused creates,
// instead of it counting every remaining customer as an error.
func TestRunLongStopsWhenTheServerIsGone(t *testing.T) {
	var creates atomic.Int64
	var down atomic.Bool
	api := newFakeAPI("1234").handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/customers" && creates.Add(1) >= 25 {
			down.Store(true)
		}
		if down.Load() {
			// Gone: every request from the 25th create on ends without an
			// HTTP answer, on any connection (a kept-alive one too).
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rep, err := RunLong(context.Background(), Config{URL: srv.URL, N: 20000, Concurrency: 2, Code: "1234", Timeout: 10 * time.Second, ReportEvery: 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Aborted, "10 creates in a row got no HTTP answer") || rep.Customers > 5000 || !rep.Failed() {
		t.Errorf("aborted %q after %d customers, failed %v; want a stop long before 20,000 (the results in the buffer at most)", rep.Aborted, rep.Customers, rep.Failed())
	}
	var text strings.Builder
	if err := rep.WriteSummary(&text); err != nil || !strings.Contains(text.String(), "stopped: the server stopped answering") {
		t.Errorf("summary (%v): %s", err, text.String())
	}
}
