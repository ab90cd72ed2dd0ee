package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/pgtest"
)

func TestGuardCommands(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) ([]string, store)
	}{
		{"SQLite", func(t *testing.T) ([]string, store) {
			dir := filepath.Join(t.TempDir(), "data")
			return []string{"--data-dir", dir}, openTestStore(t, "sqlite", filepath.Join(dir, "customers.db"))
		}},
		{"PostgreSQL", func(t *testing.T) ([]string, store) {
			url := pgtest.URL(t)
			return []string{"--database-url", url}, openTestStore(t, "postgres", url)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			flags, st := tc.open(t)
			testGuardCommands(t, flags, st)
		})
	}
}

func openTestStore(t *testing.T, kind, target string) store {
	t.Helper()
	st, err := openStoreAt(t.Context(), kind, target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// guardBlockLine and guardCountryLine match the lines of guard list's two
// tables.
var (
	guardBlockLine   = regexp.MustCompile(`^(\+\d+) +(\S+) +(\S+) +(\S+) +(\d+) +(\d+) +(\d+)$`)
	guardCountryLine = regexp.MustCompile(`^(\S+) +(\d+) +(\d+) +(\S+)$`)
)

// guardList runs guard list and returns its blocks' and countries' lines,
// split into their columns.
func guardList(t *testing.T, flags ...string) (blocks, countries [][]string) {
	t.Helper()
	code, out, errOut := runSplit(t, append([]string{"guard", "list"}, flags...)...)
	if code != 0 {
		t.Fatalf("guard list: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	part1, part2, ok := strings.Cut(out, "\n\n")
	if !ok {
		t.Fatalf("guard list: not two parts: %q", out)
	}
	lines := strings.Split(part1, "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "blocked prefixes at ") || !strings.HasPrefix(lines[1], "PREFIX ") {
		t.Fatalf("guard list: no title and header for the blocks: %q", out)
	}
	for _, l := range lines[2:] {
		m := guardBlockLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("guard list: line %q is not prefix, country, since, until, strikes, sends, verified", l)
		}
		blocks = append(blocks, m[1:])
	}
	lines = strings.Split(strings.TrimSuffix(part2, "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "sends per country since ") || !strings.HasPrefix(lines[1], "COUNTRY ") {
		t.Fatalf("guard list: no title and header for the countries: %q", out)
	}
	for _, l := range lines[2:] {
		m := guardCountryLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("guard list: line %q is not country, sends, verified, conversion", l)
		}
		countries = append(countries, m[1:])
	}
	return blocks, countries
}

func testGuardCommands(t *testing.T, flags []string, st store) {
	if blocks, countries := guardList(t, flags...); len(blocks) != 0 || len(countries) != 0 {
		t.Fatalf("guard list of a new store: %q, %q", blocks, countries)
	}
	// An attack on one GB prefix, legitimate customers on another, and an
	// earlier US send beyond --since 1h.
	p := coffeeshop.GuardPolicy{Window: time.Hour, MinSends: 10, MinConversion: 0.2, BlockFor: 15 * time.Minute, MaxBlock: 24 * time.Hour}
	now := time.Now().UTC()
	ctx := context.Background()
	admit := func(prefix, country string, at time.Time) coffeeshop.GuardDecision {
		d, err := st.AdmitSend(ctx, coffeeshop.GuardSend{Prefix: prefix, Country: country}, p, at)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	admit("+1415555", "US", now.Add(-3*time.Hour))
	for i := range 10 {
		admit("+447700900", "GB", now.Add(time.Duration(i-20)*time.Second))
	}
	for i := range 4 {
		good := coffeeshop.GuardSend{Prefix: "+447911123", Country: "GB"}
		admit(good.Prefix, good.Country, now.Add(-time.Minute))
		if i < 3 {
			if err := st.RecordVerified(ctx, "c"+string(rune('0'+i)), good, now.Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}

	blocks, countries := guardList(t, append(flags, "--since", "1h")...)
	if len(blocks) != 1 {
		t.Fatalf("guard list: blocks %q, want the attacked prefix's", blocks)
	}
	b := blocks[0]
	since, err1 := time.Parse(time.RFC3339, b[2])
	until, err2 := time.Parse(time.RFC3339, b[3])
	if err1 != nil || err2 != nil || until.Sub(since) != 15*time.Minute || since.After(now) || since.Before(now.Add(-time.Minute)) {
		t.Errorf("guard list: block from %q until %q, want 15 minutes from about now in RFC 3339", b[2], b[3])
	}
	if got := strings.Join([]string{b[0], b[1], b[4], b[5], b[6]}, " "); got != "+447700900 GB 1 10 0" {
		t.Errorf("guard list: block %q, want prefix +447700900, GB, strike 1, 10 sends, 0 verified", b)
	}
	want := "GB 13 3 23.1%" // 9 sends of the attack allowed, 4 legitimate; 3 verified
	if len(countries) != 1 || strings.Join(countries[0], " ") != want {
		t.Errorf("guard list --since 1h: countries %q, want %q", countries, want)
	}
	if _, countries := guardList(t, flags...); len(countries) != 2 || strings.Join(countries[1], " ") != "US 1 0 0.0%" {
		t.Errorf("guard list (--since 24h): countries %q, want GB then US", countries)
	}

	code, out, errOut := runSplit(t, append([]string{"guard", "unblock", "+447700900"}, flags...)...)
	if code != 0 || out != "unblocked +447700900\n" {
		t.Fatalf("guard unblock: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if blocks, _ := guardList(t, flags...); len(blocks) != 0 {
		t.Errorf("guard list after unblocking: %q", blocks)
	}
	if d := admit("+447700900", "GB", now); !d.Allowed {
		t.Errorf("a send to the unblocked prefix: %+v, want allowed", d)
	}
	for _, prefix := range []string{"+447700900", "+44"} {
		code, out, errOut = runSplit(t, append([]string{"guard", "unblock", prefix}, flags...)...)
		if code != 1 || out != "" || !strings.Contains(errOut, "prefix "+prefix+" is not blocked") {
			t.Errorf("guard unblock of %s, not blocked: exit %d, stdout %q, stderr %q; want exit 1 saying so", prefix, code, out, errOut)
		}
	}
	for _, prefix := range []string{"447700900", "+44 7700", "+", "+4477009001234567", "-1"} {
		code, out, errOut = runSplit(t, append(append([]string{"guard", "unblock"}, flags...), "--", prefix)...)
		if code != 2 || out != "" || !strings.Contains(errOut, "not a number prefix") {
			t.Errorf("guard unblock %q: exit %d, stdout %q, stderr %q; want exit 2", prefix, code, out, errOut)
		}
	}
}
