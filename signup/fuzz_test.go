package signup

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// Placeholders the fuzz inputs may hold, replaced by working values so the
// fuzzer reaches the backend and not only the CSRF refusal: $CSRF in the
// cookie header (the CSRF cookie's value), $TOKEN in the body (its form
// token) and $SESSION in the cookie header (a session cookie's value).
const (
	fuzzCSRFSecret = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	// fuzzFailName and fuzzFailCode make the fuzz backend fail as a broken
	// dependency would: the only requests that may be answered 5xx.
	fuzzFailName = "FAIL"
	fuzzFailCode = "5000"
)

var fuzzKey = bytes.Repeat([]byte{7}, 32)

// fuzzBackend answers by its input, the same every time, so the fuzzer can
// steer it to each outcome.
type fuzzBackend struct{ failed bool }

var errFuzzBroken = errors.New("fuzz backend told to fail")

func (f *fuzzBackend) SignUp(ctx context.Context, r *http.Request, c NewCustomer) (string, string, error) {
	if c.FirstName == fuzzFailName {
		f.failed = true
		return "", "", errFuzzBroken
	}
	p := c.PhoneNumber
	switch {
	case p == "":
		return "", "", &FieldError{Field: coffeeshop.FieldPhoneNumber, Err: coffeeshop.Errorf(coffeeshop.EINVALID, "required")}
	case strings.HasPrefix(p, "+1"):
		return "", "", &coffeeshop.Error{Code: coffeeshop.EFORBIDDEN, Message: "no", Reason: coffeeshop.ReasonCountryNotAllowed}
	case strings.HasPrefix(p, "+2"):
		return "", "", &coffeeshop.Error{Code: coffeeshop.ETOOMANY, Message: "no", Reason: coffeeshop.ReasonPrefixBlocked, RetryAfter: time.Minute}
	case strings.HasPrefix(p, "+3"):
		return "", "", &FieldError{Field: coffeeshop.FieldEmail, Err: coffeeshop.Errorf(coffeeshop.EINVALID, "bad")}
	case strings.HasPrefix(p, "+5"):
		return "", "", coffeeshop.Errorf(coffeeshop.EINVALID, "bad request id")
	case strings.HasPrefix(p, "+6"):
		return "", "", &coffeeshop.Error{Code: coffeeshop.ETOOMANY, Message: "slow", RetryAfter: 3 * time.Second}
	case strings.HasPrefix(p, "+7"):
		return "", "", coffeeshop.Errorf(coffeeshop.EUNDELIVERABLE, "no")
	}
	return "cus_fuzz", "cvt_fuzz", nil
}

func (f *fuzzBackend) Verify(ctx context.Context, r *http.Request, token, customerID, code string) (coffeeshop.VerificationResult, error) {
	switch code {
	case fuzzFailCode:
		f.failed = true
		return 0, errFuzzBroken
	case "1234":
		return coffeeshop.VerificationSuccess, nil
	case "1111":
		return coffeeshop.VerificationCodeExpired, nil
	case "2222":
		return coffeeshop.VerificationMaxAttemptsReached, nil
	case "3333":
		return coffeeshop.VerificationExpired, nil
	case "4444":
		return coffeeshop.VerificationUndeliverable, nil
	case "6666":
		return 0, &coffeeshop.Error{Code: coffeeshop.ETOOMANY, Message: "slow", RetryAfter: time.Second}
	case "7777":
		return 0, coffeeshop.Errorf(coffeeshop.ECONFLICT, "verified")
	case "8888":
		return 0, coffeeshop.Errorf(coffeeshop.EUNAUTHENTICATED, "token expired")
	}
	if len(code) != 4 {
		return 0, &FieldError{Field: coffeeshop.FieldVerificationCode, Err: coffeeshop.Errorf(coffeeshop.EINVALID, "bad code")}
	}
	return coffeeshop.VerificationIncorrectCode, nil
}

func (f *fuzzBackend) Resend(ctx context.Context, r *http.Request, token, customerID string) (*coffeeshop.Verification, error) {
	if strings.HasSuffix(customerID, "9") {
		return nil, &coffeeshop.Error{Code: coffeeshop.ETOOMANY, Message: "slow", RetryAfter: 30 * time.Second}
	}
	return f.Status(ctx, r, token, customerID)
}

func (f *fuzzBackend) Status(ctx context.Context, r *http.Request, token, customerID string) (*coffeeshop.Verification, error) {
	if token == "cvt_gone" {
		return nil, coffeeshop.Errorf(coffeeshop.ENOTFOUND, "no such customer")
	}
	st := coffeeshop.VerificationStatusInProgress
	if n := len(customerID) % 6; n > 0 {
		st = coffeeshop.VerificationStatus(n)
	}
	return &coffeeshop.Verification{CustomerID: customerID, Status: st, AttemptsLeft: len(token) % 4, SendsLeft: 2,
		CodeExpiresAt: time.Unix(1_700_000_300, 0)}, nil
}

// FuzzSignup sends arbitrary methods, paths, form bodies, one extra header
// ("Name: value") and a Cookie header to the page, over a backend that
// answers every outcome, and checks: no 5xx unless the backend was told to
// fail, no panic (the handler recovers them, so one shows as a logged
// panic), the security headers on every answer, and every HTML page names
// its language (redirects aside). The seed corpus is testdata/fuzz/FuzzSignup.
func FuzzSignup(f *testing.F) {
	f.Fuzz(func(t *testing.T, method, path string, body []byte, header, cookie string) {
		backend := &fuzzBackend{}
		var logs bytes.Buffer
		h, err := New(Config{Backend: backend, Key: fuzzKey, ReturnOrigins: []string{"https://shop.example"},
			Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return time.Unix(1_700_000_000, 0) }})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		token := h.(*handler).csrfToken(fuzzCSRFSecret)
		body = bytes.ReplaceAll(body, []byte("$TOKEN"), []byte(token))
		cookie = strings.ReplaceAll(cookie, "$CSRF", fuzzCSRFSecret)
		cookie = strings.ReplaceAll(cookie, "$SESSION", b64.EncodeToString([]byte("cus_fuzz"))+"."+
			b64.EncodeToString([]byte("cvt_fuzz"))+"."+b64.EncodeToString([]byte("https://shop.example/back")))
		req, err := http.NewRequest(method, "http://page.example"+path, bytes.NewReader(body))
		if err != nil || strings.ContainsAny(req.URL.RequestURI(), " \t\r\n") {
			return // no client can send it
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if name, value, ok := strings.Cut(header, ":"); ok {
			req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
		}
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)

		what := method + " " + req.URL.RequestURI()
		if strings.Contains(logs.String(), "panic") {
			t.Fatalf("%s: panicked: %s", what, logs.String())
		}
		if w.Code >= 500 && !backend.failed {
			t.Fatalf("%s: %d\n%s", what, w.Code, w.Body)
		}
		if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s: security headers missing: %v", what, w.Header())
		}
		redirect := w.Code >= 300 && w.Code < 400 // http.Redirect's own short body
		if strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") && method != http.MethodHead && !redirect &&
			!strings.Contains(w.Body.String(), `<html lang="`) {
			t.Fatalf("%s: a page without its language:\n%s", what, w.Body)
		}
		if strings.Contains(w.Body.String(), "cvt_") {
			t.Fatalf("%s: the token is in the page", what)
		}
	})
}
