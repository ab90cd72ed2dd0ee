package api

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// Limits on client input. They keep rows and log lines bounded; they are not
// meant to decide which names or addresses are real.
const (
	maxNameLen  = 100 // characters in a first or last name
	maxEmailLen = 254 // the longest address SMTP can carry
	maxBatchIDs = 100
	maxEcho     = 64 // bytes of a bad value quoted back in an error message
)

// invalid returns an EINVALID error with a message for the client.
func invalid(format string, args ...any) error {
	return coffeeshop.Errorf(coffeeshop.EINVALID, format, args...)
}

// parseID checks that s, the value of the named field, is a UUID in its
// canonical hyphenated form and returns it in lower case, the form the
// service generates, so that an ID written in upper case still finds its
// customer.
func parseID(field, s string) (string, error) {
	if s == "" {
		return "", invalid("%s is required", field)
	}
	id, ok := coffeeshop.CanonicalID(s)
	if !ok {
		return "", invalid("%s %q is not a UUID", field, echo(s))
	}
	return id, nil
}

// idRequest is a request that names one customer.
type idRequest interface{ GetCustomerId() string }

// customerID returns the checked customer_id of req (parseID).
func customerID(req idRequest) (string, error) {
	return parseID(coffeeshop.FieldCustomerID, req.GetCustomerId())
}

// normalize trims surrounding spaces (U+0020 only: a tab or newline is
// refused, not hidden) from s and, when it is valid UTF-8,
// puts it in Unicode normalisation form C, so that one name has one
// spelling in the stores and its length counts the characters a person
// sees ("é" written as e and a combining accent is one).
func normalize(s string) string {
	s = strings.Trim(s, " ")
	if !utf8.ValidString(s) {
		return s // refused by checkText
	}
	return norm.NFC.String(s)
}

// echo shortens a client-supplied value for quoting in an error message.
func echo(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// newCustomer validates the customer of a create request and returns it as
// a domain customer without ID. Surrounding spaces are trimmed, and names
// and email are NFC-normalised (normalize) before they are checked. The ID and
// phone_verified a client may send are ignored: the service owns both.
// Fields are checked in wire order and the first problem is reported.
//
// The phone number is stored in E.164 form (parsePhone), so that the
// uniqueness of numbers means something.
func (s *Server) newCustomer(pc *customerv1.Customer) (*coffeeshop.Customer, error) {
	if pc == nil {
		return nil, invalid("%s is required", coffeeshop.FieldCustomer)
	}
	c := &coffeeshop.Customer{
		FirstName:   normalize(pc.GetFirstName()),
		LastName:    normalize(pc.GetLastName()),
		Email:       normalize(pc.GetEmail()),
		PhoneNumber: strings.TrimSpace(pc.GetPhoneNumber()),
	}
	for _, f := range []struct {
		name, value string
		check       func(string) string
	}{
		{coffeeshop.FieldFirstName, c.FirstName, checkName},
		{coffeeshop.FieldLastName, c.LastName, checkName},
		{coffeeshop.FieldEmail, c.Email, checkEmail},
		{coffeeshop.FieldPhoneNumber, c.PhoneNumber, checkPhoneText},
	} {
		if f.value == "" {
			return nil, invalid("%s is required", f.name)
		}
		if problem := f.check(f.value); problem != "" {
			return nil, invalid("%s %s", f.name, problem)
		}
	}
	phone, valid := parsePhone(c.PhoneNumber, s.phoneRegion())
	// Test numbers are often from ranges set aside for fiction
	// (+447700900xxx), which libphonenumber does not call valid.
	if !valid && !s.TestNumbers.Contains(phone) {
		return nil, invalid("%s must be a valid phone number, such as +14155550100", coffeeshop.FieldPhoneNumber)
	}
	c.PhoneNumber = phone
	return c, nil
}

// The check functions return "" for an acceptable value, or what is wrong
// with it, worded to follow the field name. The input rules they enforce
// are written down in docs/operations.md ("Input rules"); every text field
// meets them before anything is stored or started, so that every store
// (SQLite accepts a NUL, PostgreSQL refuses it) gives the same answer.

// checkText applies the rules of every text field: valid UTF-8, and no
// control characters (C0 including tab and newline, DEL, C1, and the line
// and paragraph separators, which break a line as a newline does).
func checkText(s string) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	if strings.ContainsFunc(s, isControl) {
		return "must not contain control characters"
	}
	return ""
}

// checkFreeText adds to checkText the rule of text a person reads: no
// bidirectional formatting characters, which can make a name display as
// something else than it is.
func checkFreeText(s string) string {
	if p := checkText(s); p != "" {
		return p
	}
	if strings.ContainsFunc(s, isBidiControl) {
		return "must not contain bidirectional control characters"
	}
	return ""
}

func isControl(r rune) bool {
	return r < 0x20 || r >= 0x7f && r <= 0x9f || r == '\u2028' || r == '\u2029'
}

// isBidiControl reports Unicode's bidirectional controls (the Bidi_Control
// property): the Arabic letter mark U+061C, LRM and RLM, the embeddings and
// overrides U+202A–U+202E and the isolates U+2066–U+2069.
func isBidiControl(r rune) bool {
	return unicode.Is(unicode.Bidi_Control, r)
}

// checkPhoneText checks a phone number as written: the rules of every
// text field, and at most maxPhoneLen characters, the most parsePhone
// reads.
func checkPhoneText(s string) string {
	if p := checkText(s); p != "" {
		return p
	}
	if utf8.RuneCountInString(s) > maxPhoneLen {
		return fmt.Sprintf("must be at most %d characters", maxPhoneLen)
	}
	return ""
}

// checkName checks a first or last name, NFC-normalised already; its
// length is counted in characters, as both stores count text.
func checkName(s string) string {
	if p := checkFreeText(s); p != "" {
		return p
	}
	if utf8.RuneCountInString(s) > maxNameLen {
		return fmt.Sprintf("must be at most %d characters", maxNameLen)
	}
	return ""
}

// maxLocalPartLen is the longest local part SMTP carries (RFC 5321).
const maxLocalPartLen = 64

// checkEmail checks an email address, NFC-normalised already: one @, a
// local part of at most 64 characters, and a domain of at least two
// dot-separated labels of letters, digits and inner hyphens, each at most
// 63 characters. It is no full RFC 5322 parser: quoted local parts and
// address literals are refused, which no signup needs.
func checkEmail(s string) string {
	if p := checkFreeText(s); p != "" {
		return p
	}
	const shape = "must be an address like name@example.com"
	at := strings.IndexByte(s, '@')
	switch {
	case utf8.RuneCountInString(s) > maxEmailLen:
		return fmt.Sprintf("must be at most %d characters", maxEmailLen)
	case strings.ContainsFunc(s, unicode.IsSpace):
		return "must not contain spaces"
	case at <= 0 || at == len(s)-1 || strings.Count(s, "@") != 1:
		return shape
	case utf8.RuneCountInString(s[:at]) > maxLocalPartLen:
		return fmt.Sprintf("must have at most %d characters before the @", maxLocalPartLen)
	}
	labels := strings.Split(s[at+1:], ".")
	if len(labels) < 2 {
		return "must have a domain with a dot, like example.com"
	}
	for _, l := range labels {
		if !validLabel(l) {
			return shape
		}
	}
	return ""
}

// validLabel reports whether l is a domain label: 1 to 63 letters, digits
// or hyphens, not starting or ending with a hyphen. Letters may be
// non-ASCII (internationalised domain names).
func validLabel(l string) bool {
	if l == "" || utf8.RuneCountInString(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
			return false
		}
	}
	return true
}
