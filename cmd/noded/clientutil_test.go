package main

import (
	"bytes"
	"strings"
	"testing"
)

// runCLI runs the noded root command in-process with the given arguments
// and returns what it printed to standard output. The error is what main
// would print after "noded: ".
func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.Execute()
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Errorf("noded %s: error is not one line: %q", strings.Join(args, " "), err)
	}
	return out.String(), err
}

// mustRun is runCLI for commands that must succeed.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCLI(t, "", args...)
	if err != nil {
		t.Fatalf("noded %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// mustFail is runCLI for commands that must fail; it returns the reason.
func mustFail(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCLI(t, "", args...)
	if err == nil {
		t.Fatalf("noded %s succeeded, want an error; output:\n%s", strings.Join(args, " "), out)
	}
	return err.Error()
}
