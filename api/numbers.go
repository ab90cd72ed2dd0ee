package api

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/coffeeshop/coffeeshop"
)

// Countries is a set of ISO 3166 regions whose phone numbers a create
// accepts. The zero value accepts every country ("*").
type Countries struct {
	only []string // sorted; nil means every country
}

// AllCountries accepts the numbers of every country.
func AllCountries() Countries { return Countries{} }

// CountriesOf accepts the numbers of the given regions only.
func CountriesOf(regions ...string) Countries {
	only := slices.Clone(regions)
	slices.Sort(only)
	return Countries{only: slices.Compact(only)}
}

// ParseCountries reads "*" (every country) or a comma-separated list of
// ISO 3166 region codes such as "GB,GG,JE,IM"; codes are case-insensitive.
func ParseCountries(s string) (Countries, error) {
	s = strings.TrimSpace(s)
	if s == "*" {
		return AllCountries(), nil
	}
	var regions []string
	for _, part := range strings.Split(s, ",") {
		r := strings.ToUpper(strings.TrimSpace(part))
		if !ValidPhoneRegion(r) {
			return Countries{}, fmt.Errorf("%q: want * or comma-separated ISO 3166 region codes such as GB,IE", s)
		}
		regions = append(regions, r)
	}
	return CountriesOf(regions...), nil
}

// All reports whether c accepts every country.
func (c Countries) All() bool { return c.only == nil }

// Allows reports whether numbers of region are accepted.
func (c Countries) Allows(region string) bool {
	if c.only == nil {
		return true
	}
	_, found := slices.BinarySearch(c.only, region)
	return found
}

// String writes c as ParseCountries reads it.
func (c Countries) String() string {
	if c.only == nil {
		return "*"
	}
	return strings.Join(c.only, ",")
}

// NumberRules say which valid phone numbers a create accepts: those of the
// allowed countries, of a type that can receive a text and costs nothing
// extra. The zero value accepts every country and refuses VoIP.
type NumberRules struct {
	// Countries are the regions whose numbers are accepted.
	Countries Countries
	// GeoMonitor only counts and logs the numbers of other countries, and
	// accepts them: to learn where customers come from before enforcing.
	GeoMonitor bool
	// AllowVoIP accepts VoIP numbers, which receive texts but are cheap
	// to get in bulk.
	AllowVoIP bool
}

// Refusal modes, as the metrics label them.
const (
	ModeEnforce = "enforce"
	ModeMonitor = "monitor"
)

// numberTypeWords names the number types a create refuses, as a message
// says them after "is".
var numberTypeWords = map[phonenumbers.PhoneNumberType]string{
	phonenumbers.FIXED_LINE:      "a fixed-line (landline) number",
	phonenumbers.TOLL_FREE:       "a toll-free number",
	phonenumbers.PREMIUM_RATE:    "a premium-rate number",
	phonenumbers.SHARED_COST:     "a shared-cost number",
	phonenumbers.VOIP:            "a VoIP number",
	phonenumbers.PERSONAL_NUMBER: "a personal (follow-me) number",
	phonenumbers.PAGER:           "a pager number",
	phonenumbers.UAN:             "a universal access number (UAN)",
	phonenumbers.VOICEMAIL:       "a voicemail access number",
	phonenumbers.UNKNOWN:         "a number of unknown type",
}

// typeAllowed reports whether a number of type t may be texted a code:
// a mobile, a number that may be mobile (as in the US, whose numbering
// does not tell), or VoIP when allowed.
func (r NumberRules) typeAllowed(t phonenumbers.PhoneNumberType) bool {
	switch t {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return true
	case phonenumbers.VOIP:
		return r.AllowVoIP
	}
	return false
}

// regionOf returns the ISO 3166 region of an E.164 number, "001" for a
// non-geographic one (an international network or service), "ZZ" when
// it does not parse.
func regionOf(e164 string) (string, *phonenumbers.PhoneNumber) {
	n := parseNumber(e164, DefaultPhoneRegion)
	if n == nil {
		return "ZZ", nil
	}
	return phonenumbers.GetRegionCodeForNumber(n), n
}

// describeRegion names a region in a message.
func describeRegion(region string) string {
	switch region {
	case "001":
		return "no country (a non-geographic number)"
	case "ZZ", "":
		return "no known country"
	}
	return "country " + region
}

// checkNumber applies s.Numbers to the valid E.164 number phone of a
// create, and returns its region. The country is checked first: a number
// of another country is refused whatever its type. A refusal is EFORBIDDEN
// with a reason; it is counted and logged with the number masked.
func (s *Server) checkNumber(ctx context.Context, phone string) (string, error) {
	region, n, err := s.checkCountry(ctx, phone)
	if err != nil {
		return region, err
	}
	return region, s.checkType(ctx, phone, region, n)
}

// checkCountry applies s.Numbers' countries to phone, as checkNumber does,
// and returns its region and parsed number (nil if it does not parse).
func (s *Server) checkCountry(ctx context.Context, phone string) (string, *phonenumbers.PhoneNumber, error) {
	rules := s.Numbers
	region, n := regionOf(phone)
	if !rules.Countries.Allows(region) {
		mode := ModeEnforce
		if rules.GeoMonitor {
			mode = ModeMonitor
		}
		s.guardMetrics().GuardRefused(coffeeshop.ReasonCountryNotAllowed, mode)
		s.logger().LogAttrs(ctx, slog.LevelInfo, "phone number of a country not allowed",
			slog.String("phone", coffeeshop.MaskPhone(phone)),
			slog.String("country", region),
			slog.String("mode", mode))
		if !rules.GeoMonitor {
			return region, n, &coffeeshop.Error{Code: coffeeshop.EFORBIDDEN, Reason: coffeeshop.ReasonCountryNotAllowed,
				Message: fmt.Sprintf("%s is a number of %s; this service accepts numbers of %s only",
					coffeeshop.FieldPhoneNumber, describeRegion(region), rules.Countries)}
		}
	}
	return region, n, nil
}

// checkType applies s.Numbers' number types to phone (n, of region), as
// checkNumber does.
func (s *Server) checkType(ctx context.Context, phone, region string, n *phonenumbers.PhoneNumber) error {
	rules := s.Numbers
	t := phonenumbers.UNKNOWN
	if n != nil {
		t = phonenumbers.GetNumberType(n)
	}
	if !rules.typeAllowed(t) {
		words := numberTypeWords[t]
		if words == "" {
			words = numberTypeWords[phonenumbers.UNKNOWN]
		}
		s.guardMetrics().GuardRefused(coffeeshop.ReasonNumberTypeNotAllowed, ModeEnforce)
		s.logger().LogAttrs(ctx, slog.LevelInfo, "phone number of a type not allowed",
			slog.String("phone", coffeeshop.MaskPhone(phone)),
			slog.String("country", region),
			slog.String("type", strings.TrimPrefix(words, "a ")))
		return &coffeeshop.Error{Code: coffeeshop.EFORBIDDEN, Reason: coffeeshop.ReasonNumberTypeNotAllowed,
			Message: fmt.Sprintf("%s is %s, which cannot be sent verification codes; give a mobile number",
				coffeeshop.FieldPhoneNumber, words)}
	}
	return nil
}
