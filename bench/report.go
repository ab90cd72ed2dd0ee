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
	writeOps(&b, r.Operations)
	fmt.Fprintf(&b, "\nverified/s:    %.1f\n", r.VerifiedPerSec)
	fmt.Fprintf(&b, "stale answers: %d (must be 0)\n", r.Stale)
	if r.Expired > 0 {
		fmt.Fprintf(&b, "expired codes: %d (older than the server's code TTL when sent: raise dev's --code-ttl for large -n)\n", r.Expired)
	}
	fmt.Fprintf(&b, "not verified:  %d of %d\n", r.NotVerified, r.N)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeOps prints one line per operation under a header.
func writeOps(b *strings.Builder, ops []OpStats) {
	fmt.Fprintf(b, "%-13s %8s %8s %9s %9s %9s %9s %9s  %s\n", "operation", "requests", "ok", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors")
	for _, op := range ops {
		errs := "-"
		if len(op.Errors) > 0 {
			var parts []string
			for _, k := range errorKeys(op.Errors) {
				parts = append(parts, fmt.Sprintf("%s×%d", k, op.Errors[k]))
			}
			errs = strings.Join(parts, " ")
		}
		fmt.Fprintf(b, "%-13s %8d %8d %9.1f %9.1f %9.1f %9.1f %9.1f  %s\n",
			op.Name, op.Requests, op.OK, op.Throughput, op.P50, op.P95, op.P99, op.Max, errs)
	}
}

// WriteJSON prints r as one indented JSON object, the fields named by
// Report's and OpStats' json tags.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText prints r for people: the operations, then what the attack got
// and what the legitimate customers got, then each attacked prefix.
func (r *PumpingReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "coffeeshop bench --scenario pumping: %s, run %s, c=%d, %.2fs\n", r.URL, r.RunID, r.Concurrency, r.Seconds)
	prefixes := "prefixes"
	if r.AttackPrefixes == 1 {
		prefixes = "prefix"
	}
	wrong := ""
	if r.AttackWrongCodes {
		wrong = " (each that got a code entered wrong codes until its verification ended)"
	}
	fmt.Fprintf(&b, "%d legitimate customers on prefixes of their own; %d attack signups on %d %s, never verified%s; every request from its own address\n\n",
		r.Legit, r.Attack, r.AttackPrefixes, prefixes, wrong)
	writeOps(&b, r.Operations)
	fmt.Fprintf(&b, "\ntexts to attack numbers: %d of %d signups\n", r.AttackTexts, r.Attack)
	if r.AttackWrongCodes {
		fmt.Fprintf(&b, "  of which after wrong codes: %d (the server's %s)\n", r.AttackWrongTexts, metricSMSSent)
		fmt.Fprintf(&b, "wrong codes answered:    %s\n", counts(r.AttackVerifies))
	}
	fmt.Fprintf(&b, "attack signups refused:  %s\n", counts(r.AttackRefused))
	fmt.Fprintf(&b, "legitimate customers:    %d of %d verified; refused: %s (must be none)\n", r.LegitVerified, r.Legit, counts(r.LegitRefused))
	fmt.Fprintf(&b, "\n%-16s %8s %6s  %s\n", "attacked prefix", "signups", "texts", "blocked after")
	if r.AttackWrongCodes {
		b.WriteString("(texts: the first codes only)\n")
	}
	for _, p := range r.Prefixes {
		after := "not blocked"
		if p.Blocked {
			after = fmt.Sprintf("%.3fs", p.SecondsToBlock)
		}
		fmt.Fprintf(&b, "%-16s %8d %6d  %s\n", p.Prefix, p.Signups, p.Texts, after)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints r as one indented JSON object.
func (r *PumpingReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// counts writes m as "A×3 B×1", the largest first; "none" when empty.
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
