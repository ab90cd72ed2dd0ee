package api

import (
	"fmt"
	"testing"

	"github.com/coffeeshop/coffeeshop"
)

func TestPageOf(t *testing.T) {
	all := make([]*coffeeshop.Customer, 150)
	for i := range all {
		all[i] = &coffeeshop.Customer{ID: fmt.Sprint(i)}
	}
	for _, tc := range []struct {
		n, size, index uint32
		first, len     int
		next           bool
	}{
		{n: 0, size: 0, index: 0, len: 0},
		{n: 5, size: 0, index: 0, first: 0, len: 5},
		{n: 5, size: 0, index: 1, len: 0},
		{n: 150, size: 0, index: 0, first: 0, len: 100, next: true}, // 0 means at most 100
		{n: 150, size: 500, index: 1, first: 100, len: 50},
		{n: 5, size: 2, index: 1, first: 2, len: 2, next: true},
		{n: 5, size: 2, index: 2, first: 4, len: 1},
		{n: 4, size: 2, index: 1, first: 2, len: 2},
		{n: 5, size: 1 << 31, index: 1 << 31, len: 0},
	} {
		page, next := pageOf(all[:tc.n], tc.size, tc.index)
		first := -1
		if len(page) > 0 {
			fmt.Sscan(page[0].ID, &first)
		}
		if len(page) != tc.len || next != tc.next || (tc.len > 0 && first != tc.first) {
			t.Errorf("pageOf(%d customers, size %d, index %d) = %d from %d, next %v; want %d from %d, next %v",
				tc.n, tc.size, tc.index, len(page), first, next, tc.len, tc.first, tc.next)
		}
	}
}
