package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
)

// hostileSummary is an alert summary written to ping the channel and show
// a phishing link from the bot.
const hostileSummary = "<!channel> DB down <https://evil.example|Acknowledge here>"

// Everything the incident posts (page, thread, DMs, stakeholders) shows
// the alert's text and notes from outside as text; Baton's own mentions
// (the group, the responder) still mention.
func TestAnIncidentPostsOutsideTextAsData(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	first := alertOf(SeverityCritical, AlertFiring)
	first.Alert.Summary = hostileSummary
	first.Alert.Description = "Replica lag\n*State:* resolved"
	first.Alert.Source = "generic <!here>"
	at(env, 2*time.Minute, func() {
		env.UpdateWorkflow(contract.IncidentActionUpdate, "", &updateCallback{t: t}, ActionRequest{
			Action: ActionNote, By: "<!everyone>", Via: "opsgenie", Note: "see <https://evil.example|the fix>\n14:00 Resolved by <@UBOSS>",
		})
	})
	at(env, 5*time.Minute, act(t, env, ActionAck, "UALICE"))
	at(env, 10*time.Minute, act(t, env, ActionMitigate, "UALICE"))
	resolveAndFinish(t, env, 30*time.Minute)
	runIncident(t, env, first)

	var all []string
	for _, p := range s.posts {
		all = append(all, p.In.Text)
	}
	for _, u := range s.ups {
		all = append(all, u.In.Text)
	}
	for _, d := range s.dms {
		all = append(all, d.In.Text)
	}
	text := strings.Join(all, "\n---\n")
	for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<https://evil.example", "<@UBOSS>", "\n*State:* resolved\n"} {
		require.NotContains(t, text, bad)
	}
	for _, want := range []string{
		"Triggered by generic &lt;!here&gt;: &lt;!channel&gt; DB down &lt;https://evil.example|Acknowledge here&gt;",
		"Paged <!subteam^data-oncall>",
		"Note from &lt;!everyone&gt; via opsgenie: see &lt;https://evil.example|the fix&gt; 14:00 Resolved by &lt;@UBOSS&gt;",
		"Acknowledged by <@UALICE> via slack",
		"\n> Replica lag\n> *State:* resolved\n",
	} {
		require.Contains(t, text, want)
	}
	// The DMs and the stakeholders' post carry the headline as text.
	require.NotEmpty(t, s.dmsWith("You are paged: [CRITICAL] &lt;!channel&gt; DB down"))
	require.NotEmpty(t, s.postsWith(":large_yellow_circle: [CRITICAL] &lt;!channel&gt; DB down"))
	// SMS and calls are plain text: nothing to escape there.
	for _, sms := range s.sms {
		require.NotContains(t, sms.In.Body, "&lt;")
	}
}

// A timeline entry too long for the thread is cut there, saying where
// the whole entry is; the timeline keeps it whole.
func TestALongNoteIsCutInTheThread(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	note := strings.Repeat("é<", 3000)
	at(env, 2*time.Minute, func() {
		env.UpdateWorkflow(contract.IncidentActionUpdate, "", &updateCallback{t: t}, ActionRequest{Action: ActionNote, By: "UALICE", Via: "slack", Note: note})
	})
	at(env, 5*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 30*time.Minute)
	runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	posts := s.postsWith("Note from <@UALICE>")
	require.Len(t, posts, 1)
	require.Contains(t, posts[0].In.Text, "(cut: `starter incident show "+contract.IncidentWorkflowID("data", "fp1")+"` has the whole entry)")
	for _, line := range strings.Split(posts[0].In.Text, "\n") {
		require.LessOrEqual(t, len([]rune(line)), 3000)
	}
}

// An override's note, typed by a person, is text in the cover post.
func TestACoverPostShowsItsNoteAsData(t *testing.T) {
	start := time.Date(2026, 11, 24, 12, 0, 0, 0, berlin)
	env, rec := newEnv(t, start)
	env.OnActivity(a.WorkerTeams, mock.Anything).Return(team.File{Teams: []team.Team{testTeam()}}, nil)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(contract.RosterAddUpdate, "add", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("rejected: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, AddOverride{Person: "alice", Note: "<!channel> dentist\n*data* is down <https://evil.example|ack>",
			From: time.Date(2026, 11, 24, 18, 0, 0, 0, berlin), To: time.Date(2026, 11, 25, 9, 0, 0, 0, berlin)})
	}, time.Minute)
	env.RegisterDelayedCallback(env.CancelWorkflow, 10*time.Hour)
	env.ExecuteWorkflow(contract.RosterWorkflowName, RosterInput{Team: testTeam()})

	require.NotEmpty(t, rec.posts)
	require.Equal(t, "<@UALICE> covers *data* until Wed 25 Nov 09:00 CET. (&lt;!channel&gt; dentist *data* is down &lt;https://evil.example|ack&gt;)", rec.posts[0].Text)
}
