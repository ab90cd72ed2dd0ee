// Package browsertest drives a headless Chromium for tests of coffeeshop's
// pages: a tab per page under test, in its own browser context (cookies of its
// own), at a phone or desktop viewport, with or without JavaScript. It records
// the console errors and uncaught exceptions of the tab, audits the page with
// axe-core, and writes full-page screenshots when the test runs with
// -update-screenshots.
//
// It needs Debian's chromium (/usr/bin/chromium, or $COFFEESHOP_CHROMIUM) and
// axe-core's axe.min.js ($COFFEESHOP_AXE_JS, or where .ci/run installs it).
// Without them a test skips, except under CI=true, where it fails.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

var updateScreenshots = flag.Bool("update-screenshots", false,
	"write full-page screenshots of the browser tests' steps under docs/screenshots")

// Updating reports whether the test run writes screenshots.
func Updating() bool { return *updateScreenshots }

// Viewport is a window size the page is tested at.
type Viewport struct {
	Name          string // in screenshot file names
	Width, Height int64
	Mobile        bool // mobile emulation (meta viewport honoured) and touch
}

var (
	// Phone is a small phone held upright.
	Phone = Viewport{Name: "mobile", Width: 360, Height: 740, Mobile: true}
	// Desktop is a laptop's browser window.
	Desktop = Viewport{Name: "desktop", Width: 1280, Height: 800}
	// Viewports are the sizes every page is tested at.
	Viewports = []Viewport{Phone, Desktop}
)

// actionTimeout bounds each step a test asks of the browser, so a page that
// never shows what the test waits for fails the test instead of hanging it.
const actionTimeout = 30 * time.Second

// chromiumPath is where the browser is: Debian's package, unless the
// environment names another.
func chromiumPath() string {
	if p := os.Getenv("COFFEESHOP_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// axePath is where axe.min.js is: $COFFEESHOP_AXE_JS, else the folder
// .ci/run installs axe-core into.
func axePath() string {
	if p := os.Getenv("COFFEESHOP_AXE_JS"); p != "" {
		return p
	}
	cache, _ := os.UserCacheDir() // $XDG_CACHE_HOME or ~/.cache, as .ci/run
	return filepath.Join(cache, "coffeeshop-axe", "node_modules", "axe-core", "axe.min.js")
}

// missing skips the test, or fails it under CI=true, where a missing browser
// must not pass silently.
func missing(t testing.TB, what string) {
	t.Helper()
	msg := what + " (run .ci/run once, or: apt-get install chromium; npm install --prefix ~/.cache/coffeeshop-axe axe-core@4)"
	if os.Getenv("CI") == "true" {
		t.Fatal("browser tests: " + msg)
	}
	t.Skip("browser tests skipped: " + msg)
}

// Browser is one headless Chromium, closed at the end of the test.
type Browser struct {
	ctx context.Context
	axe string // axe.min.js's source
	// ScreenshotDir is where Screenshot writes; docs/screenshots of the
	// module unless a test changes it.
	ScreenshotDir string
}

// Start starts Chromium with a fresh profile. It skips the test (fails it
// under CI=true) when Chromium or axe-core is missing.
func Start(t testing.TB) *Browser {
	t.Helper()
	exe := chromiumPath()
	if _, err := os.Stat(exe); err != nil {
		missing(t, "no Chromium at "+exe)
	}
	axe, err := os.ReadFile(axePath())
	if err != nil {
		missing(t, "no axe-core at "+axePath())
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser and its first tab. It runs on ctx
	// itself: the browser lives as long as the context of its first action.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return &Browser{ctx: ctx, axe: string(axe), ScreenshotDir: filepath.Join(root, "docs", "screenshots")}
}

// moduleRoot is the folder of go.mod above the test's working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("browsertest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Option changes how a Page is opened.
type Option func(*Page)

// NoJavaScript opens the page with script execution disabled, as a person
// who turned JavaScript off sees it.
func NoJavaScript(p *Page) { p.noJS = true }

// Page is one tab of the Browser. Its methods fail the test on an error of
// the browser; the checks (CheckConsole, Audit) report with t.Errorf so a
// test sees every problem of a step at once.
type Page struct {
	t    testing.TB
	b    *Browser
	ctx  context.Context
	vp   Viewport
	noJS bool
	// scriptsOn: a NoJavaScript page has scripts on for an evaluation.
	scriptsOn bool

	mu       sync.Mutex
	problems []problemEntry // console errors and uncaught exceptions not yet reported
}

// Page opens a tab in a browser context of its own (no cookies shared with
// other pages) at viewport vp. The tab closes at the end of the test.
func (b *Browser) Page(t testing.TB, vp Viewport, opts ...Option) *Page {
	t.Helper()
	p := &Page{t: t, b: b, vp: vp}
	for _, o := range opts {
		o(p)
	}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(p.listen))
	p.ctx = ctx
	t.Cleanup(cancel)
	// Open the tab on ctx itself: it lives as long as its first action's context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	emulate := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
	if vp.Mobile {
		emulate = append(emulate, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	p.Do(
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			// The Log domain reports what the console shows but no script
			// logged: CSP violations, failed loads.
			_, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{})
			return err
		}),
		chromedp.EmulateViewport(vp.Width, vp.Height, emulate...),
		scriptsDisabled(p.noJS),
	)
	return p
}

// scriptsDisabled turns the page's script execution off or on. It holds
// across navigations of the tab.
func scriptsDisabled(off bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled,
			emulation.SetScriptExecutionDisabledParams{Value: off})
		return err
	})
}

