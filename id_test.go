package coffeeshop_test

import (
	"slices"
	"testing"

	"github.com/coffeeshop/coffeeshop"
)

func TestCanonicalID(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"3f1d2c4b-5a69-4788-9abc-def012345678", "3f1d2c4b-5a69-4788-9abc-def012345678", true},
		{"3F1D2C4B-5A69-4788-9ABC-DEF012345678", "3f1d2c4b-5a69-4788-9abc-def012345678", true},
		{"", "", false},
		{"not-a-uuid", "", false},
		{"3f1d2c4b5a6947889abcdef012345678", "", false},
		{"{3f1d2c4b-5a69-4788-9abc-def01234567}", "", false},
		{"3f1d2c4b-5a69-4788-9abc-def01234567g", "", false},
		{"3f1d2c4b_5a69-4788-9abc-def012345678", "", false},
	} {
		got, ok := coffeeshop.CanonicalID(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("CanonicalID(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDistinctIDs(t *testing.T) {
	a, b := "3f1d2c4b-5a69-4788-9abc-def012345678", "00000000-0000-4000-8000-000000000001"
	got := coffeeshop.DistinctIDs([]string{b, "zzz", "3F1D2C4B-5A69-4788-9ABC-DEF012345678", a, b})
	if want := []string{b, a}; !slices.Equal(got, want) {
		t.Errorf("DistinctIDs = %v, want %v", got, want)
	}
}
