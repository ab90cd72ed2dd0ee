package coffeeshop

import "testing"

func TestNumberPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"+447911123456": "+447911123",
		"+15005550006":  "+15005550",
		"+4412":         "+4412",
		"":              "",
	} {
		if got := NumberPrefix(in); got != want {
			t.Errorf("NumberPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}
