package admin

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// ListGuard prints the blocks in force at now, the longest-running first,
// then the sends, verifications and conversion per country over the last
// since, the most sends first. Each part is a title line and a table in
// columns aligned with spaces, none of which holds a space; times are RFC
// 3339 in UTC, to the second.
func ListGuard(ctx context.Context, st coffeeshop.GuardStore, now time.Time, since time.Duration, stdout io.Writer) error {
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
	fmt.Fprintf(w, "\nsends per country since %s (--since %s):\n", stamp(from, ""), coffeeshop.ShortDuration(since))
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

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Unblock lifts the block of prefix and says so.
func Unblock(ctx context.Context, st coffeeshop.GuardStore, prefix string, now time.Time, stdout io.Writer) error {
	err := st.Unblock(ctx, prefix, now)
	if coffeeshop.ErrorCode(err) == coffeeshop.ENOTFOUND {
		return fmt.Errorf("prefix %s is not blocked (guard list shows the blocked prefixes)", prefix)
	} else if err != nil {
		return fmt.Errorf("unblock %s: %w", prefix, err)
	}
	_, err = fmt.Fprintf(stdout, "unblocked %s\n", prefix)
	return err
}
