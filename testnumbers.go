package coffeeshop

import (
	"fmt"
	"strings"
)

// TestNumbers are phone numbers set aside for tests and app-store
// reviewers: they get a fixed code, are never texted and count against
// no limit, ledger or guard. The zero value holds none.
type TestNumbers struct {
	ranges []numberRange
}

// numberRange is the E.164 numbers from lo to hi, both included, all of
// one length.
type numberRange struct{ lo, hi string }

// ParseTestNumbers reads a comma-separated list of E.164 numbers and
// FROM-TO ranges of numbers of one length ("+447700900000-+447700900999").
// An empty list holds none.
func ParseTestNumbers(s string) (TestNumbers, error) {
	var t TestNumbers
	if strings.TrimSpace(s) == "" {
		return t, nil
	}
	for i, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		lo, hi, isRange := strings.Cut(entry, "-")
		if !isRange {
			hi = lo
		}
		lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
		switch {
		case !IsE164(lo) || !IsE164(hi):
			return TestNumbers{}, fmt.Errorf("entry %d %q: want an E.164 number (+ and 7 to 15 digits) or FROM-TO", i+1, entry)
		case len(lo) != len(hi):
			return TestNumbers{}, fmt.Errorf("entry %d %q: both ends of a range must have as many digits", i+1, entry)
		case lo > hi:
			return TestNumbers{}, fmt.Errorf("entry %d %q: the range ends before it starts", i+1, entry)
		}
		t.ranges = append(t.ranges, numberRange{lo, hi})
	}
	return t, nil
}

// Contains reports whether the E.164 number e164 is a test number.
func (t TestNumbers) Contains(e164 string) bool {
	for _, r := range t.ranges {
		// Numbers of one length order as their strings do.
		if len(e164) == len(r.lo) && r.lo <= e164 && e164 <= r.hi {
			return true
		}
	}
	return false
}

// Empty reports whether t holds no number.
func (t TestNumbers) Empty() bool { return len(t.ranges) == 0 }

// String writes t as ParseTestNumbers reads it.
func (t TestNumbers) String() string {
	parts := make([]string, len(t.ranges))
	for i, r := range t.ranges {
		parts[i] = r.lo
		if r.hi != r.lo {
			parts[i] += "-" + r.hi
		}
	}
	return strings.Join(parts, ",")
}
