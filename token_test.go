package coffeeshop

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

const tokenTestID = "0ddbdea9-1d13-4224-98f7-efe3289ac9fc"

func TestTokenRoundTrip(t *testing.T) {
	iss := NewTokenIssuer([]byte("code secret"))
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tok := iss.Issue(tokenTestID, exp)
	if !strings.HasPrefix(tok, TokenPrefix) || len(tok) > MaxTokenLen {
		t.Fatalf("token %q: want prefix %s and at most %d bytes", tok, TokenPrefix, MaxTokenLen)
	}
	if again := iss.Issue(tokenTestID, exp.Add(999*time.Millisecond)); again != tok {
		t.Errorf("same customer and expiry second gave %q then %q", tok, again)
	}
	id, err := iss.Check(tok, exp.Add(-time.Hour))
	if err != nil || id != tokenTestID {
		t.Fatalf("Check = %q, %v; want %q", id, err, tokenTestID)
	}
	// Another issuer with the same secret (another process) accepts it.
	if id, err := NewTokenIssuer([]byte("code secret")).Check(tok, exp.Add(-time.Hour)); err != nil || id != tokenTestID {
		t.Errorf("a second issuer: Check = %q, %v", id, err)
	}
}

func TestTokenExpiry(t *testing.T) {
	iss := NewTokenIssuer([]byte("s"))
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tok := iss.Issue(tokenTestID, exp)
	for _, c := range []struct {
		now   time.Time
		valid bool
	}{
		{exp.Add(-time.Nanosecond), true},
		{exp.Add(-time.Second), true},
		{exp, false},
		{exp.Add(time.Nanosecond), false},
		{exp.Add(time.Hour), false},
	} {
		_, err := iss.Check(tok, c.now)
		if (err == nil) != c.valid {
			t.Errorf("Check at expiry%+v: err %v, want valid=%v", c.now.Sub(exp), err, c.valid)
		}
	}
	// The expiry is truncated to the second, never extended.
	tok = iss.Issue(tokenTestID, exp.Add(500*time.Millisecond))
	if _, err := iss.Check(tok, exp); err == nil {
		t.Error("a token expiring at .5 s is valid at the whole second before it")
	}
}

// TestTokenRefused: every bad token is EUNAUTHENTICATED with one message
// that does not echo the token.
func TestTokenRefused(t *testing.T) {
	iss := NewTokenIssuer([]byte("secret one"))
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tok := iss.Issue(tokenTestID, now.Add(time.Hour))
	other := NewTokenIssuer([]byte("secret two")).Issue(tokenTestID, now.Add(time.Hour))
	payload, mac, _ := strings.Cut(strings.TrimPrefix(tok, TokenPrefix), ".")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	// A payload naming another customer, with the first token's MAC.
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	raw[len(raw)-1] = 'd'
	swapped := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw) + "." + mac
	// A later expiry with the first token's MAC.
	raw, _ = base64.RawURLEncoding.DecodeString(payload)
	raw[5]++
	extended := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw) + "." + mac
	for name, bad := range map[string]string{
		"empty":             "",
		"prefix only":       TokenPrefix,
		"no prefix":         strings.TrimPrefix(tok, TokenPrefix),
		"key prefix":        "csk_" + strings.TrimPrefix(tok, TokenPrefix),
		"upper-case prefix": "CVT_" + strings.TrimPrefix(tok, TokenPrefix),
		"no dot":            TokenPrefix + payload + mac,
		"two dots":          tok + ".x",
		"payload flipped":   TokenPrefix + flip(payload, 3) + "." + mac,
		"mac flipped":       TokenPrefix + payload + "." + flip(mac, 3),
		"mac cut":           tok[:len(tok)-1],
		"mac empty":         TokenPrefix + payload + ".",
		"payload empty":     TokenPrefix + "." + mac,
		"padded":            tok + "=",
		"not base64":        TokenPrefix + payload + "." + mac[:len(mac)-2] + "!!",
		"other customer":    swapped,
		"extended":          extended,
		"other secret":      other,
		"too long":          tok + strings.Repeat("A", MaxTokenLen),
		"space":             " " + tok,
	} {
		id, err := iss.Check(bad, now)
		if err == nil {
			t.Errorf("%s: Check(%q) = %q, want an error", name, bad, id)
			continue
		}
		if ErrorCode(err) != EUNAUTHENTICATED || ErrorMessage(err) != "invalid or expired verification token" {
			t.Errorf("%s: error %v, want EUNAUTHENTICATED with the one message", name, err)
		}
	}
	if _, err := iss.Check(tok, now); err != nil {
		t.Fatalf("the untouched token: %v", err)
	}
}

func TestTokenIssuePanicsOnBadID(t *testing.T) {
	iss := NewTokenIssuer([]byte("s"))
	for _, id := range []string{"", strings.Repeat("a", maxTokenCustomerID+1)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Issue(%d-byte ID) did not panic", len(id))
				}
			}()
			iss.Issue(id, time.Now())
		}()
	}
	// The longest ID fits MaxTokenLen.
	tok := iss.Issue(strings.Repeat("a", maxTokenCustomerID), time.Now().Add(time.Hour))
	if len(tok) > MaxTokenLen {
		t.Errorf("token of the longest ID is %d bytes, MaxTokenLen %d", len(tok), MaxTokenLen)
	}
	if _, err := iss.Check(tok, time.Now()); err != nil {
		t.Error(err)
	}
}

// The token key is derived, not the code secret itself.
func TestTokenKeyDerived(t *testing.T) {
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(i)
	}
	if iss := NewTokenIssuer(secret); string(iss.key[:]) == string(secret) {
		t.Error("the token key equals the code secret")
	}
}
