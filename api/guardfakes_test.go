package api

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// fakeGuardStore keeps the guard's counts in memory, following the
// contract of coffeeshop.GuardStore; err, when set, fails every call.
type fakeGuardStore struct {
	mu  sync.Mutex
	err error
	// releaseErr, when set, fails ReleaseSend only.
	releaseErr error
	sends      map[string][]time.Time          // by prefix
	verified   map[string]map[string]time.Time // by prefix, then customer
	blocks     map[string]*coffeeshop.GuardBlock
	budget     []time.Time // every counted send
	countries  map[string]*coffeeshop.GuardCount
	keys       map[string]fakeAdmitted // by key and prefix

	admits   int      // AdmitSend calls
	releases int      // ReleaseSend calls
	recorded []string // customer IDs of RecordVerified calls
}

// fakeAdmitted is a keyed send the fake store admitted: when, and for
// which country.
type fakeAdmitted struct {
	at      time.Time
	country string
}

func newFakeGuardStore() *fakeGuardStore {
	return &fakeGuardStore{
		sends:     map[string][]time.Time{},
		verified:  map[string]map[string]time.Time{},
		blocks:    map[string]*coffeeshop.GuardBlock{},
		countries: map[string]*coffeeshop.GuardCount{},
		keys:      map[string]fakeAdmitted{},
	}
}

// since returns the times of ts at or after from.
func since(ts []time.Time, from time.Time) []time.Time {
	return slices.DeleteFunc(slices.Clone(ts), func(t time.Time) bool { return t.Before(from) })
}

func (f *fakeGuardStore) country(c string) *coffeeshop.GuardCount {
	if f.countries[c] == nil {
		f.countries[c] = &coffeeshop.GuardCount{Country: c}
	}
	return f.countries[c]
}

func (f *fakeGuardStore) AdmitSend(_ context.Context, s coffeeshop.GuardSend, p coffeeshop.GuardPolicy, now time.Time) (coffeeshop.GuardDecision, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.admits++
	if f.err != nil {
		return coffeeshop.GuardDecision{}, f.err
	}
	left := func(extra int) int {
		if p.Budget <= 0 {
			return -1
		}
		return max(p.Budget-len(since(f.budget, now.Add(-p.BudgetWindow)))-extra, 0)
	}
	// A key is remembered for a day, or the longest window.
	key := s.Key + "\x00" + s.Prefix
	if k, ok := f.keys[key]; ok && s.Key != "" && now.Sub(k.at) <= max(24*time.Hour, p.Window, p.BudgetWindow) {
		return coffeeshop.GuardDecision{Allowed: true, Repeated: true, BudgetLeft: left(0)}, nil
	}
	if b := f.blocks[s.Prefix]; b != nil && now.Before(b.Until) {
		return coffeeshop.GuardDecision{Reason: coffeeshop.ReasonPrefixBlocked, RetryAfter: b.Until.Sub(now), BudgetLeft: left(0)}, nil
	}
	if p.Budget > 0 {
		if inWindow := since(f.budget, now.Add(-p.BudgetWindow)); len(inWindow) >= p.Budget {
			oldest := slices.MinFunc(inWindow, time.Time.Compare)
			return coffeeshop.GuardDecision{Reason: coffeeshop.ReasonSMSBudgetExhausted,
				RetryAfter: oldest.Add(p.BudgetWindow).Sub(now), BudgetLeft: 0}, nil
		}
	}
	from := now.Add(-p.Window)
	sends := len(since(f.sends[s.Prefix], from)) + 1
	verified := 0
	for _, at := range f.verified[s.Prefix] {
		if !at.Before(from) {
			verified++
		}
	}
	if sends >= p.MinSends && float64(verified) < p.MinConversion*float64(sends) {
		b := f.blocks[s.Prefix]
		strikes := 1
		if b != nil {
			strikes = b.Strikes + 1
		}
		d := p.BlockFor
		for range strikes - 1 {
			d = min(2*d, p.MaxBlock)
		}
		nb := &coffeeshop.GuardBlock{Prefix: s.Prefix, Country: s.Country, Since: now, Until: now.Add(min(d, p.MaxBlock)),
			Strikes: strikes, Sends: sends - 1, Verified: verified}
		f.blocks[s.Prefix] = nb
		copied := *nb
		return coffeeshop.GuardDecision{Reason: coffeeshop.ReasonPrefixBlocked, RetryAfter: nb.Until.Sub(now),
			NewBlock: &copied, BudgetLeft: left(0)}, nil
	}
	f.sends[s.Prefix] = append(f.sends[s.Prefix], now)
	f.budget = append(f.budget, now)
	f.country(s.Country).Sends++
	if s.Key != "" {
		f.keys[key] = fakeAdmitted{at: now, country: s.Country}
	}
	return coffeeshop.GuardDecision{Allowed: true, BudgetLeft: left(0)}, nil
}

