package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// guardAPI answers creates and verifies like coffeeshop's HTTP gateway with
// a simple prefix guard: a create that would make its prefix's sends reach
// minSends while fewer than a fifth of them verified blocks the prefix and
// is refused, as is every later create on it (429, ErrorInfo
// PREFIX_BLOCKED). minSends 0 turns the guard off. budget, when positive,
// refuses every create after that many sends (SMS_BUDGET_EXHAUSTED).
type guardAPI struct {
	minSends int
	budget   int
	code     string
	// maxAttempts, when positive, ends a verification at that many wrong
	// codes (MAX_ATTEMPTS_REACHED); each wrong code before texts a new
	// code, through the guard when guardWrong. texts counts every text,
	// served on /metrics as coffeeshop_sms_sent_total.
	maxAttempts int
	guardWrong  bool
	attempts    map[string]int
	texts       int

	mu        sync.Mutex
	sends     map[string]int // by prefix
	verified  map[string]int
	blocked   map[string]bool
	total     int
	customers map[string]string // ID → phone
	// from counts the requests from each X-Forwarded-For address;
	// noForward those without one.
	from      map[string]int
	noForward int
}

func newGuardAPI(minSends int) *guardAPI {
	return &guardAPI{minSends: minSends, code: "1234", sends: map[string]int{}, verified: map[string]int{},
		blocked: map[string]bool{}, customers: map[string]string{}, from: map[string]int{}, attempts: map[string]int{}}
}

// admit decides a text to prefix as the guard does: "" when it is sent
// (and counted), else the reason of its refusal. Called under mu.
func (f *guardAPI) admit(prefix string) string {
	switch {
	case f.budget > 0 && f.total >= f.budget:
		return coffeeshop.ReasonSMSBudgetExhausted
	case f.blocked[prefix]:
		return coffeeshop.ReasonPrefixBlocked
	case f.minSends > 0 && f.sends[prefix]+1 >= f.minSends && f.verified[prefix]*5 < f.sends[prefix]+1:
		f.blocked[prefix] = true
		return coffeeshop.ReasonPrefixBlocked
	}
	f.sends[prefix]++
	f.total++
	return ""
}

func refuse(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": 8, "message": "refused", "details": []any{
		map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "coffeeshop"}}})
}