// Viewport is the page's viewport.
func (p *Page) Viewport() Viewport { return p.vp }

// JavaScript reports whether the page runs scripts.
func (p *Page) JavaScript() bool { return !p.noJS }

// listen records the tab's console errors and uncaught exceptions. It runs in
// chromedp's read loop, so it only appends.
func (p *Page) listen(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var args []string
		for _, a := range ev.Args {
			switch {
			case len(a.Value) > 0:
				args = append(args, string(a.Value))
			case a.Description != "":
				args = append(args, a.Description)
			}
		}
		problem = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		problem = fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, text)
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		if e == nil || e.Level != cdplog.EntryLevelError {
			return
		}
		if e.Source == cdplog.EntrySourceNetwork && strings.HasSuffix(e.URL, "/favicon.ico") {
			// The browser asks for /favicon.ico by itself when a page names
			// no icon; its 404 is no fault of the page.
			return
		}
		problem = fmt.Sprintf("console (%s): %s", e.Source, e.Text)
		if e.URL != "" {
			problem += " (" + e.URL + ")"
		}
		if e.Source == cdplog.EntrySourceNetwork {
			// A page answered with a 4xx on purpose (422 for a wrong code)
			// is logged too; Problems drops it when it is the page shown.
			p.mu.Lock()
			p.problems = append(p.problems, problemEntry{text: problem, url: e.URL})
			p.mu.Unlock()
			return
		}
	default:
		return
	}
	p.mu.Lock()
	p.problems = append(p.problems, problemEntry{text: problem})
	p.mu.Unlock()
}

// problemEntry is a console problem; url is set for a failed load.
type problemEntry struct{ text, url string }

// Problems returns the console errors and uncaught exceptions seen since the
// last call (or CheckConsole), and forgets them. A failed load of the
// document the tab shows now is not one: its status is the page's answer.
func (p *Page) Problems() []string {
	p.t.Helper()
	p.mu.Lock()
	entries := p.problems
	p.problems = nil
	p.mu.Unlock()
	var doc string
	var got []string
	for _, e := range entries {
		if e.url != "" {
			if doc == "" {
				doc = p.Location()
			}
			if e.url == doc {
				continue
			}
		}
		got = append(got, e.text)
	}
	return got
}

// CheckConsole fails the test if the page logged an error or threw an
// uncaught exception since the last check; step names the moment.
func (p *Page) CheckConsole(step string) {
	p.t.Helper()
	for _, problem := range p.Problems() {
		p.t.Errorf("%s (%s): %s", step, p.describe(), problem)
	}
}

func (p *Page) describe() string {
	js := "JavaScript on"
	if p.noJS {
		js = "JavaScript off"
	}
	return fmt.Sprintf("%s %dx%d, %s", p.vp.Name, p.vp.Width, p.vp.Height, js)
}

// Do runs the actions in the tab, failing the test on the first error.
func (p *Page) Do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("browser (%s): %v", p.describe(), err)
	}
}

