package api

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// fakeKeys is an in-memory coffeeshop.APIKeyStore that counts reads and
// records last-use writes; fail makes every call fail as a broken
// database would.
type fakeKeys struct {
	mu      sync.Mutex
	keys    map[string]*coffeeshop.APIKey
	touches []string
	reads   atomic.Int64
	fail    atomic.Bool
	// block, when set before use, holds every read until it is closed;
	// each read first sends on entered.
	block, entered chan struct{}
}

func newFakeKeys() *fakeKeys { return &fakeKeys{keys: map[string]*coffeeshop.APIKey{}} }

var errFakeKeysDown = coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "fakeKeys: down")

func (f *fakeKeys) InsertAPIKey(_ context.Context, k *coffeeshop.APIKey) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.keys[k.ID]; ok {
		return coffeeshop.Errorf(coffeeshop.ECONFLICT, "key %s exists", k.ID)
	}
	k.CreatedAt = time.Now().UTC()
	c := *k
	f.keys[k.ID] = &c
	return nil
}

func (f *fakeKeys) GetAPIKey(_ context.Context, id string) (*coffeeshop.APIKey, error) {
	f.reads.Add(1)
	if f.block != nil {
		f.entered <- struct{}{}
		<-f.block
	}
	if f.fail.Load() {
		return nil, errFakeKeysDown
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.keys[id]
	if !ok {
		return nil, coffeeshop.Errorf(coffeeshop.ENOTFOUND, "no key %s", id)
	}
	c := *k
	return &c, nil
}

func (f *fakeKeys) ListAPIKeys(context.Context) ([]*coffeeshop.APIKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*coffeeshop.APIKey
	for _, k := range f.keys {
		c := *k
		out = append(out, &c)
	}
	slices.SortFunc(out, func(a, b *coffeeshop.APIKey) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

func (f *fakeKeys) RevokeAPIKey(_ context.Context, id string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.keys[id]
	if !ok {
		return coffeeshop.Errorf(coffeeshop.ENOTFOUND, "no key %s", id)
	}
	if k.RevokedAt.IsZero() {
		k.RevokedAt = at
	}
	return nil
}

func (f *fakeKeys) TouchAPIKey(_ context.Context, id string, at time.Time) error {
	if f.fail.Load() {
		return errFakeKeysDown
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.touches = append(f.touches, id)
	if k, ok := f.keys[id]; ok && at.After(k.LastUsedAt) {
		k.LastUsedAt = at
	}
	return nil
}

func (f *fakeKeys) touchCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.touches)
}

// slogTo is a text logger writing to w.
func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
