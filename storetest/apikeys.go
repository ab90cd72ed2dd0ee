package storetest

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// RunAPIKeys runs the contract tests of the API key store against stores
// made by open, on the terms of Run.
func RunAPIKeys(t *testing.T, open func(t *testing.T) coffeeshop.APIKeyStore) {
	runAll(t, open, []contractTest[coffeeshop.APIKeyStore]{
		{"APIKeyRoundTrip", testAPIKeyRoundTrip},
		{"APIKeyDuplicateID", testAPIKeyDuplicateID},
		{"APIKeyGetNotFound", testAPIKeyGetNotFound},
		{"APIKeyList", testAPIKeyList},
		{"APIKeyRevoke", testAPIKeyRevoke},
		{"APIKeyRevokeNotFound", testAPIKeyRevokeNotFound},
		{"APIKeyTouch", testAPIKeyTouch},
		{"APIKeyInvalid", testAPIKeyInvalid},
		{"APIKeyConcurrentInserts", testAPIKeyConcurrentInserts},
		{"APIKeyConcurrentRevokesAndTouches", testAPIKeyConcurrentRevokesAndTouches},
		{"APIKeyCanceledContext", testAPIKeyCanceledContext},
	})
}

// keyBase is the made-up clock of the revoke and touch tests: the stores
// take those times as given. It is whole microseconds, the precision
// stores keep.
var keyBase = time.Date(2030, 5, 6, 7, 8, 9, 123456000, time.UTC)

// newKey returns a key with a new ID and every scope, as NewAPIKey makes
// them.
func newKey(t *testing.T, scopes ...coffeeshop.Scope) *coffeeshop.APIKey {
	t.Helper()
	_, k, err := coffeeshop.NewAPIKey("backend "+t.Name(), scopes)
	if err != nil {
		t.Fatalf("NewAPIKey: %v", err)
	}
	return k
}

func insertKey(t *testing.T, s coffeeshop.APIKeyStore, k *coffeeshop.APIKey) {
	t.Helper()
	if err := s.InsertAPIKey(t.Context(), k); err != nil {
		t.Fatalf("InsertAPIKey(%s): %v", k.ID, err)
	}
}

func getKey(t *testing.T, s coffeeshop.APIKeyStore, id string) *coffeeshop.APIKey {
	t.Helper()
	k, err := s.GetAPIKey(t.Context(), id)
	if err != nil {
		t.Fatalf("GetAPIKey(%q): %v", id, err)
	}
	return k
}

// sameKey fails t unless got equals want field by field, comparing times as
// instants and requiring them in UTC.
func sameKey(t *testing.T, got, want *coffeeshop.APIKey) {
	t.Helper()
	if got == nil {
		t.Fatalf("got no key, want %+v", want)
	}
	if got.ID != want.ID || got.Name != want.Name {
		t.Errorf("key %s: ID, Name = %q, %q; want %q, %q", want.ID, got.ID, got.Name, want.ID, want.Name)
	}
	if !slices.Equal(got.Scopes, want.Scopes) {
		t.Errorf("key %s: Scopes = %q, want %q (in that order)", want.ID, got.Scopes, want.Scopes)
	}
	if !bytes.Equal(got.Hash, want.Hash) {
		t.Errorf("key %s: Hash = %x, want %x", want.ID, got.Hash, want.Hash)
	}
	for _, tm := range []struct {
		name      string
		got, want time.Time
	}{
		{"CreatedAt", got.CreatedAt, want.CreatedAt},
		{"LastUsedAt", got.LastUsedAt, want.LastUsedAt},
		{"RevokedAt", got.RevokedAt, want.RevokedAt},
	} {
		if !tm.got.Equal(tm.want) || tm.got.IsZero() != tm.want.IsZero() {
			t.Errorf("key %s: %s = %v, want %v", want.ID, tm.name, tm.got, tm.want)
		}
		if !tm.got.IsZero() && tm.got.Location() != time.UTC {
			t.Errorf("key %s: %s = %v, want it in UTC", want.ID, tm.name, tm.got)
		}
	}
}

