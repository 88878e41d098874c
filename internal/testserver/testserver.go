// Package testserver starts the real Temporal server that tests run
// against (temporaltest), with clients patient enough for a loaded CI
// machine.
package testserver

import (
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/server/temporaltest"
)

// patience is how long a client waits for the server's first answer. The
// SDK's default of 5 s is a production figure; a server just started under
// the race detector, beside other packages' tests on two cores, has taken
// longer, and the test then failed before it began.
const patience = time.Minute

// New starts a server that stops when the test ends.
func New(t *testing.T, opts ...temporaltest.TestServerOption) *temporaltest.TestServer {
	t.Helper()
	opts = append([]temporaltest.TestServerOption{
		temporaltest.WithT(t),
		temporaltest.WithBaseClientOptions(Patient(client.Options{})),
	}, opts...)
	return temporaltest.NewServer(opts...)
}

// Patient returns o with a client's patience for a test server.
func Patient(o client.Options) client.Options {
	o.ConnectionOptions.GetSystemInfoTimeout = patience
	return o
}
