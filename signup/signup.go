package signup

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultCodeLength is the code length the page asks for when Config
// leaves it zero; it matches the service's default.
const DefaultCodeLength = 4

// Config configures the page.
type Config struct {
	// Backend is how the page reaches coffeeshop. Required.
	Backend Backend
	// ReturnOrigins are the origins (scheme://host[:port]) a return_to
	// link may point at; any other return_to is ignored.
	ReturnOrigins []string
	// Secure marks every cookie Secure. Without it a cookie is Secure
	// when its request came over TLS: r.TLS is set, or HTTPS(r) says so
	// (a TLS-terminating proxy's X-Forwarded-Proto, believed only from a
	// trusted proxy).
	Secure bool
	HTTPS  func(r *http.Request) bool
	// CodeLength is the number of digits in a code (DefaultCodeLength
	// when zero).
	CodeLength int
	// PhoneExample is a valid phone number shown as an example in the
	// hint and in the message about an invalid number.
	PhoneExample string
	// Logger receives the backend's internal errors (slog.Default() when
	// nil). Tokens and codes are never logged.
	Logger *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Key MACs the CSRF tokens: 32 bytes or more. A random key is made
	// when nil, so forms rendered before a restart are refused after it.
	Key []byte
}

// Paths the page serves.
const (
	pathSignup = "/signup"
	pathCode   = "/signup/code"
	pathResend = "/signup/resend"
	pathDone   = "/signup/done"
	pathAssets = "/signup/assets/"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets/signup.js assets/signup.css
var assetFS embed.FS

var templates = template.Must(template.New("").ParseFS(templateFS, "templates/*.html"))

type handler struct {
	backend      Backend
	origins      map[string]bool
	secure       bool
	https        func(*http.Request) bool
	codeLength   int
	phoneExample string
	log          *slog.Logger
	now          func() time.Time
	key          []byte
	assets       map[string]asset
}

type asset struct {
	body        []byte
	contentType string
	url         string // its path with a version query, so a new build is fetched anew
}

// New returns the handler serving the page under /signup: the form, the
// code step, the end, and the page's assets.
func New(cfg Config) (http.Handler, error) {
	if cfg.Backend == nil {
		return nil, errors.New("signup: Config.Backend is required")
	}
	h := &handler{
		backend:      cfg.Backend,
		origins:      map[string]bool{},
		secure:       cfg.Secure,
		https:        cfg.HTTPS,
		codeLength:   cfg.CodeLength,
		phoneExample: cfg.PhoneExample,
		log:          cfg.Logger,
		now:          cfg.Now,
		key:          cfg.Key,
	}
	if h.codeLength == 0 {
		h.codeLength = DefaultCodeLength
	}
	if h.codeLength < 1 || h.codeLength > 12 {
		return nil, fmt.Errorf("signup: code length %d is not between 1 and 12", cfg.CodeLength)
	}
	if h.phoneExample == "" {
		h.phoneExample = "+44 7400 123456"
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.key == nil {
		h.key = make([]byte, 32)
		if _, err := rand.Read(h.key); err != nil {
			return nil, fmt.Errorf("signup: making a key: %w", err)
		}
	} else if len(h.key) < 32 {
		return nil, fmt.Errorf("signup: the key has %d bytes; it needs 32 or more", len(h.key))
	}
	for _, o := range cfg.ReturnOrigins {
		norm, err := parseOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("signup: return origin %q: %w", o, err)
		}
		h.origins[norm] = true
	}
	h.assets = map[string]asset{}
	for name, ct := range map[string]string{"signup.js": "text/javascript; charset=utf-8", "signup.css": "text/css; charset=utf-8"} {
		b, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		h.assets[name] = asset{body: b, contentType: ct, url: pathAssets + name + "?v=" + hex.EncodeToString(sum[:6])}
	}
	return h, nil
}

// parseOrigin checks that o is an origin, scheme://host[:port] with nothing
// after it, and returns it in lower case.
func parseOrigin(o string) (string, error) {
	u, err := url.Parse(o)
	if err != nil {
		return "", err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errors.New("the scheme must be http or https")
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", errors.New("an origin is scheme://host[:port] and nothing else")
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// returnTo returns raw when it is an absolute http(s) URL whose origin is one
// of the configured ones, and "" otherwise.
func (h *handler) returnTo(raw string) string {
	if raw == "" || len(raw) > 2048 || len(h.origins) == 0 {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" || u.Host == "" {
		return ""
	}
	if !h.origins[strings.ToLower(u.Scheme+"://"+u.Host)] {
		return ""
	}
	return u.String()
}

// setHeaders sets the headers every answer carries.
func setHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
}

// recordingWriter notes whether the header was written, so a recovered
// panic knows whether it can still answer with an error page.
type recordingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *recordingWriter) WriteHeader(code int) { w.wrote = true; w.ResponseWriter.WriteHeader(code) }
func (w *recordingWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setHeaders(w)
	rw := &recordingWriter{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.ErrorContext(r.Context(), "signup page: panic", "panic", fmt.Sprint(v), "path", r.URL.Path)
			if !rw.wrote {
				h.errorPage(rw, r, http.StatusInternalServerError)
			}
		}
	}()
	h.route(rw, r)
}