// testAPIKeyRoundTrip: a key comes back as inserted, scopes in their
// order, with the CreatedAt InsertAPIKey set: now, in UTC; and a returned
// key is the caller's to change.
func testAPIKeyRoundTrip(t *testing.T, s coffeeshop.APIKeyStore) {
	k := newKey(t, coffeeshop.ScopeVerificationsWrite, coffeeshop.ScopeCustomersRead)
	k.Name = "Zoë's backend — prod, eu-west"
	before := time.Now().Truncate(time.Microsecond)
	insertKey(t, s, k)
	after := time.Now()
	if k.CreatedAt.Before(before) || k.CreatedAt.After(after) {
		t.Errorf("CreatedAt = %v, want between %v and %v", k.CreatedAt, before, after)
	}
	if k.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want it in UTC", k.CreatedAt)
	}
	got := getKey(t, s, k.ID)
	sameKey(t, got, k)
	if got.Revoked() {
		t.Error("a new key is revoked")
	}

	got.Hash[0] ^= 0xff
	got.Scopes[0] = coffeeshop.ScopeCustomersWrite
	sameKey(t, getKey(t, s, k.ID), k)

	// Every scope, in the order AllScopes gives them.
	all := newKey(t)
	insertKey(t, s, all)
	sameKey(t, getKey(t, s, all.ID), all)
}

// testAPIKeyDuplicateID: a second key with a taken ID is refused with
// ECONFLICT and the first stays as it was.
func testAPIKeyDuplicateID(t *testing.T, s coffeeshop.APIKeyStore) {
	k := newKey(t)
	insertKey(t, s, k)
	dup := newKey(t, coffeeshop.ScopeCustomersRead)
	dup.ID = k.ID
	wantCode(t, s.InsertAPIKey(t.Context(), dup), coffeeshop.ECONFLICT, "InsertAPIKey with a taken ID")
	sameKey(t, getKey(t, s, k.ID), k)
}

func testAPIKeyGetNotFound(t *testing.T, s coffeeshop.APIKeyStore) {
	insertKey(t, s, newKey(t))
	for _, id := range []string{newKey(t).ID, "", "not an ID", "'; DROP TABLE api_keys; --"} {
		k, err := s.GetAPIKey(t.Context(), id)
		wantCode(t, err, coffeeshop.ENOTFOUND, "GetAPIKey("+id+")")
		if k != nil {
			t.Errorf("GetAPIKey(%q) returned %+v with its error", id, k)
		}
	}
}

// testAPIKeyList: every key, revoked ones too, oldest first.
func testAPIKeyList(t *testing.T, s coffeeshop.APIKeyStore) {
	made := []*coffeeshop.APIKey{newKey(t), newKey(t, coffeeshop.ScopeCustomersWrite), newKey(t)}
	for _, k := range made {
		insertKey(t, s, k)
	}
	if err := s.RevokeAPIKey(t.Context(), made[1].ID, keyBase); err != nil {
		t.Fatalf("RevokeAPIKey: %v", err)
	}
	made[1].RevokedAt = keyBase

	list, err := s.ListAPIKeys(t.Context())
	if err != nil {
		t.Fatalf("ListAPIKeys: %v", err)
	}
	for i := 1; i < len(list); i++ {
		if list[i].CreatedAt.Before(list[i-1].CreatedAt) {
			t.Errorf("ListAPIKeys: key %s (created %v) after key %s (created %v): want oldest first",
				list[i].ID, list[i].CreatedAt, list[i-1].ID, list[i-1].CreatedAt)
		}
	}
	byID := make(map[string]*coffeeshop.APIKey, len(made))
	for _, k := range made {
		byID[k.ID] = k
	}
	var ours []*coffeeshop.APIKey
	for _, k := range list {
		if want, ok := byID[k.ID]; ok {
			sameKey(t, k, want)
			ours = append(ours, k)
		}
	}
	if len(ours) != len(made) {
		t.Fatalf("ListAPIKeys has %d of the %d keys inserted", len(ours), len(made))
	}
	// Keys inserted one after another in distinct microseconds are listed
	// in that order.
	if made[0].CreatedAt.Before(made[1].CreatedAt) && made[1].CreatedAt.Before(made[2].CreatedAt) {
		for i := range made {
			if ours[i].ID != made[i].ID {
				t.Fatalf("ListAPIKeys lists the keys in another order than they were created")
			}
		}
	}
}

