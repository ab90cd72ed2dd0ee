// Package e2e starts the real coffeeshop binary and talks to it over HTTP,
// the way a user does.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// binary is the coffeeshop binary built once for all tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "coffeeshop-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "coffeeshop")
	build := exec.Command("go", "build", "-o", binary, "../cmd/coffeeshop")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build coffeeshop:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// built returns the binary TestMain built. The first call looks at every
// Go file and go.mod/go.sum of the module: go test's cache records the
// files a test looks at (TestMain's are not recorded), so a change to the
// binary's sources runs the tests again instead of reusing their results.
func built() string {
	sourcesSeen.Do(statSources)
	return binary
}

var sourcesSeen sync.Once

func statSources() {
	_ = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil
		case d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != "..":
			return filepath.SkipDir
		case strings.HasSuffix(path, ".go"), d.Name() == "go.mod", d.Name() == "go.sum":
			_, _ = os.Stat(path)
		}
		return nil
	})
}

// freeAddr returns a loopback address with a port nobody listens on now,
// for a child process to bind. The port comes from [20000, the kernel's
// ephemeral range): a port the kernel handed out for ":0" may be taken
// again by any outgoing connection before the child binds it (seen in CI
// as "address already in use"); ports below the range are only ever taken
// by an explicit bind. It stays above 20000 because below that the embedded
// Temporal servers of other test processes (and of `coffeeshop dev`
// children) pick their internal ports at random (devserver's internalPort,
// [10000, 20000)), and one of them could bind a port between the check
// here and the child's bind. Each test binary starts at its own offset,
// from its pid. No port is handed out twice in one test binary.
func freeAddr(t *testing.T) string {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	low := ephemeralLowOnce()
	for tries := 0; tries < 2000; tries++ {
		nextPort++
		if nextPort < freeAddrLow || nextPort >= low {
			nextPort = freeAddrLow + os.Getpid()%1000*10%(low-freeAddrLow)
		}
		if handedOut[nextPort] {
			continue
		}
		addr := fmt.Sprintf("127.0.0.1:%d", nextPort)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		l.Close()
		handedOut[nextPort] = true
		return addr
	}
	t.Fatalf("no free loopback port in [%d, %d)", freeAddrLow, low)
	return ""
}

// freeAddrLow is the first port freeAddr hands out; the ports below are
// devserver's.
const freeAddrLow = 20000

var (
	portsMu   sync.Mutex
	nextPort  int
	handedOut = map[int]bool{}
)

// ephemeralLowOnce reads the range once per test binary.
var ephemeralLowOnce = sync.OnceValue(ephemeralLow)

// ephemeralLow is the first port of the kernel's ephemeral range (Linux's
// default when it cannot be read, or when the range starts so low that it
// leaves freeAddr fewer than 2000 ports; then freeAddr's ports may be
// ephemeral ones).
func ephemeralLow() int {
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		fmt.Sscan(string(b), &low)
	}
	if low < freeAddrLow+2000 {
		low = 32768
	}
	return low
}

// syncBuffer collects a process's output while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// process is a running coffeeshop.
type process struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

// start runs the binary with args; the process is killed at the end of the
// test and its output is logged if the test failed.
func start(t *testing.T, name string, env []string, args ...string) *process {
	t.Helper()
	return startProgram(t, name, built(), env, args...)
}

// startProgram is start for any program.
func startProgram(t *testing.T, name, program string, env []string, args ...string) *process {
	t.Helper()
	p := &process{t: t, name: name, out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(program, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.Env = append(os.Environ(), env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, p.out.String())
		}
	})
	return p
}

// kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *process) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// exitedWhile says that the process exited while the test waited for
// what, with its exit status and the end of its output (outputEnd). A
// failure message starts with it, so that the reason shows even in a log
// cut short, before the whole output that is logged at the end of the test.
func (p *process) exitedWhile(what string) string {
	return fmt.Sprintf("%s exited (%s) while waiting for %s; the end of its output:\n%s",
		p.name, p.cmd.ProcessState, what, outputEnd(p.out.String()))
}

