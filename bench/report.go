package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText prints r for people: one line per operation, then the totals.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	wf := ""
	if r.WrongFirst {
		wf = ", wrong code first"
	}
	fmt.Fprintf(&b, "coffeeshop bench: %s, run %s, n=%d, c=%d%s, %.2fs\n\n", r.URL, r.RunID, r.N, r.Concurrency, wf, r.Seconds)
	fmt.Fprintf(&b, "%-13s %8s %8s %9s %9s %9s %9s %9s  %s\n", "operation", "requests", "ok", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors")
	for _, op := range r.Operations {
		errs := "-"
		if len(op.Errors) > 0 {
			var parts []string
			for _, k := range errorKeys(op.Errors) {
				parts = append(parts, fmt.Sprintf("%s×%d", k, op.Errors[k]))
			}
			errs = strings.Join(parts, " ")
		}
		fmt.Fprintf(&b, "%-13s %8d %8d %9.1f %9.1f %9.1f %9.1f %9.1f  %s\n",
			op.Name, op.Requests, op.OK, op.Throughput, op.P50, op.P95, op.P99, op.Max, errs)
	}
	fmt.Fprintf(&b, "\nverified/s:    %.1f\n", r.VerifiedPerSec)
	fmt.Fprintf(&b, "stale answers: %d (must be 0)\n", r.Stale)
	if r.Expired > 0 {
		fmt.Fprintf(&b, "expired codes: %d (older than the server's code TTL when sent: raise dev's --code-ttl for large -n)\n", r.Expired)
	}
	fmt.Fprintf(&b, "not verified:  %d of %d\n", r.NotVerified, r.N)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints r as one indented JSON object, the fields named by
// Report's and OpStats' json tags.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
