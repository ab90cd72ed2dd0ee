package coffeeshop_test

import (
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop"
)

func TestMaskPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"+447911123456", "+44•••••••456"},     // GB: two-digit country code
		{"+14155550123", "+1•••••••123"},       // NANP: one digit
		{"+79161234567", "+7•••••••567"},       // Russia: one digit
		{"+3531234567", "+353•••••67"},         // Ireland: three digits
		{"+35312345", "+353•••45"},             // short national number: two stay
		{"+3531234", "+353••••"},               // four national digits: none stay
		{"07911123456", "•••••••••56"},         // not E.164: all but two
		{"+44 7911 123456", "•••••••••••••56"}, // spaces: not E.164
		{"12345", "•••••"},
		{"", ""},
	} {
		if got := coffeeshop.MaskPhone(tc.in); got != tc.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestMaskPhoneHidesMost checks for every country code length that no more
// than the country code and three digits of a valid number survive.
func TestMaskPhoneHidesMost(t *testing.T) {
	for _, in := range []string{"+12025550173", "+447700900123", "+8613812345678", "+380441234567", "+999123456789012"} {
		got := coffeeshop.MaskPhone(in)
		// Digits before the first • (after the "+") and after the last one.
		shown := strings.IndexFunc(got, func(r rune) bool { return r == '•' }) - 1 + len(got[strings.LastIndex(got, "•")+len("•"):])
		if shown > 6 {
			t.Errorf("MaskPhone(%q) = %q shows %d digits", in, got, shown)
		}
		if strings.Contains(got, in[len(in)-6:]) {
			t.Errorf("MaskPhone(%q) = %q shows the last six digits", in, got)
		}
	}
}