// testAPIKeyRevoke: revoking sets RevokedAt, in UTC, and leaves the rest;
// revoking again, at a later or an earlier time, succeeds and keeps the
// first time.
func testAPIKeyRevoke(t *testing.T, s coffeeshop.APIKeyStore) {
	k := newKey(t)
	other := newKey(t)
	insertKey(t, s, k)
	insertKey(t, s, other)
	at := keyBase.In(time.FixedZone("UTC+5", 5*3600))
	if err := s.RevokeAPIKey(t.Context(), k.ID, at); err != nil {
		t.Fatalf("RevokeAPIKey: %v", err)
	}
	k.RevokedAt = keyBase
	got := getKey(t, s, k.ID)
	sameKey(t, got, k)
	if !got.Revoked() {
		t.Error("Revoked() = false after RevokeAPIKey")
	}
	for _, again := range []time.Time{keyBase.Add(time.Hour), keyBase.Add(-time.Hour)} {
		if err := s.RevokeAPIKey(t.Context(), k.ID, again); err != nil {
			t.Fatalf("RevokeAPIKey of a revoked key: %v", err)
		}
		sameKey(t, getKey(t, s, k.ID), k)
	}
	sameKey(t, getKey(t, s, other.ID), other)
}

func testAPIKeyRevokeNotFound(t *testing.T, s coffeeshop.APIKeyStore) {
	insertKey(t, s, newKey(t))
	id := newKey(t).ID
	for _, id := range []string{id, ""} {
		wantCode(t, s.RevokeAPIKey(t.Context(), id, keyBase), coffeeshop.ENOTFOUND, "RevokeAPIKey("+id+")")
	}
	if _, err := s.GetAPIKey(t.Context(), id); coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
		t.Errorf("revoking an unknown ID made a key: GetAPIKey = %v", err)
	}
}

// testAPIKeyTouch: LastUsedAt only moves forward, an unknown ID is no
// error, and touching changes nothing else.
func testAPIKeyTouch(t *testing.T, s coffeeshop.APIKeyStore) {
	k := newKey(t)
	insertKey(t, s, k)
	for _, step := range []struct {
		at, want time.Time
	}{
		{keyBase, keyBase},
		{keyBase.Add(-time.Minute), keyBase}, // earlier: ignored
		{keyBase, keyBase},                   // same: no change
		{keyBase.Add(time.Microsecond), keyBase.Add(time.Microsecond)}, // later, by the stored precision
		{keyBase.Add(time.Hour).In(time.FixedZone("UTC-3", -3*3600)), keyBase.Add(time.Hour)},
	} {
		if err := s.TouchAPIKey(t.Context(), k.ID, step.at); err != nil {
			t.Fatalf("TouchAPIKey(%v): %v", step.at, err)
		}
		k.LastUsedAt = step.want
		sameKey(t, getKey(t, s, k.ID), k)
	}
	unknown := newKey(t).ID
	if err := s.TouchAPIKey(t.Context(), unknown, keyBase); err != nil {
		t.Errorf("TouchAPIKey of an unknown ID: %v, want no error", err)
	}
	if _, err := s.GetAPIKey(t.Context(), unknown); coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
		t.Errorf("touching an unknown ID made a key: GetAPIKey = %v", err)
	}
}

// testAPIKeyInvalid: keys that k.Validate refuses, and revoke or touch
// times that are zero, get EINVALID and store nothing.
func testAPIKeyInvalid(t *testing.T, s coffeeshop.APIKeyStore) {
	wantCode(t, s.InsertAPIKey(t.Context(), nil), coffeeshop.EINVALID, "InsertAPIKey(nil)")
	for name, change := range map[string]func(k *coffeeshop.APIKey){
		"empty ID":      func(k *coffeeshop.APIKey) { k.ID = "" },
		"empty name":    func(k *coffeeshop.APIKey) { k.Name = "" },
		"blank name":    func(k *coffeeshop.APIKey) { k.Name = "  \t" },
		"no scopes":     func(k *coffeeshop.APIKey) { k.Scopes = nil },
		"empty scopes":  func(k *coffeeshop.APIKey) { k.Scopes = []coffeeshop.Scope{} },
		"unknown scope": func(k *coffeeshop.APIKey) { k.Scopes = []coffeeshop.Scope{coffeeshop.ScopeCustomersRead, "admin"} },
		"empty hash":    func(k *coffeeshop.APIKey) { k.Hash = []byte{} },
		"nil hash":      func(k *coffeeshop.APIKey) { k.Hash = nil },
	} {
		k := newKey(t)
		change(k)
		wantCode(t, s.InsertAPIKey(t.Context(), k), coffeeshop.EINVALID, "InsertAPIKey with "+name)
		if !k.CreatedAt.IsZero() {
			t.Errorf("InsertAPIKey with %s set CreatedAt", name)
		}
		if k.ID != "" {
			if _, err := s.GetAPIKey(t.Context(), k.ID); coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
				t.Errorf("InsertAPIKey with %s stored the key: GetAPIKey = %v", name, err)
			}
		}
	}

	k := newKey(t)
	insertKey(t, s, k)
	wantCode(t, s.RevokeAPIKey(t.Context(), k.ID, time.Time{}), coffeeshop.EINVALID, "RevokeAPIKey at a zero time")
	wantCode(t, s.TouchAPIKey(t.Context(), k.ID, time.Time{}), coffeeshop.EINVALID, "TouchAPIKey at a zero time")
	sameKey(t, getKey(t, s, k.ID), k)
}

