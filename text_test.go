package coffeeshop

import (
	"testing"
	"time"
)

func TestIsDigits(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "0123456789": true, "": false, "12a": false, "+1": false, "１２": false} {
		if got := IsDigits(s); got != want {
			t.Errorf("IsDigits(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestIsVisibleASCII(t *testing.T) {
	for s, want := range map[string]bool{"abc-123_~!": true, "": false, "a b": false, "a\tb": false, "é": false, "a\x7f": false} {
		if got := IsVisibleASCII(s); got != want {
			t.Errorf("IsVisibleASCII(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestIsE164(t *testing.T) {
	for s, want := range map[string]bool{"+447911123456": true, "+1234567": true, "+123456789012345": true,
		"+123456": false, "+1234567890123456": false, "+0447911123456": false, "447911123456": false, "+44 7911": false} {
		if got := IsE164(s); got != want {
			t.Errorf("IsE164(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCeilSecond(t *testing.T) {
	for d, want := range map[time.Duration]time.Duration{0: 0, time.Nanosecond: time.Second, time.Second: time.Second,
		1500 * time.Millisecond: 2 * time.Second, 29*time.Second + 1: 30 * time.Second} {
		if got := CeilSecond(d); got != want {
			t.Errorf("CeilSecond(%v) = %v, want %v", d, got, want)
		}
	}
}
