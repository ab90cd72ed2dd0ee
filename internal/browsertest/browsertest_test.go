package browsertest

import (
	"bytes"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The pages the harness is proven on: a correct one whose script writes into
// it, one that logs an error and throws, and one axe must object to.
const (
	goodPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Good page</title><script src="/good.js" defer></script></head>
<body><main><h1>Good page</h1>
<p id="js">off</p>
<form method="post" action="/good"><label for="name">Name</label>
<input id="name" name="name" autocomplete="given-name"><button>Send</button></form>
</main></body></html>`
	goodScript = `document.getElementById('js').textContent = 'on';`

	consolePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Noisy page</title>
<script src="/noisy.js"></script></head><body><main><h1>Noisy page</h1></main></body></html>`
	consoleScript = `console.log('fine'); console.error('something broke'); undefinedFunction();`

	badPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>Bad page</title></head>
<body><img src="/pixel.gif"><input name="nolabel"></body></html>`
)

func pages(t *testing.T) string {
	t.Helper()
	serve := func(contentType, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.Write([]byte(body))
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /good", serve("text/html; charset=utf-8", goodPage))
	mux.Handle("GET /good.js", serve("text/javascript", goodScript))
	mux.Handle("GET /console", serve("text/html; charset=utf-8", consolePage))
	mux.Handle("GET /noisy.js", serve("text/javascript", consoleScript))
	mux.Handle("GET /bad", serve("text/html; charset=utf-8", badPage))
	// A 1×1 GIF, so the bad page's only faults are the ones axe should see.
	mux.Handle("GET /pixel.gif", serve("image/gif", "GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
	mux.Handle("GET /favicon.ico", http.NotFoundHandler())
	mux.HandleFunc("POST /good", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "seen", Value: "yes", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, "/good?posted="+url.QueryEscape(r.PostFormValue("name")), http.StatusSeeOther)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// A correct page at both sizes: its script runs, nothing is logged, axe
// finds nothing, and the screenshot is the viewport's width.
func TestBrowserHarnessGoodPage(t *testing.T) {
	base := pages(t)
	b := Start(t)
	b.ScreenshotDir = t.TempDir()
	for _, vp := range Viewports {
		t.Run(vp.Name, func(t *testing.T) {
			p := b.Page(t, vp)
			p.Navigate(base + "/good")
			if got := p.Text("#js"); got != "on" {
				t.Errorf("with JavaScript on, #js = %q, want the script's %q", got, "on")
			}
			if got := Eval[int64](p, `window.innerWidth`); got != vp.Width {
				t.Errorf("innerWidth = %d, want %d", got, vp.Width)
			}
			if got := Eval[bool](p, `matchMedia('(pointer: coarse)').matches`); got != vp.Mobile {
				t.Errorf("coarse pointer (touch) = %v, want %v", got, vp.Mobile)
			}
			if problems := p.Problems(); len(problems) > 0 {
				t.Errorf("console problems on a clean page: %q", problems)
			}
			if vs := p.Violations(); len(vs) > 0 {
				t.Errorf("axe violations on a clean page: %v", vs)
			}
			path := filepath.Join(b.ScreenshotDir, "good-"+vp.Name+".png")
			p.WriteScreenshot(path)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.DecodeConfig(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("screenshot is not a PNG: %v", err)
			}
			if int64(img.Width) != vp.Width {
				t.Errorf("screenshot is %d wide, want %d", img.Width, vp.Width)
			}
		})
	}
}

// Screenshot writes nothing without -update-screenshots.
func TestBrowserHarnessScreenshotOnlyWhenUpdating(t *testing.T) {
	if Updating() {
		t.Skip("run without -update-screenshots")
	}
	base := pages(t)
	b := Start(t)
	b.ScreenshotDir = t.TempDir()
	p := b.Page(t, Phone)
	p.Navigate(base + "/good")
	p.Screenshot("good")
	entries, err := os.ReadDir(b.ScreenshotDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("Screenshot wrote %d files without -update-screenshots", len(entries))
	}
}

// A console.error and an uncaught exception are both caught; console.log is not.
func TestBrowserHarnessConsoleErrors(t *testing.T) {
	base := pages(t)
	b := Start(t)
	p := b.Page(t, Desktop)
	p.Navigate(base + "/console")
	got := p.Problems()
	if len(got) != 2 {
		t.Fatalf("problems = %q, want the console.error and the exception", got)
	}
	if !strings.Contains(got[0], "console.error") || !strings.Contains(got[0], "something broke") {
		t.Errorf("first problem = %q, want the console.error", got[0])
	}
	if !strings.Contains(got[1], "uncaught exception") || !strings.Contains(got[1], "undefinedFunction") {
		t.Errorf("second problem = %q, want the ReferenceError", got[1])
	}
	if again := p.Problems(); len(again) != 0 {
		t.Errorf("Problems did not forget what it returned: %q", again)
	}
}

// axe finds the missing alt text, the missing label and the missing lang.
func TestBrowserHarnessAxeViolations(t *testing.T) {
	base := pages(t)
	b := Start(t)
	p := b.Page(t, Desktop)
	p.Navigate(base + "/bad")
	var ids []string
	for _, v := range p.Violations() {
		ids = append(ids, v.ID)
		if len(v.Nodes) == 0 || v.Help == "" {
			t.Errorf("violation %s says neither what nor where: %+v", v.ID, v)
		}
	}
	for _, want := range []string{"image-alt", "label", "html-has-lang"} {
		if !slices.Contains(ids, want) {
			t.Errorf("axe violations = %q, want %s among them", ids, want)
		}
	}
}

// With JavaScript off the page's script does not run, and axe still audits.
func TestBrowserHarnessJavaScriptOff(t *testing.T) {
	base := pages(t)
	b := Start(t)
	p := b.Page(t, Phone, NoJavaScript)
	if p.JavaScript() {
		t.Fatal("NoJavaScript page says it runs scripts")
	}
	p.Navigate(base + "/good")
	if got := p.Text("#js"); got != "off" {
		t.Errorf("with JavaScript off, #js = %q, want the page's own %q", got, "off")
	}
	if got := Eval[string](p, `document.getElementById('js').textContent`); got != "off" {
		t.Errorf("Eval on a page without JavaScript: #js = %q, want %q", got, "off")
	}
	p.CheckConsole("good page, no script")
	if vs := p.Violations(); len(vs) > 0 {
		t.Errorf("axe violations on a clean page: %v", vs)
	}
	// The setting holds across navigations.
	p.Navigate(base + "/good")
	if got := p.Text("#js"); got != "off" {
		t.Errorf("after a second load, #js = %q, want %q", got, "off")
	}
}

// Load waits for the page a form post leads to; Cookies sees HttpOnly ones.
func TestBrowserHarnessFormPost(t *testing.T) {
	base := pages(t)
	b := Start(t)
	for _, opts := range [][]Option{nil, {NoJavaScript}} {
		p := b.Page(t, Phone, opts...)
		p.Navigate(base + "/good")
		p.Do(chromedp.SendKeys(chromedp.CSS("#name"), "Ada"))
		p.Load(chromedp.Click(chromedp.CSS("form button")))
		if got := p.Location(); !strings.HasSuffix(got, "/good?posted=Ada") {
			t.Errorf("JavaScript %v: after the post, at %s", p.JavaScript(), got)
		}
		var seen bool
		for _, c := range p.Cookies() {
			seen = seen || c.Name == "seen" && c.Value == "yes" && c.HTTPOnly
		}
		if !seen {
			t.Errorf("JavaScript %v: the HttpOnly cookie of the post is not among %v", p.JavaScript(), p.Cookies())
		}
		p.CheckConsole("form post")
	}
}