// testAPIKeyConcurrentInserts: of many inserts of one ID at once exactly
// one succeeds; the others get ECONFLICT.
func testAPIKeyConcurrentInserts(t *testing.T, s coffeeshop.APIKeyStore) {
	id := newKey(t).ID
	keys := make([]*coffeeshop.APIKey, workers)
	for i := range keys {
		keys[i] = newKey(t)
		keys[i].ID = id
	}
	errs := parallel(workers, func(i int) error { return s.InsertAPIKey(t.Context(), keys[i]) })
	winner := -1
	for i, err := range errs {
		switch coffeeshop.ErrorCode(err) {
		case "":
			if winner >= 0 {
				t.Fatalf("inserts %d and %d of one ID both succeeded", winner, i)
			}
			winner = i
		case coffeeshop.ECONFLICT:
		default:
			t.Fatalf("insert %d: %v, want success or ECONFLICT", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no insert succeeded")
	}
	sameKey(t, getKey(t, s, id), keys[winner])
}

// testAPIKeyConcurrentRevokesAndTouches: revokes and touches of one key at
// once, with reads in between, all succeed; the key ends revoked at one of
// the revoke times and last used at the latest touch.
func testAPIKeyConcurrentRevokesAndTouches(t *testing.T, s coffeeshop.APIKeyStore) {
	k := newKey(t)
	insertKey(t, s, k)
	const perWorker = 5
	errs := parallel(workers, func(w int) error {
		for i := range perWorker {
			at := keyBase.Add(time.Duration(w*perWorker+i) * time.Second)
			if err := s.TouchAPIKey(t.Context(), k.ID, at); err != nil {
				return err
			}
			if w%4 == 0 {
				if err := s.RevokeAPIKey(t.Context(), k.ID, at); err != nil {
					return err
				}
			}
			if _, err := s.GetAPIKey(t.Context(), k.ID); err != nil {
				return err
			}
		}
		return nil
	})
	for w, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: %v", w, err)
		}
	}
	got := getKey(t, s, k.ID)
	if want := keyBase.Add(time.Duration(workers*perWorker-1) * time.Second); !got.LastUsedAt.Equal(want) {
		t.Errorf("LastUsedAt = %v, want the latest touch %v", got.LastUsedAt, want)
	}
	off := got.RevokedAt.Sub(keyBase)
	if !got.Revoked() || off < 0 || off%time.Second != 0 || int(off/time.Second)/perWorker%4 != 0 {
		t.Errorf("RevokedAt = %v, want one of the revoke times", got.RevokedAt)
	}
	k.LastUsedAt, k.RevokedAt = got.LastUsedAt, got.RevokedAt
	sameKey(t, got, k)
}

// testAPIKeyCanceledContext: every call with a canceled context fails with
// an internal error wrapping context.Canceled, and changes nothing.
func testAPIKeyCanceledContext(t *testing.T, s coffeeshop.APIKeyStore) {
	k := newKey(t)
	insertKey(t, s, k)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]func() error{
		"InsertAPIKey": func() error { return s.InsertAPIKey(ctx, newKey(t)) },
		"GetAPIKey": func() error {
			_, err := s.GetAPIKey(ctx, k.ID)
			return err
		},
		"ListAPIKeys": func() error {
			_, err := s.ListAPIKeys(ctx)
			return err
		},
		"RevokeAPIKey": func() error { return s.RevokeAPIKey(ctx, k.ID, keyBase) },
		"TouchAPIKey":  func() error { return s.TouchAPIKey(ctx, k.ID, keyBase) },
	}
	wantCanceled(t, calls)
	sameKey(t, getKey(t, s, k.ID), k)
}
