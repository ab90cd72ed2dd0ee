package verify_test

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/sqlite"
	"github.com/coffeeshop/coffeeshop/verify"
)

const (
	testNumberRange = "+447700900000-+447700900999"
	testCode        = "424242"
)

func testNumbers(t *testing.T) coffeeshop.TestNumbers {
	t.Helper()
	tn, err := coffeeshop.ParseTestNumbers(testNumberRange)
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

// sendCodeEnv runs SendCode of acts (on a fresh store, which is also the
// ledger, and the recording sender) in an activity test environment whose
// log lines go to the returned buffer.
func sendCodeEnv(t *testing.T, acts *verify.Activities) (*testsuite.TestActivityEnvironment, *sqlite.Store, *recordingSMS, *bytes.Buffer) {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "customers.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var logs bytes.Buffer
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	env := suite.NewTestActivityEnvironment()
	sms := &recordingSMS{}
	acts.Store, acts.Ledger, acts.SMS, acts.Secret = store, store, sms, testSecret
	if acts.NewCode == nil {
		acts.NewCode = verify.FixedCode("1234")
	}
	env.RegisterActivity(acts)
	return env, store, sms, &logs
}

// noLedgerEntry fails t when the ledger holds a send to phone: with a limit
// of 1, a first send must be allowed.
func noLedgerEntry(t *testing.T, store *sqlite.Store, phone string) {
	t.Helper()
	ok, _, err := store.RecordCodeSent(t.Context(), phone, "probe", time.Now(), verify.DefaultPhoneCodeWindow, 1)
	if err != nil || !ok {
		t.Errorf("the ledger counts a send to %s (a send with limit 1: %v, %v)", phone, ok, err)
	}
}

// A test number gets the test code's MAC, is not texted, is not in the
// ledger, and its log line masks the number and holds no code.
func TestSendCodeToTestNumber(t *testing.T) {
	acts := &verify.Activities{TestNumbers: testNumbers(t), TestCode: testCode, NewCode: verify.FixedCode("9876")}
	env, store, sms, logs := sendCodeEnv(t, acts)
	in := verify.SendCodeInput{CustomerID: "6f1c1f5e-4b8e-4d3a-9a57-2f1f0f0b6c11", PhoneNumber: "+447700900123",
		CodeTTL: time.Minute, CodeLength: len(testCode)}
	v, err := env.ExecuteActivity(acts.SendCode, in)
	if err != nil {
		t.Fatal(err)
	}
	var res verify.SendCodeResult
	if err := v.Get(&res); err != nil {
		t.Fatal(err)
	}
	if res.CodeMAC != verify.CodeMAC(testSecret, in.CustomerID, testCode) {
		t.Errorf("MAC %s is not the test code's", res.CodeMAC)
	}
	if res.ExpiresAt.IsZero() {
		t.Error("no expiry")
	}
	if n := sms.attempts(); n != 0 {
		t.Errorf("%d texts to a test number, want none", n)
	}
	noLedgerEntry(t, store, in.PhoneNumber)
	out := logs.String()
	if !strings.Contains(out, "test number: not texted") || !strings.Contains(out, coffeeshop.MaskPhone(in.PhoneNumber)) {
		t.Errorf("log %q: want the line with the masked number", out)
	}
	for _, secret := range []string{in.PhoneNumber, testCode} {
		if strings.Contains(out, secret) {
			t.Errorf("log %q holds %q", out, secret)
		}
	}
}

// Any other number is texted a generated code and counted, as before.
func TestSendCodeToOtherNumberIsTexted(t *testing.T) {
	acts := &verify.Activities{TestNumbers: testNumbers(t), TestCode: testCode}
	env, store, sms, _ := sendCodeEnv(t, acts)
	in := verify.SendCodeInput{CustomerID: "6f1c1f5e-4b8e-4d3a-9a57-2f1f0f0b6c12", PhoneNumber: "+447700901000",
		CodeTTL: time.Minute, CodeLength: 4}
	v, err := env.ExecuteActivity(acts.SendCode, in)
	if err != nil {
		t.Fatal(err)
	}
	var res verify.SendCodeResult
	if err := v.Get(&res); err != nil {
		t.Fatal(err)
	}
	if res.CodeMAC != verify.CodeMAC(testSecret, in.CustomerID, "1234") {
		t.Errorf("MAC %s is not the generated code's", res.CodeMAC)
	}
	if n := sms.count(); n != 1 {
		t.Errorf("%d texts, want 1", n)
	}
	ok, _, err := store.RecordCodeSent(t.Context(), in.PhoneNumber, "probe", time.Now(), verify.DefaultPhoneCodeWindow, 1)
	if err != nil || ok {
		t.Errorf("a second send with limit 1 allowed: %v, %v; the first was not counted", ok, err)
	}
}

// Test numbers without a test code are a configuration error, retried; the
// number is not texted meanwhile.
func TestTestNumbersWithoutTestCode(t *testing.T) {
	acts := &verify.Activities{TestNumbers: testNumbers(t)}
	env, store, sms, _ := sendCodeEnv(t, acts)
	in := verify.SendCodeInput{CustomerID: "6f1c1f5e-4b8e-4d3a-9a57-2f1f0f0b6c13", PhoneNumber: "+447700900001",
		CodeTTL: time.Minute, CodeLength: 4}
	_, err := env.ExecuteActivity(acts.SendCode, in)
	if err == nil || !strings.Contains(err.Error(), "no test code") {
		t.Fatalf("err %v, want the missing test code", err)
	}
	if n := sms.attempts(); n != 0 {
		t.Errorf("%d texts, want none", n)
	}
	noLedgerEntry(t, store, in.PhoneNumber)
}

// On the real server a test-number customer verifies with the test code;
// the SMS sender got nothing and the ledger has no entry.
func TestTestNumberVerifiesOnServer(t *testing.T) {
	tn := testNumbers(t)
	s := newStackWith(t, verify.FixedCode("9999"), verify.Client{CodeLength: len(testCode)}, func(a *verify.Activities) {
		a.TestNumbers, a.TestCode = tn, testCode
	})
	c := &coffeeshop.Customer{ID: "0b7f4a52-8a8e-4d0e-9d5e-6a1f3c2b9e77", FirstName: "App", LastName: "Reviewer",
		Email: "reviewer@example.com", PhoneNumber: "+447700900042"}
	if err := s.store.InsertCustomer(ctx(t), c); err != nil {
		t.Fatal(err)
	}
	if err := s.client.StartVerification(ctx(t), c); err != nil {
		t.Fatal(err)
	}
	expect(t, "the generated code", s.verify(c, "999999", ""), coffeeshop.VerificationIncorrectCode)
	expect(t, "the test code", s.verify(c, testCode, ""), coffeeshop.VerificationSuccess)
	got, err := s.store.GetCustomer(ctx(t), c.ID)
	if err != nil || !got.PhoneVerified {
		t.Errorf("customer %+v, %v: want verified", got, err)
	}
	if n := s.sms.attempts(); n != 0 {
		t.Errorf("%d texts to a test number, want none", n)
	}
	noLedgerEntry(t, s.store, c.PhoneNumber)
}
