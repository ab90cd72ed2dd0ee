package coffeeshop

import "testing"

func TestTestNumbers(t *testing.T) {
	tn, err := ParseTestNumbers(" +447700900000-+447700900999, +15005550006 ")
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]bool{
		"+447700900000": true, "+447700900999": true, "+447700900500": true,
		"+447700901000": false, "+44770090099": false, "+4477009000000": false,
		"+15005550006": true, "+15005550007": false, "": false,
	} {
		if got := tn.Contains(n); got != want {
			t.Errorf("Contains(%q) = %v, want %v", n, got, want)
		}
	}
	if s := tn.String(); s != "+447700900000-+447700900999,+15005550006" {
		t.Errorf("String() = %q", s)
	}
	if none, err := ParseTestNumbers(""); err != nil || !none.Empty() || none.Contains("+15005550006") {
		t.Errorf("empty list: %v, %v", none, err)
	}
	for _, bad := range []string{"12345678", "+4477-+447700900999", "+447700900999-+447700900000", "+44770090000-+447700900999", "+1500555000a", ","} {
		if _, err := ParseTestNumbers(bad); err == nil {
			t.Errorf("ParseTestNumbers(%q) accepted", bad)
		}
	}
}