// outputEnd returns what tells best why a program ended: the lines of its
// output that report an error before its last 30 lines (the last 10 of
// them), then the last 30 lines, each cut to 2000 bytes. Error lines are
// the Temporal server's JSON ones of level error, dpanic, panic or fatal,
// and a Go panic's or fatal error's first line.
func outputEnd(out string) string {
	const last, maxErrors, maxLine = 30, 10, 2000
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	tail := lines[max(0, len(lines)-last):]
	var errs []string
	for _, l := range lines[:len(lines)-len(tail)] {
		for _, mark := range []string{`"level":"error"`, `"level":"dpanic"`, `"level":"panic"`, `"level":"fatal"`, "panic: ", "fatal error: "} {
			if strings.Contains(l, mark) {
				errs = append(errs, l)
				break
			}
		}
	}
	errs = errs[max(0, len(errs)-maxErrors):]
	var b strings.Builder
	if len(errs) > 0 {
		fmt.Fprintf(&b, "[the last %d error lines before the last %d lines]\n", len(errs), len(tail))
		for _, l := range errs {
			b.WriteString(cut(l, maxLine) + "\n")
		}
		fmt.Fprintf(&b, "[the last %d lines]\n", len(tail))
	}
	for _, l := range tail {
		b.WriteString(cut(l, maxLine) + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// cut shortens s to at most n bytes, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…[cut]"
}

// terminate asks the process to stop with SIGTERM and waits for a clean exit.
func (p *process) terminate() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		p.t.Fatalf("%s did not stop within 60s of SIGTERM", p.name)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		p.t.Errorf("%s exited with %d after SIGTERM", p.name, code)
	}
}

// waitFor polls cond until it holds, failing after limit. It waits for
// processes to come up; no test asserts on how long that takes.
func waitFor(t *testing.T, p *process, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		select {
		case <-p.done:
			t.Fatal(p.exitedWhile(what))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %s after %s", p.name, what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitHTTP waits until the HTTP API at base answers a request: 404 for an
// unknown customer, or 401 from an API that requires a key (both come from
// the gRPC server behind the gateway).
func waitHTTP(t *testing.T, p *process, base string) {
	t.Helper()
	waitFor(t, p, "HTTP API at "+base, 2*time.Minute, func() bool {
		resp, err := http.Get(base + "/v1/customers/00000000-0000-4000-8000-000000000000")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusUnauthorized
	})
}

// api is an HTTP client of one coffeeshop HTTP API.
type api struct {
	t    *testing.T
	base string
	// key, when set, is sent as "Authorization: Bearer <key>" unless a
	// request sets its own Authorization header.
	key string
}

// do sends body and returns the status and the decoded JSON answer.
func (a api) do(method, path, body string) (int, map[string]any) {
	a.t.Helper()
	r := a.send(method, path, body)
	return r.status, r.body
}

// reply is a whole HTTP answer.
type reply struct {
	status int
	header http.Header
	body   map[string]any
}

// send sends body as JSON with the header name/value pairs and returns
// the whole answer; no answer or a non-JSON body fails the test.
func (a api) send(method, path, body string, header ...string) reply {
	a.t.Helper()
	r, err := a.try(method, path, body, header...)
	if err != nil {
		a.t.Fatal(err)
	}
	return r
}

// try is send that returns its failure instead of failing the test, so that
// goroutines other than the test's may call it.
func (a api) try(method, path, body string, header ...string) (reply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, strings.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if a.key != "" {
		req.Header.Set("Authorization", "Bearer "+a.key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		return r, fmt.Errorf("%s %s: %d with non-JSON body %q", method, path, resp.StatusCode, raw)
	}
	return r, nil
}

// create signs up a customer and returns its id.
func (a api) create(phone string) string {
	a.t.Helper()
	// Phone numbers and emails are unique per customer: derive one from the other.
	email := "c" + strings.TrimPrefix(phone, "+") + "@example.com"
	body := fmt.Sprintf(`{"customer":{"first_name":"Test","last_name":"Customer","email":%q,"phone_number":%q}}`, email, phone)
	status, out := a.do("POST", "/v1/customers", body)
	if status != http.StatusOK {
		a.t.Fatalf("create: %d %v", status, out)
	}
	c, _ := out["customer"].(map[string]any)
	id, _ := c["id"].(string)
	if id == "" {
		a.t.Fatalf("create: no id in %v", out)
	}
	return id
}

// verify sends a code and returns the result enum name.
func (a api) verify(id, code string) string {
	a.t.Helper()
	status, out := a.do("POST", "/v1/customers/"+id+":verify", fmt.Sprintf(`{"verification_code":%q}`, code))
	if status != http.StatusOK {
		a.t.Fatalf("verify %s: %d %v", code, status, out)
	}
	if out["customerId"] != id {
		a.t.Errorf("verify: customerId %v, want %s", out["customerId"], id)
	}
	r, _ := out["result"].(string)
	return r
}

// phoneVerified reads the customer back.
func (a api) phoneVerified(id string) bool {
	a.t.Helper()
	status, out := a.do("GET", "/v1/customers/"+id, "")
	if status != http.StatusOK {
		a.t.Fatalf("get: %d %v", status, out)
	}
	c, _ := out["customer"].(map[string]any)
	v, ok := c["phoneVerified"].(bool)
	if !ok {
		a.t.Fatalf("get: no phoneVerified in %v", out)
	}
	return v
}

func expect(t *testing.T, step, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got %s, want %s", step, got, want)
	}
}

// devWithStdout runs dev on s with random ten-digit codes and the given
// extra arguments and environment, keeping stdout (the console sender's
// texts) apart from stderr (the logs, which p.out holds).
func devWithStdout(t *testing.T, s devStack, env []string, extra ...string) (p *process, stdout, stderr *syncBuffer) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	p = &process{t: t, name: "coffeeshop dev", out: stderr, done: make(chan struct{})}
	args := append([]string{"dev", "--data-dir", s.dataDir, "--temporal-addr", s.temporal,
		"--ui-addr", s.ui, "--grpc-addr", s.grpc, "--http-addr", s.http, "--codec-addr", s.codec,
		"--random-codes", "--code-length", "10"}, extra...)
	p.cmd = exec.Command(built(), args...)
	p.cmd.Stdout, p.cmd.Stderr = stdout, stderr
	p.cmd.Env = append(os.Environ(), env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
	})
	return p, stdout, stderr
}