// Run runs one action in p's tab and returns its value, failing the test on
// an error.
func Run[T any](p *Page, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("browser (%s): %v", p.describe(), err)
	}
	return v
}

// Navigate loads url and waits for its load event.
func (p *Page) Navigate(url string) {
	p.t.Helper()
	p.Do(chromedp.Navigate(url))
}

// Load runs trigger (a click, the last digit typed) and waits for the page
// it leads to to load: a form post and its redirect.
func (p *Page) Load(trigger chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	Run(p, chromedp.WaitEvent(page.LoadEventFired, nil, trigger))
}

// Location is the page's URL.
func (p *Page) Location() string {
	p.t.Helper()
	return Run(p, chromedp.Location())
}

// Cookies are the cookies the page would send, HttpOnly ones included.
func (p *Page) Cookies() []*network.Cookie {
	p.t.Helper()
	return Run(p, func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		r, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{})
		if err != nil {
			return nil, err
		}
		return r.Cookies, nil
	})
}

// Text is the text of the first element selector matches, once it is there.
func (p *Page) Text(selector string) string {
	p.t.Helper()
	return Run(p, chromedp.Text(chromedp.CSS(selector)))
}

// Eval evaluates a JavaScript expression in the page and decodes its JSON
// value into T. On a page without JavaScript it works too (see withScripts).
func Eval[T any](p *Page, expression string) T {
	p.t.Helper()
	defer p.withScripts()()
	return Run(p, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
}

// withScripts lets the test evaluate in a page opened with NoJavaScript, where
// the browser evaluates nothing, until the func it returns is called. The
// page's own scripts, skipped when it loaded, do not run meanwhile, and the
// next page loads with scripts off again.
func (p *Page) withScripts() (restore func()) {
	p.t.Helper()
	if !p.noJS || p.scriptsOn {
		return func() {}
	}
	p.Do(scriptsDisabled(false))
	p.scriptsOn = true
	return func() {
		p.t.Helper()
		p.scriptsOn = false
		p.Do(scriptsDisabled(true))
	}
}

// Violation is one axe-core rule the page breaks.
type Violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"` // each: the element's selector, then what is wrong
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s): %s\n\t\t%s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t\t"))
}

// axeRun runs axe-core over the whole document and answers its violations as
// JSON, each node with its selector and axe's summary of the failure.
const axeRun = `axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations.map(v => ({
  id: v.id, impact: v.impact || '', help: v.help,
  nodes: v.nodes.map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\s+/g, ' '))
}))))`

// Violations runs axe-core in the page as it is now and returns what it
// finds. axe.min.js is injected into the page when it is not there yet.
func (p *Page) Violations() []Violation {
	p.t.Helper()
	defer p.withScripts()()
	if !Eval[bool](p, `typeof axe !== 'undefined'`) {
		Run(p, chromedp.Evaluate[chromedp.Void](p.b.axe))
	}
	raw := Eval[string](p, axeRun)
	var vs []Violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		p.t.Fatalf("axe's answer %q: %v", raw, err)
	}
	return vs
}

// Audit fails the test, listing them, if axe-core finds any violation.
func (p *Page) Audit(step string) {
	p.t.Helper()
	for _, v := range p.Violations() {
		p.t.Errorf("%s (%s): accessibility: %s", step, p.describe(), v)
	}
}

// Screenshot writes a full-page PNG of the page as
// <ScreenshotDir>/<name>-<viewport>.png, only when the test runs with
// -update-screenshots.
func (p *Page) Screenshot(name string) {
	p.t.Helper()
	if !*updateScreenshots {
		return
	}
	p.WriteScreenshot(filepath.Join(p.b.ScreenshotDir, name+"-"+p.vp.Name+".png"))
}

// WriteScreenshot writes a full-page PNG of the page to path.
func (p *Page) WriteScreenshot(path string) {
	p.t.Helper()
	png := Run(p, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// Check is what every step of a flow ends with: no console error, no
// accessibility violation, and its screenshot (with -update-screenshots).
func (p *Page) Check(step string) {
	p.t.Helper()
	p.CheckConsole(step)
	p.Audit(step)
	p.Screenshot(step)
}
