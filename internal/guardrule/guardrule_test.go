package guardrule

import (
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

var policy = coffeeshop.GuardPolicy{Window: time.Hour, MinSends: 10, MinConversion: 0.2,
	BlockFor: 15 * time.Minute, MaxBlock: 24 * time.Hour}

func TestBlockLength(t *testing.T) {
	for strikes, want := range map[int]time.Duration{
		1: 15 * time.Minute, 2: 30 * time.Minute, 3: time.Hour, 7: 16 * time.Hour, 8: 24 * time.Hour, 1000: 24 * time.Hour,
	} {
		if got := BlockLength(strikes, policy); got != want {
			t.Errorf("BlockLength(%d) = %v, want %v", strikes, got, want)
		}
	}
}

func TestBlocks(t *testing.T) {
	for _, tc := range []struct {
		sends, verified int
		want            bool
	}{
		{9, 0, false}, {10, 0, true}, {10, 1, true}, {10, 2, false}, {11, 2, true}, {15, 3, false}, {100, 19, true}, {100, 20, false},
	} {
		if got := Blocks(tc.sends, tc.verified, policy); got != tc.want {
			t.Errorf("Blocks(%d sends, %d verified) = %v, want %v", tc.sends, tc.verified, got, tc.want)
		}
	}
	p := policy
	p.MinConversion = 0
	if Blocks(1000, 0, p) {
		t.Error("a conversion of 0 blocked a prefix")
	}
}

func TestWindowBuckets(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 30, 20, 0, time.UTC)
	if got, want := Since(now, time.Hour), time.Date(2030, 1, 1, 11, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Since = %v, want %v", got, want)
	}
	// A send at 11:30:59 counts until 12:31:00, when its bucket leaves.
	bucket := time.Date(2030, 1, 1, 11, 30, 0, 0, time.UTC)
	leaves := Leaves(bucket, time.Hour)
	if !Since(leaves.Add(-time.Nanosecond), time.Hour).Equal(bucket) || !Since(leaves, time.Hour).After(bucket) {
		t.Errorf("Leaves = %v: not when Since moves past the bucket", leaves)
	}
}

func TestCheckSend(t *testing.T) {
	s := coffeeshop.GuardSend{Prefix: "+447911123", Country: "GB"}
	if err := CheckSend(s, policy); err != nil {
		t.Fatalf("the default policy: %v", err)
	}
	p := policy
	p.Budget, p.BudgetWindow = 100, time.Hour
	if err := CheckSend(s, p); err != nil {
		t.Fatalf("a budget: %v", err)
	}
	p.MinConversion = 1
	if err := CheckSend(s, p); err != nil {
		t.Fatalf("a conversion of 1: %v", err)
	}
}
