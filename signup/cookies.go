package signup

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/coffeeshop/coffeeshop"
)

// Cookie names. All are scoped to /signup, HttpOnly and SameSite=Strict.
const (
	cookieCSRF    = "signup_csrf"
	cookieSession = "signup_session"
	cookieLang    = "signup_lang"
)

// csrfLabel separates the CSRF MAC from anything else the key might MAC.
const csrfLabel = "coffeeshop signup csrf v1\x00"

var b64 = base64.RawURLEncoding

// cookie is a cookie of the page, for the request r: Secure when the page
// is configured so or r came over TLS.
func (h *handler) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	secure := h.secure || r.TLS != nil || (h.https != nil && h.https(r))
	return &http.Cookie{Name: name, Value: value, Path: pathSignup, MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode}
}

// csrfSecret returns the browser's CSRF cookie value, setting a fresh one
// when it has none (or a malformed one).
func (h *handler) csrfSecret(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(cookieCSRF); err == nil && validSecret(c.Value) {
		return c.Value
	}
	v := randomID()
	http.SetCookie(w, h.cookie(r, cookieCSRF, v, 0))
	return v
}

// validSecret reports whether v looks like a value randomID made.
func validSecret(v string) bool {
	b, err := b64.DecodeString(v)
	return err == nil && len(b) == 32
}

// csrfToken is the token the forms carry: a MAC of the browser's CSRF
// cookie, so only a page we rendered for this browser has it.
func (h *handler) csrfToken(secret string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(csrfLabel))
	m.Write([]byte(secret))
	return b64.EncodeToString(m.Sum(nil))
}

// checkCSRF reports whether r's form carries the token of r's CSRF cookie.
func (h *handler) checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(cookieCSRF)
	if err != nil || !validSecret(c.Value) {
		return false
	}
	got, err := b64.DecodeString(r.PostFormValue("csrf"))
	if err != nil {
		return false
	}
	want, _ := b64.DecodeString(h.csrfToken(c.Value))
	return hmac.Equal(got, want)
}

// randomID returns 32 random bytes, base64url.
func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather)
	return b64.EncodeToString(b)
}

// session is what the session cookie holds between the steps: the
// person's customer ID and verification token (a MAC already, checked by
// the backend on every call), and where to send them at the end.
type session struct {
	CustomerID, Token, ReturnTo string
}

func (h *handler) setSession(w http.ResponseWriter, r *http.Request, s session) {
	v := b64.EncodeToString([]byte(s.CustomerID)) + "." + b64.EncodeToString([]byte(s.Token)) + "." +
		b64.EncodeToString([]byte(s.ReturnTo))
	http.SetCookie(w, h.cookie(r, cookieSession, v, 24*60*60))
}

func (h *handler) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, h.cookie(r, cookieSession, "", -1))
}

// readSession returns r's session, false when it has none or a malformed
// one. The return_to it holds is checked again against the origins.
func (h *handler) readSession(r *http.Request) (session, bool) {
	c, err := r.Cookie(cookieSession)
	if err != nil {
		return session{}, false
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		return session{}, false
	}
	var dec [3]string
	for i, p := range parts {
		b, err := b64.DecodeString(p)
		if err != nil || !coffeeshop.IsVisibleASCII(string(b)) && len(b) > 0 {
			return session{}, false
		}
		dec[i] = string(b)
	}
	s := session{CustomerID: dec[0], Token: dec[1], ReturnTo: h.returnTo(dec[2])}
	if s.CustomerID == "" || len(s.CustomerID) > 64 || s.Token == "" || len(s.Token) > coffeeshop.MaxTokenLen {
		return session{}, false
	}
	return s, true
}