// textedCodes returns the ten-digit codes the console sender has texted to
// phone so far (on stdout), once there are at least n.
func textedCodes(t *testing.T, p *process, stdout *syncBuffer, phone string, n int) []string {
	t.Helper()
	sms := regexp.MustCompile(`SMS to ` + regexp.QuoteMeta(coffeeshop.MaskPhone(phone)) + `: Your coffeeshop verification code is (\d{10})\.`)
	var found []string
	waitFor(t, p, "text message", time.Minute, func() bool {
		found = nil
		for _, m := range sms.FindAllStringSubmatch(stdout.String(), -1) {
			found = append(found, m[1])
		}
		return len(found) >= n
	})
	return found
}

// payloadKeys is the environment that gives a worker or api process the
// payload keys, without which it does not start.
const payloadKeys = "COFFEESHOP_ENCRYPTION_KEYS=e2e:NIlD/MLFr5zcM5O9iwEIWum6Re6OKs2wdwzO3WCdLa0="

// startSplitTemporal starts `coffeeshop temporal` on a fresh data dir and
// waits for its banner. It returns the flags that point a worker or an api
// at it and at the database dbURL, and the environment they must share
// (the key of the code MACs and the payload keys).
func startSplitTemporal(t *testing.T, dbURL string) (temporal *process, remote, secret []string) {
	t.Helper()
	addr := freeAddr(t)
	temporal = start(t, "coffeeshop temporal", nil, "temporal",
		"--data-dir", filepath.Join(t.TempDir(), "data"), "--temporal-addr", addr, "--ui-addr", "")
	waitFor(t, temporal, "ready banner", 2*time.Minute, func() bool {
		return strings.Contains(temporal.out.String(), "ready")
	})
	remote = []string{"--temporal-address", addr, "--namespace", "default", "--database-url", dbURL}
	return temporal, remote, sharedSecrets()
}

// sharedSecrets is the environment that the worker and api processes of
// one deployment must share: the key of the code MACs and the payload keys.
func sharedSecrets() []string {
	return []string{"COFFEESHOP_CODE_SECRET=" + strings.Repeat("5e", 32), payloadKeys}
}
