package api

import (
	"fmt"
	"strings"
	"unicode/utf8"

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
// a domain customer without ID. Surrounding spaces are trimmed. The ID and
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
		FirstName:   strings.TrimSpace(pc.GetFirstName()),
		LastName:    strings.TrimSpace(pc.GetLastName()),
		Email:       strings.TrimSpace(pc.GetEmail()),
		PhoneNumber: strings.TrimSpace(pc.GetPhoneNumber()),
	}
	for _, f := range []struct {
		name, value string
		check       func(string) string
	}{
		{coffeeshop.FieldFirstName, c.FirstName, checkName},
		{coffeeshop.FieldLastName, c.LastName, checkName},
		{coffeeshop.FieldEmail, c.Email, checkEmail},
		{coffeeshop.FieldPhoneNumber, c.PhoneNumber, func(string) string { return "" }},
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
// with it, worded to follow the field name.

func checkName(s string) string {
	if utf8.RuneCountInString(s) > maxNameLen {
		return fmt.Sprintf("must be at most %d characters", maxNameLen)
	}
	return ""
}

func checkEmail(s string) string {
	at := strings.IndexByte(s, '@')
	switch {
	case len(s) > maxEmailLen:
		return fmt.Sprintf("must be at most %d characters", maxEmailLen)
	case strings.ContainsFunc(s, isSpaceOrControl):
		return "must not contain spaces"
	case at <= 0 || at == len(s)-1 || strings.Count(s, "@") != 1:
		return "must be an address like name@example.com"
	}
	return ""
}

func isSpaceOrControl(r rune) bool {
	return r <= ' ' || r == 0x7f
}
