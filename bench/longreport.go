package bench

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/coffeeshop/coffeeshop/internal/plot"
)

// WriteText prints r for people: the header, a line per row, then the
// summary (what RunLong's progress and WriteSummary print, together).
func (r *LongReport) WriteText(w io.Writer) error {
	if err := r.writeHeader(w); err != nil {
		return err
	}
	for _, row := range r.Rows {
		if err := r.writeRow(w, row); err != nil {
			return err
		}
	}
	return r.WriteSummary(w)
}

// WriteJSON prints r as one indented JSON object, the fields named by the
// json tags of LongReport, Row and Sample.
func (r *LongReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

const rowFormat = "%9s %9s %9s %8s %8s %10s %6s %8s %10s %9s %11s\n"

func (r *LongReport) writeHeader(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "coffeeshop bench --scenario long: %s, run %s, n=%d, c=%d, a row every %d customers, %s verified, the rest left open\n",
		r.URL, r.RunID, r.N, r.Concurrency, r.ReportEvery, percent(r.VerifyShare))
	fmt.Fprintf(&b, "server: metrics %s; data dir %s\n", orDash(r.MetricsURL), orDash(r.DataDir))
	fmt.Fprintf(&b, "before:  RSS %s MB, %s goroutines, disk %s MB%s\n\n",
		mb(r.Before.RSSBytes), count(r.Before.Goroutines), mb(r.Before.DiskBytes), sampleErrors(r.Before))
	fmt.Fprintf(&b, rowFormat, "customers", "elapsed s", "creates/s", "p50 ms", "p99 ms", "verifies/s", "errors", "RSS MB", "goroutines", "disk MB", "disk/cust B")
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *LongReport) writeRow(w io.Writer, row Row) error {
	perCustomer := "-"
	if row.DiskPerCustomer > 0 {
		perCustomer = fmt.Sprintf("%.0f", row.DiskPerCustomer)
	}
	line := fmt.Sprintf(rowFormat, fmt.Sprint(row.Customers), fmt.Sprintf("%.1f", row.Seconds), fmt.Sprintf("%.1f", row.CreatesPerSec),
		fmt.Sprintf("%.1f", row.CreateP50Ms), fmt.Sprintf("%.1f", row.CreateP99Ms), fmt.Sprintf("%.1f", row.VerifiesPerSec),
		fmt.Sprint(row.Errors), mb(row.RSSBytes), count(row.Goroutines), mb(row.DiskBytes), perCustomer)
	if row.Partial {
		line = strings.TrimSuffix(line, "\n") + "  (partial slice)\n"
	}
	if e := sampleErrors(row.Sample); e != "" {
		line = strings.TrimSuffix(line, "\n") + e + "\n"
	}
	_, err := io.WriteString(w, line)
	return err
}

// WriteSummary prints what follows the rows: the totals, the disk by file
// at the end, and whether each target held.
func (r *LongReport) WriteSummary(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d of %d customers in %.1fs: %d creates, %d verifies; errors: %s; stale answers: %d (must be 0)\n",
		r.Customers, r.N, r.Seconds, r.Creates, r.Verifies, errorCounts(r.CreateErrors, r.VerifyErrors), r.Stale)
	if r.Aborted != "" {
		fmt.Fprintf(&b, "stopped: %s\n", r.Aborted)
	}
	if n := len(r.Rows); n > 0 && len(r.Rows[n-1].DiskFiles) > 0 {
		last := r.Rows[n-1]
		names := make([]string, 0, len(last.DiskFiles))
		for name := range last.DiskFiles {
			names = append(names, name)
		}
		slices.SortFunc(names, func(a, b string) int {
			return cmp.Or(cmp.Compare(last.DiskFiles[b], last.DiskFiles[a]), strings.Compare(a, b))
		})
		var parts []string
		for _, name := range names {
			if last.DiskFiles[name] >= 1_000_000 {
				parts = append(parts, fmt.Sprintf("%s %s MB", name, mb(last.DiskFiles[name])))
			}
		}
		fmt.Fprintf(&b, "disk at the end: %s MB, %.0f bytes a customer; files of 1 MB and more: %s\n",
			mb(last.DiskBytes), last.DiskPerCustomer, orDash(strings.Join(parts, ", ")))
	}
	fmt.Fprintf(&b, "target: throughput at the end ≥ %s of the first slice's: %s\n", percent(MinEndRatio), r.Targets.Throughput)
	fmt.Fprintf(&b, "target: RSS < %d MB at every report: %s\n", MaxRSS/1_000_000, r.Targets.RSS)
	_, err := io.WriteString(w, b.String())
	return err
}

