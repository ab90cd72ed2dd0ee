package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coffeeshop/coffeeshop/opsserver"
)

// With a page, /signup and what is under it go to the page, / leads there
// in dev only, and everything else reaches the gateway; without one, the
// gateway gets /signup too.
func TestAPIHandlerRoutesTheSignupPage(t *testing.T) {
	o := opsserver.New("", discardLogger())
	defer o.Close()
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, name) })
	}
	for _, tc := range []struct {
		page       bool
		home       bool
		method     string
		path, want string
	}{
		{true, true, "GET", "/signup", "page"},
		{true, true, "POST", "/signup/code", "page"},
		{true, true, "GET", "/signup/assets/signup.css", "page"},
		{true, true, "GET", "/", "303 /signup"},
		{true, true, "POST", "/", "gateway"},
		{true, true, "GET", "/v1/customers/x", "gateway"},
		{true, true, "GET", "/signupx", "gateway"},
		{true, false, "GET", "/", "gateway"},
		{true, false, "GET", "/signup", "page"},
		{false, true, "GET", "/signup", "gateway"},
		{false, true, "GET", "/", "gateway"},
	} {
		var page http.Handler
		if tc.page {
			page = named("page")
		}
		h := apiHandler(o, page, tc.home, nil)(named("gateway"))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		got := w.Body.String()
		if w.Code == http.StatusSeeOther {
			got = "303 " + w.Header().Get("Location")
		}
		if got != tc.want {
			t.Errorf("page %v, home %v: %s %s went to %q, want %q", tc.page, tc.home, tc.method, tc.path, got, tc.want)
		}
	}
}
