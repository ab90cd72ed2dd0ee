package coffeeshop

import "strings"

// maskRune stands for each hidden digit of a masked phone number.
const maskRune = "•"

// MaskPhone returns a phone number fit for logs: for an E.164 number the
// "+", the country code and the last digits stay, every other digit becomes
// "•" ("+447911123456" → "+44•••••••456"). Enough stays to tell test numbers
// apart and to see the country; too little to call or identify anyone. At
// least half of the national digits are always hidden: three stay of eight
// or more, two of five to seven, none of fewer. Input that is not E.164 ("+"
// and 7 to 15 digits) is masked whole but for its last two characters when
// it has six or more, so that a malformed number in a log leaks no more than
// a valid one.
func MaskPhone(e164 string) string {
	if !IsE164(e164) {
		if len(e164) < 6 {
			return strings.Repeat(maskRune, len(e164))
		}
		return strings.Repeat(maskRune, len(e164)-2) + e164[len(e164)-2:]
	}
	digits := e164[1:]
	cc := countryCodeLen(digits)
	national := len(digits) - cc
	keep := 0
	switch {
	case national >= 8:
		keep = 3
	case national >= 5:
		keep = 2
	}
	return "+" + digits[:cc] + strings.Repeat(maskRune, national-keep) + digits[len(digits)-keep:]
}

// countryCodeLen returns the length of the ITU-T E.164 country code that
// digits start with. Country codes are prefix-free: 1 and 7 are the only
// one-digit codes, the two-digit codes are listed below, and every other
// code has three digits. An unassigned prefix counts as three digits, which
// hides more, not less.
func countryCodeLen(digits string) int {
	switch digits[0] {
	case '1', '7':
		return 1
	}
	switch digits[:2] {
	case "20", "27",
		"30", "31", "32", "33", "34", "36", "39",
		"40", "41", "43", "44", "45", "46", "47", "48", "49",
		"51", "52", "53", "54", "55", "56", "57", "58",
		"60", "61", "62", "63", "64", "65", "66",
		"81", "82", "84", "86",
		"90", "91", "92", "93", "94", "95", "98":
		return 2
	}
	return 3
}
