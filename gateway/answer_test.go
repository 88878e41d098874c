package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/internal/texttest"
	"github.com/baton-oncall/baton/internal/workflowerr"
)

// answer sorts an error into the wording's refusal, silence or failure,
// and asks for the success message only without one.
func TestWordingAnswer(t *testing.T) {
	refused := workflowerr.Refused(temporal.NewApplicationError("already taken by bob", ""))
	silent := fmt.Errorf("%w: incident:data:x: deadline exceeded", incidentclient.ErrUnreachable)
	failed := errors.New("connection refused")
	var log texttest.Log
	g := New(Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	said := wording{
		refused:     func(r string) string { return "refused: " + r },
		unreachable: func(error) string { return "silent" },
		failed:      func(err error) string { return "failed: " + err.Error() },
	}
	for _, tc := range []struct {
		name string
		w    wording
		err  error
		want string
	}{
		{"ok", said, nil, "done"},
		{"refused", said, refused, "refused: already taken by bob"},
		{"unreachable", said, silent, "silent"},
		{"unreachable without its words", wording{failed: said.failed}, silent, "failed: " + silent.Error()},
		{"failed", said, failed, "failed: connection refused"},
		{"in Slack, refused", g.inSlack(), refused, "already taken by bob"},
		{"in Slack, failed", g.inSlack(), failed, "Baton could not record that. Try again, or use the starter."},
		{"a roster in Slack, refused", g.rosterInSlack(), refused, "Nothing changed: already taken by bob"},
		{"a roster in Slack, unreachable", g.rosterInSlack(), silent, "Baton could not record that. Try again, or use the starter."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.w.answer(tc.err, func() string {
				if tc.err != nil {
					t.Errorf("ok was asked for despite %v", tc.err)
				}
				return "done"
			})
			if got != tc.want {
				t.Errorf("answer %q, want %q", got, tc.want)
			}
		})
	}
	// What Slack was not told is in the log.
	for _, err := range []error{failed, silent} {
		if !strings.Contains(log.String(), err.Error()) {
			t.Errorf("the log lacks %q:\n%s", err, log.String())
		}
	}
}
