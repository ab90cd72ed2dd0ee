package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/internal/cli"
)

// runGuard runs guard list or unblock against the store the command's
// flags name. It opens the store as the service does, so it works while
// the service runs.
func runGuard(ctx context.Context, cmd cli.Command, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, keysTimeout)
	defer cancel()
	st, _, _, err := openCommandStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	switch c := cmd.(type) {
	case *cli.GuardList:
		return listGuard(ctx, st, now, c.Since, stdout)
	case *cli.GuardUnblock:
		return unblockPrefix(ctx, st, c.Prefix, now, stdout)
	}
	return fmt.Errorf("not a guard command: %T", cmd)
}

// listGuard prints the blocks in force at now, the longest-running first,
// then the sends, verifications and conversion per country over the last
// since, the most sends first. Each part is a title line and a table in
// columns aligned with spaces, none of which holds a space; times are RFC
// 3339 in UTC, to the second.
func listGuard(ctx context.Context, st coffeeshop.GuardStore, now time.Time, since time.Duration, stdout io.Writer) error {
	blocks, err := st.GuardBlocks(ctx, now)
	if err != nil {
		return fmt.Errorf("list the blocks: %w", err)
	}
	from := now.Add(-since)
	counts, err := st.GuardCountries(ctx, from)
	if err != nil {
		return fmt.Errorf("count the sends per country: %w", err)
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "blocked prefixes at %s: %d\n", stamp(now, ""), len(blocks))
	fmt.Fprintln(w, "PREFIX\tCOUNTRY\tSINCE\tUNTIL\tSTRIKES\tSENDS\tVERIFIED")
	for _, b := range blocks {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t%d\n", b.Prefix, orDash(b.Country),
			stamp(b.Since, ""), stamp(b.Until, ""), b.Strikes, b.Sends, b.Verified)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nsends per country since %s (--since %s):\n", stamp(from, ""), shortDuration(since))
	fmt.Fprintln(w, "COUNTRY\tSENDS\tVERIFIED\tCONVERSION")
	for _, c := range counts {
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\n", orDash(c.Country), c.Sends, c.Verified, conversion(c))
	}
	return w.Flush()
}

// conversion writes verified/sends as a percentage, "-" without sends.
func conversion(c coffeeshop.GuardCount) string {
	if c.Sends == 0 {
		return "-"
	}
	return strconv.FormatFloat(100*float64(c.Verified)/float64(c.Sends), 'f', 1, 64) + "%"
}

// shortDuration writes d without zero minutes and seconds: 24h, 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// unblockPrefix lifts the block of prefix and says so.
func unblockPrefix(ctx context.Context, st coffeeshop.GuardStore, prefix string, now time.Time, stdout io.Writer) error {
	err := st.Unblock(ctx, prefix, now)
	if coffeeshop.ErrorCode(err) == coffeeshop.ENOTFOUND {
		return fmt.Errorf("prefix %s is not blocked (guard list shows the blocked prefixes)", prefix)
	} else if err != nil {
		return fmt.Errorf("unblock %s: %w", prefix, err)
	}
	_, err = fmt.Fprintf(stdout, "unblocked %s\n", prefix)
	return err
}
