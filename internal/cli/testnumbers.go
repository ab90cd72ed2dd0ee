package cli

import (
	"errors"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/verify"
)

// TestNumberFlags set numbers aside for CI and app-store reviewers (dev,
// worker, api): the worker never texts them and gives them TestCode; the
// API lets them past every limit and the guard.
type TestNumberFlags struct {
	TestNumbers testNumbers `name:"test-numbers" env:"COFFEESHOP_TEST_NUMBERS" doc-default:"none" help:"comma-separated E.164 numbers and FROM-TO ranges of numbers of one length (e.g. +447700900000-+447700900999) that are never texted, get --test-code, and skip every limit and the SMS pumping guard: for CI and app-store reviewers. Keep the list short; every worker and api process needs the same one"`
	TestCode    string      `name:"test-code" env:"COFFEESHOP_TEST_CODE" doc-default:"none; required with --test-numbers" help:"the code every test number gets, digits (in dev and api: --code-length of them). Anyone who knows it can verify a test number: keep it secret, and prefer the variable: a flag shows in the process list"`
}

// Numbers is the list of test numbers; empty when none are set.
func (f *TestNumberFlags) Numbers() coffeeshop.TestNumbers { return f.TestNumbers.TestNumbers }

// testNumbers is --test-numbers, read by coffeeshop.ParseTestNumbers as it
// is parsed, so a bad list stops the start naming the flag.
type testNumbers struct{ coffeeshop.TestNumbers }

func (t *testNumbers) UnmarshalText(b []byte) error {
	v, err := coffeeshop.ParseTestNumbers(string(b))
	if err != nil {
		return err
	}
	t.TestNumbers = v
	return nil
}

// validate checks the test code; codeLength is the length of the codes
// the API takes (dev, api), 0 where it is not known (worker). The code is
// never shown.
func (f *TestNumberFlags) validate(codeLength int) []error {
	switch {
	case f.TestCode == "" && !f.Numbers().Empty():
		return []error{errors.New("--test-numbers needs --test-code: the code its numbers get, as they are never texted")}
	case f.TestCode == "":
		return nil
	case !coffeeshop.IsDigits(f.TestCode) || len(f.TestCode) < verify.MinCodeLength || len(f.TestCode) > verify.MaxCodeLength:
		return []error{badSetting("test-code", nil, "must be %d to %d digits", verify.MinCodeLength, verify.MaxCodeLength)}
	case codeLength > 0 && len(f.TestCode) != codeLength:
		return []error{badSetting("test-code", nil, "must have --code-length (%d) digits", codeLength)}
	}
	return nil
}
