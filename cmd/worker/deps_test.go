package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The worker connects to a Temporal server; it must not carry one. Only the
// dev stack and the tests link go.temporal.io/server.
func TestWorkerDoesNotLinkTheTemporalServer(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "go.temporal.io/server") || strings.HasPrefix(pkg, "github.com/temporalio/ui-server") {
			t.Fatalf("the worker binary links %s", pkg)
		}
	}
	if !strings.Contains(string(out), "go.temporal.io/sdk/worker") {
		t.Fatal("go list -deps did not list the SDK: the check is not looking at the worker")
	}
}
