package workflows

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/storm"
)

// stormJoin is a join update sent to the desk at an offset from its start.
type stormJoin struct {
	at     time.Duration
	join   storm.Join
	joined storm.Joined
	err    error
}

func (j *stormJoin) Accept()          {}
func (j *stormJoin) Reject(err error) { j.err = err }
func (j *stormJoin) Complete(success any, err error) {
	if err == nil {
		j.joined = success.(storm.Joined)
	}
	j.err = err
}

// The desk, on its own clock: five alerts in half a second; the first
// three go alone, the last two in a group whose message is posted once
// and edited as they are acknowledged and resolved; each grouped incident
// learns the thread. Once the group is over and an hour has passed
// without a join, the run ends.
func TestStormDeskGroupsPostsTellsAndEdits(t *testing.T) {
	start := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	Register(env, &activities.Activities{})
	var posts []activities.PostMessageInput
	var edits []activities.UpdateMessageInput
	env.OnActivity(a.PostMessage, mock.Anything, mock.Anything).Return(keeping(&posts, activities.PostMessageResult{TS: "100.000001"}))
	env.OnActivity(a.UpdateMessage, mock.Anything, mock.Anything).Return(keeping(&edits, activities.UpdateMessageResult{}))
	told := map[string]storm.Thread{}
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", contract.IncidentStormThreadSignal, mock.Anything).Return(
		func(_, id, _, _ string, arg any) error { told[id] = arg.(storm.Thread); return nil })

	var joins []*stormJoin
	for i := range 5 {
		j := &stormJoin{at: time.Duration(i+1) * 100 * time.Millisecond, join: storm.Join{
			Team: "data", Channel: "#data", Zone: "Europe/Berlin", Incident: fmt.Sprintf("incident:data:dag-%d", i),
			Headline: fmt.Sprintf("[HIGH] dag_%d <!here> failed", i), Severity: "high", State: contract.StateTriggered, At: start,
		}}
		joins = append(joins, j)
		env.RegisterDelayedCallback(func() { env.UpdateWorkflow(contract.StormJoinUpdate, fmt.Sprintf("join-%d", i), j, j.join) }, j.at)
	}
	news := func(at time.Duration, id, state, byChat string) {
		env.RegisterDelayedCallback(func() {
			env.SignalWorkflow(contract.StormMemberSignal, storm.MemberState{Incident: id, State: state, ByChat: byChat})
		}, at)
	}
	news(5*time.Second, "incident:data:dag-3", contract.StateAcknowledged, "U0BOB")
	var during storm.Group
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(contract.StormGroupQuery, 1)
		require.NoError(t, err)
		require.NoError(t, v.Get(&during))
	}, 7*time.Second)
	news(10*time.Second, "incident:data:dag-3", contract.StateResolved, "U0BOB")
	news(10*time.Second, "incident:data:dag-4", contract.StateResolved, "")

	env.ExecuteWorkflow(contract.StormDeskWorkflowName, storm.Desk{})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())

	for i, j := range joins {
		require.NoError(t, j.err)
		require.Equal(t, i >= storm.AloneMost, j.joined.Group == 1, "join %d: %+v", i, j.joined)
	}
	require.Len(t, posts, 1, "the group's message is posted once")
	require.Equal(t, "#data", posts[0].Channel)
	require.Contains(t, posts[0].Text, "dag_3 &lt;!here&gt; failed")
	require.Equal(t, contract.StormAckAllAction, posts[0].Buttons[0].ActionID)
	// dag-3 joined before the message was posted, and is sent its thread;
	// dag-4 joined after, and its join's answer names the thread.
	require.Equal(t, map[string]storm.Thread{"incident:data:dag-3": {Group: 1, Storm: true, ThreadTS: "100.000001"}}, told)
	require.Equal(t, storm.Joined{Group: 1, Storm: true, ThreadTS: "100.000001"}, joins[4].joined)
	require.Len(t, during.Members, 2)
	require.Equal(t, contract.StateAcknowledged, during.Members[0].State)

	var texts []string
	for _, e := range edits {
		require.Equal(t, "100.000001", e.TS)
		texts = append(texts, e.Text)
	}
	all := strings.Join(texts, "\n---\n")
	require.Contains(t, all, "(acknowledged by <@U0BOB>)")
	last := edits[len(edits)-1]
	require.Contains(t, last.Text, "2 alerts for team data since 03:00:00*, 0 not acknowledged")
	require.Empty(t, last.Buttons, "nothing left to acknowledge")
	// The last join was at 0.5 s: the run ends an hour later.
	require.Equal(t, start.Add(500*time.Millisecond+stormDeskLingers), env.Now().UTC())
}

