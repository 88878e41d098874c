// Package baton_test holds checks on the module as a whole.
package baton_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/baton-oncall/baton"

// vendorFree are the packages that must link no vendor's client: the
// workflows, which replay on every worker and must not be able to reach a
// network client, and the pure packages they decide and render with. They
// see vendors only through the interfaces of activities/chat, pager and
// phone, whose adapters are sub-packages for that reason.
var vendorFree = []string{"workflows", "incidentview", "rosterview", "phoneline", "team", "summary", "contract", "statuspage", "support", "silence"}

// sdkFree are the packages that take requests from outside: they may use
// Baton's own code of a vendor's protocol (Twilio's signature in
// activities/phone/twilio) but link no vendor's SDK, so that the gateway
// answers whatever a vendor's client library does, and Socket Mode, which
// needs slack-go, is wired in by the worker (chat.EnvelopeHandler).
var sdkFree = []string{"gateway", "incidentclient", "handoverclient", "rosterclient", "heartbeatclient", "checkclient", "supportclient", "silenceclient"}

// vendorSDKs are the adapters' SDKs; logrus comes with Opsgenie's, pgx is the
// checks' SQL adapter's.
var vendorSDKs = []string{
	"github.com/slack-go/slack",
	"github.com/opsgenie/opsgenie-go-sdk-v2",
	"github.com/sirupsen/logrus",
	"github.com/jackc/pgx",
}

// isVendor reports whether pkg is a vendor's SDK or one of Baton's adapters:
// a package under an interface's package in activities, such as
// activities/chat/slack.
func isVendor(pkg string) bool {
	rest, ok := strings.CutPrefix(pkg, module+"/activities/")
	return ok && strings.Contains(rest, "/") || isSDK(pkg)
}

// isSDK reports whether pkg is a vendor's SDK.
func isSDK(pkg string) bool {
	for _, sdk := range vendorSDKs {
		if pkg == sdk || strings.HasPrefix(pkg, sdk+"/") {
			return true
		}
	}
	return false
}

func TestWorkflowsLinkNoVendor(t *testing.T) {
	roots := []string{module + "/worker"}
	for _, p := range slices.Concat(vendorFree, sdkFree) {
		roots = append(roots, module+"/"+p)
	}
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}"}, roots...)
	cmd := exec.Command("go", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	imports := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) > 0 {
			imports[f[0]] = f[1:]
		}
	}

	// The worker links every adapter: if it links none, the names above no
	// longer match the code and the check below would pass on anything.
	if importChain(imports, module+"/worker", isVendor) == nil {
		t.Fatal("the worker links no vendor's client that this check knows: the check is not looking at the adapters")
	}
	if importChain(imports, module+"/worker", isSDK) == nil {
		t.Fatal("the worker links no vendor's SDK that this check knows: the check is not looking at the SDKs")
	}
	for i, root := range roots[1:] {
		if _, ok := imports[root]; !ok {
			t.Fatalf("go list -deps did not list %s: the check is not looking at it", root)
		}
		match := isVendor
		if i >= len(vendorFree) {
			match = isSDK
		}
		if chain := importChain(imports, root, match); chain != nil {
			t.Errorf("%s links %s, through %s", root, chain[len(chain)-1], strings.Join(chain, " -> "))
		}
	}
}

// importChain returns the shortest chain of imports from root to a package
// for which match holds, root first; nil when there is none.
func importChain(imports map[string][]string, root string, match func(string) bool) []string {
	from := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		pkg := queue[0]
		queue = queue[1:]
		if match(pkg) {
			var chain []string
			for p := pkg; p != ""; p = from[p] {
				chain = append(chain, p)
			}
			slices.Reverse(chain)
			return chain
		}
		for _, imp := range imports[pkg] {
			if _, seen := from[imp]; !seen {
				from[imp] = pkg
				queue = append(queue, imp)
			}
		}
	}
	return nil
}
