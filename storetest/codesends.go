package storetest

import (
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/google/uuid"
)

// codePhone returns a phone key no other test, in this run or an earlier
// one against the same database, has used: the stores take it as opaque
// text, and earlier runs' rows would otherwise count against the limit.
func codePhone() string { return "+test-" + uuid.NewString() }

// codeBase is the made-up clock of the code-send tests; the stores take
// the time as given.
var codeBase = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func recordSent(t *testing.T, l coffeeshop.CodeSendLedger, phone string, at time.Time, window time.Duration, limit int) (bool, time.Duration) {
	t.Helper()
	return recordKeyed(t, l, phone, "", at, window, limit)
}

func recordKeyed(t *testing.T, l coffeeshop.CodeSendLedger, phone, key string, at time.Time, window time.Duration, limit int) (bool, time.Duration) {
	t.Helper()
	ok, wait, err := l.RecordCodeSent(t.Context(), phone, key, at, window, limit)
	if err != nil {
		t.Fatalf("RecordCodeSent(%s, %q, %v): %v", phone, key, at, err)
	}
	return ok, wait
}

// testCodeSendKeyedOnce: the tries of one send, recorded under its key,
// count once and are allowed again even when the limit is reached; a key
// whose record has left the window counts anew.
func testCodeSendKeyedOnce(t *testing.T, l coffeeshop.CodeSendLedger) {
	phone := codePhone()
	a, b, c := "send-"+uuid.NewString(), "send-"+uuid.NewString(), "send-"+uuid.NewString()
	const limit, window = 2, time.Hour
	for i := range 3 { // a send and two retries of it
		if ok, _ := recordKeyed(t, l, phone, a, codeBase.Add(time.Duration(i)*time.Minute), window, limit); !ok {
			t.Fatalf("try %d of send a refused, want allowed", i+1)
		}
	}
	if ok, _ := recordKeyed(t, l, phone, b, codeBase.Add(5*time.Minute), window, limit); !ok {
		t.Fatal("send b refused: the retries of send a were counted")
	}
	if ok, wait := recordKeyed(t, l, phone, c, codeBase.Add(10*time.Minute), window, limit); ok || wait != 50*time.Minute {
		t.Fatalf("send c: allowed=%v retryAfter=%v, want refused after 50m", ok, wait)
	}
	if ok, _ := recordKeyed(t, l, phone, b, codeBase.Add(11*time.Minute), window, limit); !ok {
		t.Error("a retry of send b, recorded already, refused at the limit")
	}
	// After the window, a's record is gone: a try under its key is a send.
	if ok, _ := recordKeyed(t, l, phone, a, codeBase.Add(2*time.Hour), window, limit); !ok {
		t.Fatal("send a after the window refused")
	}
	if ok, _ := recordSent(t, l, phone, codeBase.Add(2*time.Hour+time.Minute), window, limit); !ok {
		t.Fatal("an unkeyed send with one counted send in the window refused")
	}
	if ok, _ := recordSent(t, l, phone, codeBase.Add(2*time.Hour+2*time.Minute), window, limit); ok {
		t.Fatal("a third send in the window allowed: the renewed send a was not counted")
	}
}

// testCodeSendLimit: limit sends in the window are allowed, the next is
// refused with the time until the oldest leaves the window, and a refused
// send is not recorded. Other phones are not affected.
func testCodeSendLimit(t *testing.T, l coffeeshop.CodeSendLedger) {
	phone, other := codePhone(), codePhone()
	const limit, window = 3, time.Hour
	for i := range limit {
		at := codeBase.Add(time.Duration(i) * time.Minute)
		if ok, _ := recordSent(t, l, phone, at, window, limit); !ok {
			t.Fatalf("send %d refused, want allowed", i+1)
		}
	}
	for range 2 { // a refusal records nothing: the wait stays the same
		at := codeBase.Add(10 * time.Minute)
		ok, wait := recordSent(t, l, phone, at, window, limit)
		if ok {
			t.Fatalf("send %d allowed, want refused", limit+1)
		}
		if want := 50 * time.Minute; wait != want {
			t.Errorf("retryAfter = %v, want %v", wait, want)
		}
	}
	if ok, _ := recordSent(t, l, other, codeBase.Add(10*time.Minute), window, limit); !ok {
		t.Error("another phone's send refused")
	}
}

// testCodeSendWindowSlides: a send leaves the window after window has
// passed, letting one more in, and only one.
func testCodeSendWindowSlides(t *testing.T, l coffeeshop.CodeSendLedger) {
	phone := codePhone()
	const limit, window = 2, time.Hour
	recordSent(t, l, phone, codeBase, window, limit)
	recordSent(t, l, phone, codeBase.Add(30*time.Minute), window, limit)
	if ok, wait := recordSent(t, l, phone, codeBase.Add(59*time.Minute), window, limit); ok || wait != time.Minute {
		t.Fatalf("third send within the window: allowed=%v retryAfter=%v, want refused after 1m", ok, wait)
	}
	if ok, _ := recordSent(t, l, phone, codeBase.Add(time.Hour), window, limit); !ok {
		t.Fatal("send after the first left the window refused")
	}
	ok, wait := recordSent(t, l, phone, codeBase.Add(time.Hour+time.Second), window, limit)
	if ok || wait != 30*time.Minute-time.Second {
		t.Fatalf("send after the window filled again: allowed=%v retryAfter=%v, want refused after 29m59s", ok, wait)
	}
	if ok, _ := recordSent(t, l, phone, codeBase.Add(3*time.Hour), window, limit); !ok {
		t.Fatal("send after all left the window refused")
	}
}

// testCodeSendInvalid: a limit or window that is not positive is EINVALID.
func testCodeSendInvalid(t *testing.T, l coffeeshop.CodeSendLedger) {
	_, _, err := l.RecordCodeSent(t.Context(), codePhone(), "", codeBase, time.Hour, 0)
	wantCode(t, err, coffeeshop.EINVALID, "limit 0")
	_, _, err = l.RecordCodeSent(t.Context(), codePhone(), "", codeBase, 0, 10)
	wantCode(t, err, coffeeshop.EINVALID, "window 0")
}

// testConcurrentCodeSends: of 20 concurrent sends to one phone with limit
// 10, exactly 10 are allowed.
func testConcurrentCodeSends(t *testing.T, l coffeeshop.CodeSendLedger) {
	phone := codePhone()
	const n, limit = 20, 10
	allowed := make([]bool, n)
	errs := parallel(n, func(i int) error {
		ok, _, err := l.RecordCodeSent(t.Context(), phone, "", codeBase.Add(time.Duration(i)*time.Millisecond), time.Hour, limit)
		allowed[i] = ok
		return err
	})
	got := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if allowed[i] {
			got++
		}
	}
	if got != limit {
		t.Errorf("%d of %d concurrent sends allowed, want %d", got, n, limit)
	}
}