// String is the verdict for people: held, not held or not measured, and
// why.
func (v Verdict) String() string {
	switch {
	case !v.Measured:
		return "not measured (" + v.Detail + ")"
	case v.Held:
		return "held (" + v.Detail + ")"
	}
	return "NOT held (" + v.Detail + ")"
}

// WritePNG draws the run as a PNG of width×height pixels: creates/s and
// verifies/s in one panel, RSS in the other, against customers, each with
// its target as a dashed line.
func (r *LongReport) WritePNG(w io.Writer, width, height int) error {
	var x, creates, verifies, rss []float64
	var rssX []float64
	if r.Before.RSSBytes > 0 {
		rssX, rss = append(rssX, 0), append(rss, float64(r.Before.RSSBytes)/1e6)
	}
	for _, row := range r.Rows {
		if !row.Partial {
			x = append(x, float64(row.Customers))
			creates = append(creates, row.CreatesPerSec)
			verifies = append(verifies, row.VerifiesPerSec)
		}
		if row.RSSBytes > 0 {
			rssX, rss = append(rssX, float64(row.Customers)), append(rss, float64(row.RSSBytes)/1e6)
		}
	}
	throughput := plot.Panel{YLabel: "per second", Series: []plot.Series{
		{Name: "creates/s", X: x, Y: creates, Color: plot.Blue},
		{Name: "verifies/s", X: x, Y: verifies, Color: plot.Green},
	}}
	if full := fullRows(r.Rows); len(full) > 0 {
		throughput.Lines = []plot.Line{{Label: percent(MinEndRatio) + " of the first", Y: MinEndRatio * full[0].CreatesPerSec, Color: plot.Gray}}
	}
	memory := plot.Panel{YLabel: "RSS MB", Series: []plot.Series{{Name: "server RSS", X: rssX, Y: rss, Color: plot.Red}},
		Lines: []plot.Line{{Label: fmt.Sprintf("%d MB", MaxRSS/1_000_000), Y: MaxRSS / 1e6, Color: plot.Gray}}}
	return plot.Encode(w, plot.Figure{
		Width: width, Height: height, XLabel: "customers",
		Title:  fmt.Sprintf("coffeeshop long run: %d customers, c=%d, %s verified", r.Customers, r.Concurrency, percent(r.VerifyShare)),
		Panels: []plot.Panel{throughput, memory},
	})
}

// mb writes bytes in MB (10⁶ bytes) with one decimal, "-" for 0 (not
// measured).
func mb(bytes int64) string {
	if bytes == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(bytes)/1e6)
}

func count(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// percent writes a share as "10 %" (to a tenth of a percent when needed).
func percent(share float64) string {
	p := share * 100
	if p == math.Trunc(p) {
		return fmt.Sprintf("%.0f %%", p)
	}
	return fmt.Sprintf("%.1f %%", p)
}

// sampleErrors is why a sample lacks figures, for the end of its line.
func sampleErrors(s Sample) string {
	var parts []string
	if s.MetricsError != "" {
		parts = append(parts, "metrics: "+s.MetricsError)
	}
	if s.DiskError != "" {
		parts = append(parts, "disk: "+s.DiskError)
	}
	if len(parts) == 0 {
		return ""
	}
	return "  (" + strings.Join(parts, "; ") + ")"
}

// errorCounts writes failed requests as "create 500×2, verify timeout×1",
// or "none".
func errorCounts(create, verify map[string]int) string {
	var parts []string
	for _, op := range []struct {
		name string
		m    map[string]int
	}{{OpCreate, create}, {OpVerify, verify}} {
		for _, k := range errorKeys(op.m) {
			parts = append(parts, fmt.Sprintf("%s %s×%d", op.name, k, op.m[k]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
