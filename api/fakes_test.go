package api

import (
	"bytes"
	"context"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/coffeeshop/coffeeshop"
)

// fakeVerifier is a scripted coffeeshop.Verifier. SignUp records the
// customer and returns startErr, or stores it in store under a new UUID
// and records it when that works; Verify answers with verify and records
// the request IDs; ResendCode and GetVerification answer with resend and
// get.
type fakeVerifier struct {
	startErr error
	store    coffeeshop.CustomerStore
	verify   func(id, code string) (coffeeshop.VerificationResult, error)
	resend   func(c *coffeeshop.Customer) (*coffeeshop.Verification, error)
	get      func(id string) (*coffeeshop.Verification, error)

	mu         sync.Mutex
	started    []string
	requestIDs []string
	locales    []string // of the customers SignUp was given
}

func (f *fakeVerifier) SignUp(ctx context.Context, c *coffeeshop.Customer, _ string) (*coffeeshop.Customer, error) {
	c.ID = uuid.NewString()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.locales = append(f.locales, c.Locale)
	if f.startErr != nil {
		f.started = append(f.started, c.ID)
		return nil, f.startErr
	}
	// A customer that cannot be stored gets no code, as with
	// verify.Client.
	if err := f.store.InsertCustomer(ctx, c); err != nil {
		return nil, err
	}
	f.started = append(f.started, c.ID)
	return c, nil
}

func (f *fakeVerifier) Verify(_ context.Context, id, code, requestID string) (coffeeshop.VerificationResult, error) {
	f.mu.Lock()
	f.requestIDs = append(f.requestIDs, requestID)
	f.mu.Unlock()
	return f.verify(id, code)
}

func (f *fakeVerifier) ResendCode(_ context.Context, c *coffeeshop.Customer) (*coffeeshop.Verification, error) {
	return f.resend(c)
}

func (f *fakeVerifier) GetVerification(_ context.Context, id string) (*coffeeshop.Verification, error) {
	return f.get(id)
}

func (f *fakeVerifier) seenRequestIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requestIDs)
}

func (f *fakeVerifier) startedIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.started)
}

// syncBuffer collects log output written from server goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
