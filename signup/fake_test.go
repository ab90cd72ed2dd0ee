package signup

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// fakeBackend is a Backend whose answers the test sets.
type fakeBackend struct {
	mu sync.Mutex

	signUpErr, verifyErr, resendErr, statusErr error
	result                                     coffeeshop.VerificationResult
	ver                                        coffeeshop.Verification
	panicOn                                    string

	signUps             []NewCustomer
	verified            []string // codes Verify was given
	resends             int
	tokens, customerIDs []string // what the code steps carried
}

const (
	fakeCustomerID = "cus_123"
	fakeToken      = "cvt_faketoken"
	rightCode      = "1234"
)

func newFake() *fakeBackend {
	return &fakeBackend{ver: coffeeshop.Verification{CustomerID: fakeCustomerID, Status: coffeeshop.VerificationStatusInProgress,
		AttemptsLeft: 3, SendsLeft: 3}}
}

func (f *fakeBackend) SignUp(ctx context.Context, r *http.Request, c NewCustomer) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.panicOn == "signup" {
		panic("fake backend told to panic")
	}
	f.signUps = append(f.signUps, c)
	if f.signUpErr != nil {
		return "", "", f.signUpErr
	}
	return fakeCustomerID, fakeToken, nil
}

func (f *fakeBackend) note(token, customerID string) {
	f.tokens = append(f.tokens, token)
	f.customerIDs = append(f.customerIDs, customerID)
}

func (f *fakeBackend) Verify(ctx context.Context, r *http.Request, token, customerID, code string) (coffeeshop.VerificationResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.note(token, customerID)
	f.verified = append(f.verified, code)
	if f.verifyErr != nil {
		return coffeeshop.VerificationUnspecified, f.verifyErr
	}
	if f.result != coffeeshop.VerificationUnspecified {
		return f.result, nil
	}
	if code == rightCode {
		f.ver.Status = coffeeshop.VerificationStatusVerified
		return coffeeshop.VerificationSuccess, nil
	}
	f.ver.AttemptsLeft--
	if f.ver.AttemptsLeft <= 0 {
		f.ver.Status = coffeeshop.VerificationStatusMaxAttemptsReached
		return coffeeshop.VerificationMaxAttemptsReached, nil
	}
	return coffeeshop.VerificationIncorrectCode, nil
}

func (f *fakeBackend) Resend(ctx context.Context, r *http.Request, token, customerID string) (*coffeeshop.Verification, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.note(token, customerID)
	f.resends++
	if f.resendErr != nil {
		return nil, f.resendErr
	}
	f.ver.Status = coffeeshop.VerificationStatusInProgress
	f.ver.AttemptsLeft = 3
	v := f.ver
	return &v, nil
}

func (f *fakeBackend) Status(ctx context.Context, r *http.Request, token, customerID string) (*coffeeshop.Verification, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.note(token, customerID)
	if f.statusErr != nil {
		return nil, f.statusErr
	}
	v := f.ver
	return &v, nil
}

func (f *fakeBackend) set(fn func(f *fakeBackend)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// tooMany is an ETOOMANY error as the API answers it.
func tooMany(d time.Duration, reason string) error {
	return &coffeeshop.Error{Code: coffeeshop.ETOOMANY, Message: "slow down", RetryAfter: d, Reason: reason}
}
