package gateway

import (
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/internal/workflowerr"
)

// answer sorts an error into the wording's refusal, silence or failure,
// and asks for the success message only without one.
func TestWordingAnswer(t *testing.T) {
	refused := workflowerr.Refused(temporal.NewApplicationError("already taken by bob", ""))
	silent := fmt.Errorf("%w: incident:data:x: deadline exceeded", incidentclient.ErrUnreachable)
	failed := errors.New("connection refused")
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
		{"in Slack, refused", inSlack, refused, "already taken by bob"},
		{"in Slack, failed", inSlack, failed, "Baton could not record that: connection refused. Try again, or use the starter."},
		{"a roster in Slack, refused", rosterInSlack, refused, "Nothing changed: already taken by bob"},
		{"a roster in Slack, unreachable", rosterInSlack, silent, "Baton could not record that: " + silent.Error() + ". Try again, or use the starter."},
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
}
