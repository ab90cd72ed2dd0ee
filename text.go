package coffeeshop

import (
	"strings"
	"time"
)

// IsDigits reports whether s is one or more ASCII digits.
func IsDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// IsVisibleASCII reports whether s is one or more printable ASCII
// characters other than space: a value that fits a header or a log line
// as it is.
func IsVisibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}

// IsE164 reports whether s is a phone number in E.164 form: "+" followed
// by 7 to 15 digits, the first not zero.
func IsE164(s string) bool {
	return len(s) >= 8 && len(s) <= 16 && s[0] == '+' && s[1] != '0' && IsDigits(s[1:])
}

// CeilSecond rounds d up to whole seconds, the unit of a Retry-After
// header.
func CeilSecond(d time.Duration) time.Duration {
	return (d + time.Second - 1).Truncate(time.Second)
}

// ShortDuration writes d without trailing zero units: 2m, not 2m0s; 24h,
// not 24h0m0s; 1h30m.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