func (f *guardAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/customers", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Customer struct {
				PhoneNumber string `json:"phone_number"`
			} `json:"customer"`
			RequestID string `json:"request_id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.RequestID == "" {
			http.Error(w, `{"code":3}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.count(r)
		phone := req.Customer.PhoneNumber
		for _, p := range f.customers {
			if p == phone {
				http.Error(w, `{"code":6}`, http.StatusConflict)
				return
			}
		}
		if reason := f.admit(coffeeshop.NumberPrefix(phone)); reason != "" {
			refuse(w, http.StatusTooManyRequests, reason)
			return
		}
		f.texts++
		id := "id-" + req.RequestID
		f.customers[id] = phone
		writeJSON(w, map[string]any{"customer": map[string]any{"id": id, "phoneVerified": false}})
	})
	mux.HandleFunc("POST /v1/customers/{call}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strings.CutSuffix(r.PathValue("call"), ":verify")
		var req struct {
			Code string `json:"verification_code"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.count(r)
		phone, ok := f.customers[id]
		if !ok {
			http.Error(w, `{"code":5}`, http.StatusNotFound)
			return
		}
		result := ResultIncorrectCode
		switch prefix := coffeeshop.NumberPrefix(phone); {
		case req.Code == f.code:
			result = ResultSuccess
			f.verified[prefix]++
		case f.maxAttempts > 0:
			if f.attempts[id]++; f.attempts[id] >= f.maxAttempts {
				result = "VERIFICATION_RESULT_MAX_ATTEMPTS_REACHED"
			} else if !f.guardWrong || f.admit(prefix) == "" {
				f.texts++ // the new code
			}
		}
		writeJSON(w, VerifyAnswer{CustomerID: id, Result: result})
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		fmt.Fprintf(w, "# TYPE coffeeshop_sms_sent_total counter\ncoffeeshop_sms_sent_total{provider=\"console\"} %d\n", f.texts)
	})
	return mux
}

func (f *guardAPI) count(r *http.Request) {
	if a := r.Header.Get("X-Forwarded-For"); a != "" {
		f.from[a]++
	} else {
		f.noForward++
	}
}

func pumpAgainst(t *testing.T, f *guardAPI, cfg Config) *PumpingReport {
	t.Helper()
	srv := httptest.NewServer(f.handler())
	t.Cleanup(srv.Close)
	cfg.URL, cfg.Code, cfg.Timeout = srv.URL, "1234", 10*time.Second
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 8
	}
	rep, err := RunPumping(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// The attack against a guard: the attacked prefix is blocked at
// its tenth send, after nine texts; every legitimate customer verifies;
// every request names a client address, one per signup.
func TestPumpingAgainstGuard(t *testing.T) {
	f := newGuardAPI(10)
	rep := pumpAgainst(t, f, Config{Legit: 40, Attack: 200, AttackPrefixes: 1})
	if rep.AttackTexts != 9 || rep.AttackRefused[coffeeshop.ReasonPrefixBlocked] != 191 || len(rep.AttackRefused) != 1 {
		t.Errorf("attack: %d texts, refused %v; want 9 and PREFIX_BLOCKED×191", rep.AttackTexts, rep.AttackRefused)
	}
	if rep.LegitVerified != 40 || len(rep.LegitRefused) != 0 || rep.Failed() {
		t.Errorf("legit: %d verified, refused %v; want 40 and none", rep.LegitVerified, rep.LegitRefused)
	}
	if len(rep.Prefixes) != 1 {
		t.Fatalf("prefixes %+v", rep.Prefixes)
	}
	p := rep.Prefixes[0]
	if !p.Blocked || p.SecondsToBlock <= 0 || p.SecondsToBlock > rep.Seconds || p.Signups != 200 || p.Texts != 9 ||
		!f.blocked[p.Prefix] {
		t.Errorf("prefix %+v; want %s blocked, 200 signups, 9 texts", p, p.Prefix)
	}
	// Each attack signup and each legitimate customer (create and verify)
	// from an address of its own.
	if f.noForward != 0 || len(f.from) != 240 {
		t.Errorf("%d requests without X-Forwarded-For, %d addresses; want 0 and 240", f.noForward, len(f.from))
	}
	twice := 0
	for _, n := range f.from {
		if n == 2 {
			twice++
		}
	}
	if twice != 40 {
		t.Errorf("%d addresses sent two requests, want 40 (the legitimate customers)", twice)
	}
	if c := opByPumpName(t, rep, OpAttackCreate); c.Requests != 200 || c.OK != 9 || c.Errors["429"] != 191 {
		t.Errorf("attack-create %+v", c)
	}
	var out strings.Builder
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"texts to attack numbers: 9 of 200 signups", "PREFIX_BLOCKED×191", "40 of 40 verified; refused: none", p.Prefix} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, out.String())
		}
	}
}

// Without a guard every attack signup is texted and no prefix is blocked;
// several attacked prefixes share the signups round robin.
func TestPumpingWithoutGuard(t *testing.T) {
	f := newGuardAPI(0)
	rep := pumpAgainst(t, f, Config{Legit: 10, Attack: 150, AttackPrefixes: 3, Concurrency: 4})
	if rep.AttackTexts != 150 || len(rep.AttackRefused) != 0 || rep.LegitVerified != 10 || rep.Failed() {
		t.Errorf("report %+v", rep)
	}
	if len(rep.Prefixes) != 3 || len(f.sends) != 13 {
		t.Fatalf("prefixes %+v, server saw %d prefixes (want 3 attacked + 10 legit)", rep.Prefixes, len(f.sends))
	}
	for _, p := range rep.Prefixes {
		if p.Blocked || p.Signups != 50 || p.Texts != 50 || f.sends[p.Prefix] != 50 {
			t.Errorf("prefix %+v; want 50 signups texted, not blocked", p)
		}
	}
	var out strings.Builder
	if err := rep.WriteText(&out); err != nil || !strings.Contains(out.String(), "not blocked") {
		t.Errorf("text report %q, %v", out.String(), err)
	}
}

// Legitimate customers refused are counted by step and reason, and fail
// the run; the JSON report has them.
func TestPumpingCountsRefusedLegitCustomers(t *testing.T) {
	f := newGuardAPI(0)
	f.budget = 20
	rep := pumpAgainst(t, f, Config{Legit: 20, Attack: 20, AttackPrefixes: 1, Concurrency: 1})
	refused := rep.LegitRefused["create "+coffeeshop.ReasonSMSBudgetExhausted]
	if !rep.Failed() || refused == 0 || rep.LegitVerified+refused != 20 || rep.LegitRefusedTotal() != refused ||
		rep.AttackTexts+rep.LegitVerified != 20 {
		t.Errorf("report %+v; want the budget to refuse legitimate customers", rep)
	}
	var out strings.Builder
	if err := rep.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	var back PumpingReport
	if err := json.Unmarshal([]byte(out.String()), &back); err != nil || back.LegitRefused["create SMS_BUDGET_EXHAUSTED"] != refused {
		t.Errorf("JSON %s: %v", out.String(), err)
	}
	// A wrong --code: every legitimate verify answers INCORRECT_CODE.
	srv := httptest.NewServer(newGuardAPI(10).handler())
	t.Cleanup(srv.Close)
	rep, err := RunPumping(context.Background(), Config{URL: srv.URL, Code: "9999", Timeout: 5 * time.Second, Concurrency: 2,
		Legit: 5, Attack: 5, AttackPrefixes: 1})
	if err != nil || rep.LegitRefused["verify "+ResultIncorrectCode] != 5 || !rep.Failed() {
		t.Errorf("wrong code: %+v, %v", rep, err)
	}
}

// An attack whose signups enter wrong codes until their verifications end
// gets no more texts from a guard that also decides the codes after wrong
// ones: nine on the prefix in all, counted from the server's metrics.
// Against one that lets those codes through, each admitted signup costs
// three texts.
func TestPumpingWithWrongCodes(t *testing.T) {
	for _, c := range []struct {
		guardWrong        bool
		texts, wrongTexts int
	}{{guardWrong: true, texts: 9}, {guardWrong: false, texts: 27, wrongTexts: 18}} {
		t.Run(fmt.Sprintf("guardWrong=%v", c.guardWrong), func(t *testing.T) {
			f := newGuardAPI(10)
			f.maxAttempts, f.guardWrong = 3, c.guardWrong
			srv := httptest.NewServer(f.handler())
			t.Cleanup(srv.Close)
			rep, err := RunPumping(context.Background(), Config{URL: srv.URL, Code: "1234", Timeout: 10 * time.Second, Concurrency: 8,
				Legit: 40, Attack: 200, AttackPrefixes: 1, AttackWrongCodes: true, MetricsURL: srv.URL + "/metrics"})
			if err != nil {
				t.Fatal(err)
			}
			if rep.AttackTexts != c.texts || rep.LegitVerified != 40 || rep.Failed() {
				t.Errorf("attack texts %d, legit verified %d; want %d and 40", rep.AttackTexts, rep.LegitVerified, c.texts)
			}
			created := opByPumpName(t, rep, OpAttackCreate).OK
			if c.wrongTexts != 0 && rep.AttackWrongTexts != c.wrongTexts || rep.AttackWrongTexts != rep.AttackTexts-created ||
				f.texts != rep.AttackTexts+40 {
				t.Errorf("after wrong codes %d, %d creates texted, server texts %d; want %d after wrong codes, %d in all",
					rep.AttackWrongTexts, created, f.texts, rep.AttackTexts-created, rep.AttackTexts+40)
			}
			// Two wrong codes and the one that ends it, per signup texted.
			if rep.AttackVerifies[ResultIncorrectCode] != 2*created || rep.AttackVerifies["VERIFICATION_RESULT_MAX_ATTEMPTS_REACHED"] != created ||
				opByPumpName(t, rep, OpAttackVerify).Requests != 3*created {
				t.Errorf("wrong codes answered %v for %d signups texted", rep.AttackVerifies, created)
			}
			var out strings.Builder
			if err := rep.WriteText(&out); err != nil || !strings.Contains(out.String(), fmt.Sprintf("of which after wrong codes: %d", rep.AttackWrongTexts)) {
				t.Errorf("text report %q, %v", out.String(), err)
			}
		})
	}
	// Without the server's metrics the texts cannot be counted.
	err := Config{Scenario: ScenarioPumping, URL: "http://127.0.0.1:1", Code: "1234", Timeout: time.Second, Concurrency: 1,
		Legit: 1, Attack: 1, AttackPrefixes: 1, AttackWrongCodes: true}.Validate()
	if err == nil || !strings.Contains(err.Error(), "--metrics-url") {
		t.Errorf("no metrics URL: %v", err)
	}
}

func opByPumpName(t *testing.T, rep *PumpingReport, name string) OpStats {
	t.Helper()
	for _, op := range rep.Operations {
		if op.Name == name {
			return op
		}
	}
	t.Fatalf("no %q operation in %+v", name, rep.Operations)
	return OpStats{}
}

func TestScheduleInterleaves(t *testing.T) {
	for _, tc := range []struct{ legit, attack int }{{40, 200}, {1, 1}, {0, 5}, {7, 3}, {3, 1000}} {
		s := schedule(tc.legit, tc.attack)
		var legit, attack []int
		for _, x := range s {
			if x.attack {
				attack = append(attack, x.i)
			} else {
				legit = append(legit, x.i)
			}
		}
		if len(legit) != tc.legit || len(attack) != tc.attack {
			t.Fatalf("%v: %d legit, %d attack", tc, len(legit), len(attack))
		}
		for i := range legit {
			if legit[i] != i {
				t.Fatalf("%v: legit out of order: %v", tc, legit)
			}
		}
		for i := range attack {
			if attack[i] != i {
				t.Fatalf("%v: attack out of order", tc)
			}
		}
	}
	// 40 among 200: one legitimate customer every five or six tasks, the
	// first after two attack signups.
	got := ""
	for _, x := range schedule(2, 10)[:12] {
		got += map[bool]string{true: "a", false: "L"}[x.attack]
	}
	if got != "aaLaaaaaLaaa" && got != "aaaLaaaaaLaa" {
		t.Errorf("schedule(2, 10) = %s; want the legitimate ones spread evenly", got)
	}
}

func TestPumpingRejectsBadConfig(t *testing.T) {
	base := Config{Scenario: ScenarioPumping, URL: "http://x", N: 1, Concurrency: 1, Code: "1", Timeout: time.Second,
		Legit: 40, Attack: 200, AttackPrefixes: 1}
	if err := base.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Legit = -1 }, "--legit"},
		{func(c *Config) { c.Attack = 0 }, "--attack 0"},
		{func(c *Config) { c.AttackPrefixes = 0 }, "--attack-prefixes"},
		{func(c *Config) { c.Attack = 1001 }, "at most 1000 signups a prefix"},
		{func(c *Config) { c.Scenario = "ddos" }, "--scenario"},
	} {
		c := base
		tc.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %s", c, err, tc.want)
		}
	}
}
