package api

import (
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

func TestNewCustomerTrimsAndIgnoresServerFields(t *testing.T) {
	c, err := (&Server{PhoneRegion: "GB"}).newCustomer(&customerv1.Customer{
		Id: "fc6dbe1c-5621-4673-b0bd-e93b61c1019a", PhoneVerified: true,
		FirstName: "  Ann ", LastName: "Lee", Email: " ann@example.com", PhoneNumber: "+44 7911-123456 ",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := coffeeshop.Customer{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", PhoneNumber: "+447911123456"}
	if *c != want {
		t.Errorf("got %+v, want %+v", *c, want)
	}
}

// parsePhone gives the E.164 form of every number that parses, valid or
// not (the limiter keys by it), and tells which are valid (creates need it).
func TestParsePhone(t *testing.T) {
	for _, tc := range []struct {
		in, region, e164 string
		valid            bool
	}{
		{"+44 7911 123456", "GB", "+447911123456", true},
		{"07911 123456", "GB", "+447911123456", true}, // national, read in the region
		{"+1-415-555-0100", "GB", "+14155550100", true},
		{"(415) 555-0100", "US", "+14155550100", true},
		{"415 555 0100", "GB", "+444155550100", false}, // not a British number
		{"07500514", "GB", "+447500514", false},        // the demo's number is too short to be real
		{"+44 7700 900123", "GB", "+447700900123", false},
		{"123456", "US", "+1123456", false},
		{"+", "GB", "", false},
		{"", "GB", "", false},
		{strings.Repeat("1", 64), "US", "", false},
		{strings.Repeat("1", 65), "US", "", false}, // over maxPhoneLen: not parsed
		{"+1 415 555 0100" + strings.Repeat(" ", 50), "US", "", false},
	} {
		e164, valid := parsePhone(tc.in, tc.region)
		if e164 != tc.e164 || valid != tc.valid {
			t.Errorf("parsePhone(%q, %s) = %q, %v; want %q, %v", tc.in, tc.region, e164, valid, tc.e164, tc.valid)
		}
	}
}

func TestCheckEmail(t *testing.T) {
	for s, ok := range map[string]bool{
		"a@b":                             false,
		"a@b.c":                           true,
		"a@b.c.":                          false,
		"ann@bücher.example":              true,
		"a\u202e@example.com":             false,
		"a@b_c.de":                        false,
		"first.last+tag@example.co.uk":    true,
		"@example.com":                    false,
		"a@":                              false,
		"a@@b":                            false,
		"a b@example.com":                 false,
		"a\t@example.com":                 false,
		strings.Repeat("a", 64) + "@b.cd": true,
		strings.Repeat("a", 65) + "@b.cd": false,
		"a@" + strings.Repeat(strings.Repeat("b", 62)+".", 4)[:252]:                      false, // 254 characters but a label ends with "."
		"a@" + strings.Repeat(strings.Repeat("b", 62)+".", 3) + strings.Repeat("c", 63):  true,  // 254
		"ab@" + strings.Repeat(strings.Repeat("b", 62)+".", 3) + strings.Repeat("c", 63): false, // 255
	} {
		if got := checkEmail(s) == ""; got != ok {
			t.Errorf("checkEmail(%q) accepted=%v, want %v", s, got, ok)
		}
	}
}

func TestParseID(t *testing.T) {
	for in, want := range map[string]string{
		"0ddbdea9-1d13-4224-98f7-efe3289ac9fc":   "0ddbdea9-1d13-4224-98f7-efe3289ac9fc",
		"0DDBDEA9-1D13-4224-98F7-EFE3289AC9FC":   "0ddbdea9-1d13-4224-98f7-efe3289ac9fc",
		"":                                       "",
		"zzz":                                    "",
		"0ddbdea91d13422498f7efe3289ac9fc":       "",
		"{0ddbdea9-1d13-4224-98f7-efe3289ac9fc}": "",
		"urn:uuid:0ddbdea9-1d13-4224-98f7-efe3289ac9fc": "",
	} {
		got, err := parseID("customer_id", in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("parseID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := parseID("customer_id", strings.Repeat("x", 1000))
	if msg := coffeeshop.ErrorMessage(err); len(msg) > 120 || !strings.Contains(msg, "…") {
		t.Errorf("long value echoed as %q", msg)
	}
}