func (h *handler) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if name, ok := strings.CutPrefix(p, pathAssets); ok {
		a, found := h.assets[name]
		if !found {
			h.notFound(w, r)
			return
		}
		if !allow(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		w.Header().Set("Content-Type", a.contentType)
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	switch p {
	case pathSignup:
		if !allow(w, r, http.MethodGet, http.MethodHead, http.MethodPost) {
			return
		}
		if r.Method == http.MethodPost {
			h.postSignup(w, r)
		} else {
			h.getSignup(w, r)
		}
	case pathCode:
		if !allow(w, r, http.MethodGet, http.MethodHead, http.MethodPost) {
			return
		}
		if r.Method == http.MethodPost {
			h.postCode(w, r)
		} else {
			h.getCode(w, r)
		}
	case pathResend:
		if !allow(w, r, http.MethodPost) {
			return
		}
		h.postResend(w, r)
	case pathDone:
		if !allow(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		h.getDone(w, r)
	default:
		h.notFound(w, r)
	}
}

// allow answers 405 with an Allow header unless r's method is one of
// methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusMethodNotAllowed)
	_, _ = io.WriteString(w, "405 method not allowed\n")
	return false
}

// maxForm bounds a form body: the page's forms are a few hundred bytes.
const maxForm = 16 << 10

// parseForm reads r's form, bounded; false when it cannot be read, with a
// 413 page when the body is over maxForm (as the API answers one) and a
// 400 page otherwise.
func (h *handler) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			h.messagePage(w, r, http.StatusRequestEntityTooLarge, func(m *messages) (string, string) { return m.TooLargeTitle, m.TooLarge })
			return false
		}
		h.messagePage(w, r, http.StatusBadRequest, func(m *messages) (string, string) { return m.BadRequestTitle, m.BadRequest })
		return false
	}
	return true
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.messagePage(w, r, http.StatusNotFound, func(m *messages) (string, string) { return m.NotFoundTitle, m.NotFound })
}

// errorPage answers the friendly "something went wrong" page.
func (h *handler) errorPage(w http.ResponseWriter, r *http.Request, status int) {
	h.messagePage(w, r, status, func(m *messages) (string, string) { return m.ErrorTitle, m.Error })
}

// messagePage renders a page that only says something, with a link back to
// the start.
func (h *handler) messagePage(w http.ResponseWriter, r *http.Request, status int, text func(*messages) (string, string)) {
	v := h.view(w, r)
	v.Title, v.Message = text(v.T)
	v.Start = pathSignup
	h.render(w, status, "message.html", v)
}

// render executes the template name with v into a buffer and writes it, so
// a failing template never leaves half a page.
func (h *handler) render(w http.ResponseWriter, status int, name string, v *view) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, v); err != nil {
		h.log.Error("signup page: template", "template", name, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "500 internal error\n")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
