package api

import (
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// DefaultPhoneRegion is the region of national phone numbers when none is
// configured: the demo's numbers are British.
const DefaultPhoneRegion = "GB"

// ValidPhoneRegion reports whether region is a region phone numbers can be
// read in, such as "GB" or "US".
func ValidPhoneRegion(region string) bool {
	_, ok := phonenumbers.GetSupportedRegions()[region]
	return ok
}

// maxPhoneLen bounds the characters (code points, as the input rules count
// them) of a phone number as written that are parsed; no real number is
// longer, and it keeps the parser's work small.
const maxPhoneLen = 64

// parseNumber reads a phone number written internationally (+…) or in the
// national form of region; nil when it does not parse.
func parseNumber(s, region string) *phonenumbers.PhoneNumber {
	if utf8.RuneCountInString(s) > maxPhoneLen {
		return nil
	}
	n, err := phonenumbers.Parse(s, region)
	if err != nil {
		return nil
	}
	return n
}

// parsePhone reads a phone number as parseNumber does and returns it in
// E.164 form, so that one phone has one spelling; "" when it does not
// parse. valid reports whether the number is one that can exist by
// libphonenumber's rules, a check that costs more than the parse.
func parsePhone(s, region string) (e164 string, valid bool) {
	n := parseNumber(s, region)
	if n == nil {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), phonenumbers.IsValidNumber(n)
}

// phoneRegion is the region national numbers are read in.
func (s *Server) phoneRegion() string {
	if s.PhoneRegion == "" {
		return DefaultPhoneRegion
	}
	return s.PhoneRegion
}

// ExamplePhone is a valid mobile number of region in E.164 form, to show
// people what a number looks like (the signup page); "" for a region
// without one.
func ExamplePhone(region string) string {
	n := phonenumbers.GetExampleNumberForType(region, phonenumbers.MOBILE)
	if n == nil {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}
