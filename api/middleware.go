package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"google.golang.org/grpc/codes"
)

// recoverHTTP turns a panic in the HTTP layer (gateway, marshaling, a
// middleware) into a logged 500 with the usual error body, so that one bad
// request cannot take the process down. The gRPC server has its own
// recovery (interceptor.go); this one covers what runs before and after it.
//
// When the response had already started, a clean 500 is impossible; the
// connection is then aborted (http.ErrAbortHandler) so that the client sees a
// broken response instead of a truncated one that looks complete.
func recoverHTTP(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			log.LogAttrs(r.Context(), slog.LevelError, "panic in http handler",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Any("panic", p),
				slog.String("stack", string(debug.Stack())))
			if tw.started {
				panic(http.ErrAbortHandler)
			}
			writeError(w, http.StatusInternalServerError, codes.Internal, internalMessage)
		}()
		next.ServeHTTP(tw, r)
	})
}

// bodyReadTimeout bounds reading a request body, so that a client cannot
// hold a handler by trickling bytes. It is set per body rather than as the
// server's ReadTimeout, which would also cancel a handler that waits long
// for a verification.
const bodyReadTimeout = 30 * time.Second

// limitBody answers 413 to a request whose body is larger than limit bytes,
// before the gateway decodes anything. The body is read here, whole, so that
// the size is known for chunked bodies too; bodies are small by then.
func limitBody(limit int64, next http.Handler) http.Handler {
	tooLarge := fmt.Sprintf("request body is larger than %d bytes", limit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			writeError(w, http.StatusRequestEntityTooLarge, codes.ResourceExhausted, tooLarge)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			// Not every writer supports deadlines (httptest recorders);
			// then the server's own timeouts are all there is.
			rc := http.NewResponseController(w)
			_ = rc.SetReadDeadline(time.Now().Add(bodyReadTimeout))
			b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
			_ = rc.SetReadDeadline(time.Time{})
			if err != nil {
				writeError(w, http.StatusBadRequest, codes.InvalidArgument, "cannot read the request body")
				return
			}
			if int64(len(b)) > limit {
				writeError(w, http.StatusRequestEntityTooLarge, codes.ResourceExhausted, tooLarge)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		next.ServeHTTP(w, r)
	})
}

// errorBody is the gateway's error body, for answers given before a request
// reaches it.
type errorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details []any  `json:"details"`
}

// writeError writes the error body the gateway would write for code, under
// the given HTTP status.
func writeError(w http.ResponseWriter, httpStatus int, code codes.Code, msg string) {
	b, _ := json.Marshal(errorBody{Code: int(code), Message: msg, Details: []any{}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_, _ = w.Write(b)
}
