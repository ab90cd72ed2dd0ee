package coffeeshop

import "testing"

func TestParseChannel(t *testing.T) {
	for _, c := range AllChannels() {
		if got, err := ParseChannel(string(c)); err != nil || got != c {
			t.Errorf("ParseChannel(%q) = %q, %v", c, got, err)
		}
	}
	if _, err := ParseChannel("pigeon"); ErrorCode(err) != EINVALID {
		t.Errorf("ParseChannel(pigeon): %v, want EINVALID", err)
	}
}
