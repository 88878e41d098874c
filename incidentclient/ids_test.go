package incidentclient

import (
	"os"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/client"
)

// Recorded incident histories (workflows/testdata) tell v1 runs from v2
// ones as they would on a real server: by the first task's version marker.
func TestRanV1ReadsTheVersionMarker(t *testing.T) {
	for file, want := range map[string]bool{
		"incident.json":                             false,
		"incident-rca-ticket.json":                  false,
		"incident-v1-before-independent-paths.json": true,
		"incident-v1-before-tickets.json":           true,
		"incident-v1-rca-ticket.json":               true,
	} {
		f, err := os.Open(filepath.Join("..", "workflows", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		events := h.GetEvents()
		if got := ranV1(events); got != want {
			t.Errorf("%s: ranV1 = %v, want %v", file, got, want)
		}
		// The listing reads no further than the first task's commands.
		n := 0
		for n < len(events) && !pastFirstTask(events[:n]) {
			n++
		}
		if got := ranV1(events[:n]); got != want {
			t.Errorf("%s: ranV1 of the first %d events = %v, want %v", file, n, got, want)
		}
		// A run no worker has taken yet will run v2.
		if ranV1(events[:3]) {
			t.Errorf("%s: a run before its first task counted as v1", file)
		}
	}
}
