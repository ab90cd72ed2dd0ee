package api

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// A panic in the HTTP layer becomes a logged 500 with the usual body, and
// the server goes on serving.
func TestHTTPPanicBecomesLogged500(t *testing.T) {
	logs := &syncBuffer{}
	handler := recoverHTTP(slog.New(slog.NewTextHandler(logs, nil)), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/nil-map":
			var m map[string]int
			//lint:ignore SA5000 the handler panics on purpose
			m["boom"]++
		case "/after-start":
			_, _ = io.WriteString(w, "partial")
			_ = http.NewResponseController(w).Flush()
			panic("after the response started")
		default:
			_, _ = io.WriteString(w, "ok")
		}
	}))
	h := &harness{url: httptestServer(t, handler)}

	h.do(t, "GET", "/nil-map", "").want(t, 500, `{"code":13,"message":"internal error","details":[]}`)
	logged := logs.String()
	if !strings.Contains(logged, "panic in http handler") || !strings.Contains(logged, "assignment to entry in nil map") ||
		!strings.Contains(logged, "middleware_test.go") || !strings.Contains(logged, "path=/nil-map") {
		t.Errorf("panic not logged with its cause, path and stack:\n%s", logged)
	}
	h.do(t, "GET", "/fine", "").want(t, 200, "ok")

	// Once the response has started a 500 cannot be sent; the client must
	// not mistake the cut-off body for a whole one.
	res, err := http.Get(h.url + "/after-start")
	if err == nil {
		_, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	if err == nil {
		t.Error("a response cut off by a panic read as complete")
	}
	if !strings.Contains(logs.String(), "after the response started") {
		t.Errorf("late panic not logged:\n%s", logs)
	}
	h.do(t, "GET", "/fine", "").want(t, 200, "ok")
}