// A join for another team's desk, or without its incident, is refused.
func TestStormDeskRefusesAStrangersJoin(t *testing.T) {
	require.Error(t, validStormJoin(storm.Join{Team: "data", Channel: "#data"}))
	require.Error(t, validStormJoin(storm.Join{Team: "Data!", Channel: "#data", Incident: "i"}))
	require.NoError(t, validStormJoin(storm.Join{Team: "data", Channel: "#data", Incident: "i"}))
}

// stormIncident runs an incident that the desk (mocked) groups in group
// 3: thread, when set, is the thread the desk sends it after 3 s. The
// incident is acknowledged at 12 min, after its SMS step (10 min), and
// resolved; it returns what was
// posted and what the desk heard.
func stormIncident(t *testing.T, thread string) (*sent, []storm.MemberState) {
	t.Helper()
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	env.OnActivity(a.JoinStorm, mock.Anything, mock.Anything).Return(storm.Joined{Group: 3, Storm: true}, nil)
	var heard []storm.MemberState
	env.OnSignalExternalWorkflow(mock.Anything, contract.StormDeskWorkflowID("data"), "", contract.StormMemberSignal, mock.Anything).Return(
		func(_, _, _, _ string, arg any) error { heard = append(heard, arg.(storm.MemberState)); return nil })
	if thread != "" {
		at(env, 3*time.Second, func() {
			env.SignalWorkflow(contract.IncidentStormThreadSignal, storm.Thread{Group: 3, Storm: true, ThreadTS: thread})
		})
	}
	at(env, 12*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 20*time.Minute)
	sum := runIncident(t, env, alertOf(SeverityHigh, AlertFiring))
	require.Equal(t, contract.StormGroupValue("data", 3), sum.Grouped)
	require.True(t, sum.GroupedInStorm)
	return s, heard
}

// A grouped incident posts its page in the group's thread once the desk
// names it, and its timeline there under its headline; the desk hears of
// each change of state.
func TestAGroupedIncidentPagesInTheGroupsThread(t *testing.T) {
	s, heard := stormIncident(t, "1700000000.000900")
	pages := s.postsWith("[HIGH]")
	require.NotEmpty(t, pages)
	page := pages[0]
	require.Equal(t, "1700000000.000900", page.In.ThreadTS, "the page goes in the group's thread")
	require.GreaterOrEqual(t, page.At.Sub(incidentStart), 3*time.Second, "not before the desk named the thread")
	lines := s.postsWith("Acknowledged by")
	require.Len(t, lines, 1)
	require.Equal(t, "1700000000.000900", lines[0].In.ThreadTS)
	require.True(t, strings.HasPrefix(lines[0].In.Text, "*[HIGH]"), "a line in a shared thread says whose it is: %q", lines[0].In.Text)
	var states []string
	for _, h := range heard {
		states = append(states, h.State)
	}
	require.Equal(t, []string{contract.StateAcknowledged, contract.StateResolved}, states[:2])
	require.Equal(t, "UALICE", heard[0].ByChat)
}

// A desk that never names a thread (its run ended by hand) holds the page
// five minutes at most: then it goes alone in the channel. The escalation
// never waited on it: the SMS goes at its 10 min.
func TestAGroupedPageGoesAloneWhenNoThreadComes(t *testing.T) {
	s, _ := stormIncident(t, "")
	pages := s.postsWith("[HIGH]")
	require.NotEmpty(t, pages)
	require.Empty(t, pages[0].In.ThreadTS)
	require.Equal(t, stormThreadWithin, pages[0].At.Sub(incidentStart).Round(time.Second))
	require.NotEmpty(t, s.postsWith("named no thread for group 3"))
	// The desk that never answered held no escalation step.
	require.NotEmpty(t, s.sms)
	require.Equal(t, incidentStart.Add(10*time.Minute), s.sms[0].At.In(berlin))
}