// ReleaseSend takes back the send of s's key, counted at the time the key
// was admitted.
func (f *fakeGuardStore) ReleaseSend(_ context.Context, s coffeeshop.GuardSend) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.releases++
	if err := cmp.Or(f.err, f.releaseErr); err != nil {
		return err
	}
	if s.Prefix == "" || s.Key == "" {
		return coffeeshop.Errorf(coffeeshop.EINVALID, "guard: a release needs a prefix and a key")
	}
	key := s.Key + "\x00" + s.Prefix
	k, ok := f.keys[key]
	if !ok {
		return nil
	}
	delete(f.keys, key)
	drop := func(ts []time.Time) []time.Time {
		if i := slices.IndexFunc(ts, k.at.Equal); i >= 0 {
			return slices.Delete(ts, i, i+1)
		}
		return ts
	}
	f.sends[s.Prefix] = drop(f.sends[s.Prefix])
	f.budget = drop(f.budget)
	f.country(k.country).Sends--
	return nil
}

func (f *fakeGuardStore) RecordVerified(_ context.Context, customerID string, s coffeeshop.GuardSend, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recorded = append(f.recorded, customerID)
	if f.err != nil {
		return f.err
	}
	if f.verified[s.Prefix] == nil {
		f.verified[s.Prefix] = map[string]time.Time{}
	}
	if _, ok := f.verified[s.Prefix][customerID]; !ok {
		f.verified[s.Prefix][customerID] = now
		f.country(s.Country).Verified++
	}
	return nil
}

func (f *fakeGuardStore) GuardBlocks(_ context.Context, now time.Time) ([]coffeeshop.GuardBlock, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []coffeeshop.GuardBlock
	for _, b := range f.blocks {
		if now.Before(b.Until) {
			out = append(out, *b)
		}
	}
	slices.SortFunc(out, func(a, b coffeeshop.GuardBlock) int { return a.Since.Compare(b.Since) })
	return out, f.err
}

func (f *fakeGuardStore) GuardCountries(context.Context, time.Time) ([]coffeeshop.GuardCount, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []coffeeshop.GuardCount
	for _, c := range f.countries {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b coffeeshop.GuardCount) int { return b.Sends - a.Sends })
	return out, f.err
}

func (f *fakeGuardStore) Unblock(_ context.Context, prefix string, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b := f.blocks[prefix]; b == nil || !now.Before(b.Until) {
		return coffeeshop.Errorf(coffeeshop.ENOTFOUND, "prefix %s is not blocked", prefix)
	}
	delete(f.blocks, prefix)
	return nil
}

// released returns how many releases were asked for and how many keys
// the store remembers.
func (f *fakeGuardStore) released() (releases, keys int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.releases, len(f.keys)
}

// calls returns how many sends were asked about and the customers whose
// verifications were recorded.
func (f *fakeGuardStore) calls() (admits int, recorded []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.admits, slices.Clone(f.recorded)
}

var _ coffeeshop.GuardStore = (*fakeGuardStore)(nil)

// fakeGuardMetrics records what it is told.
type fakeGuardMetrics struct {
	mu       sync.Mutex
	refused  map[string]int // "REASON/mode"
	blocked  map[string]int
	admitted map[string]int
	released map[string]int
	left     []int
}

func newFakeGuardMetrics() *fakeGuardMetrics {
	return &fakeGuardMetrics{refused: map[string]int{}, blocked: map[string]int{}, admitted: map[string]int{}, released: map[string]int{}}
}

func (m *fakeGuardMetrics) GuardRefused(reason, mode string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refused[reason+"/"+mode]++
}

func (m *fakeGuardMetrics) GuardBlocked(country string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blocked[country]++
}

func (m *fakeGuardMetrics) GuardBudgetLeft(left int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.left = append(m.left, left)
}

func (m *fakeGuardMetrics) GuardAdmitted(country string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.admitted[country]++
}

func (m *fakeGuardMetrics) GuardReleased(country string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.released[country]++
}

// releasedBy returns how many sends were released for country.
func (m *fakeGuardMetrics) releasedBy(country string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.released[country]
}

// snapshot returns copies of what was recorded.
func (m *fakeGuardMetrics) snapshot() (refused, blocked, admitted map[string]int, left []int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cp := func(x map[string]int) map[string]int {
		out := map[string]int{}
		for k, v := range x {
			out[k] = v
		}
		return out
	}
	return cp(m.refused), cp(m.blocked), cp(m.admitted), slices.Clone(m.left)
}
