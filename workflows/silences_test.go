package workflows

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/silence"
)

// warehouseMigration silences the test alert's service (airflow) from an
// hour before the incident until `until` after its start.
func warehouseMigration(until time.Duration) silence.Silence {
	return silence.Silence{
		ID: "s1", Team: "data", Matchers: []silence.Matcher{{Key: "service", Value: "airflow"}},
		From: incidentStart.Add(-time.Hour), Until: incidentStart.Add(until), Note: "warehouse migration", By: "carol",
	}
}

// silencedBy mocks the team's silences as the incident reads them.
func silencedBy(env *testsuite.TestWorkflowEnvironment, ss ...silence.Silence) {
	env.OnActivity(a.TeamSilences, mock.Anything, mock.Anything).Return(activities.TeamSilencesResult{Silences: ss}, nil)
}

func TestASilencedAlertPagesNobodyUntilItsSilenceEnds(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	silencedBy(env, warehouseMigration(30*time.Minute))
	var during IncidentStatus
	statusAt(t, env, 25*time.Minute, &during)
	at(env, 41*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 50*time.Minute)
	sum := runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	// Shown in the channel at once, marked, naming nobody to page.
	pages := s.postsWith("*[CRITICAL] orders_daily DAG failed*")
	require.Len(t, pages, 1)
	require.Equal(t, incidentStart, pages[0].At.In(berlin))
	require.Contains(t, pages[0].In.Text, "🔕 Silenced by s1 until Tue 24 Nov 14:30 CET (warehouse migration): paging nobody")
	require.NotContains(t, pages[0].In.Text, "on call", "a silenced page tags nobody")
	require.Contains(t, timelineTexts(during.Timeline), "Silenced by s1 until Tue 24 Nov 14:30 CET (warehouse migration): paging nobody and ringing no phone")
	require.Equal(t, StateTriggered, during.State)

	// Paged when the silence ended, the escalation counted from then.
	dms := s.dmsWith("You are paged")
	require.Len(t, dms, 1)
	require.Equal(t, incidentStart.Add(30*time.Minute), dms[0].At.In(berlin))
	require.Len(t, s.sms, 1)
	require.Equal(t, incidentStart.Add(40*time.Minute), s.sms[0].At.In(berlin), "the first step, 10 minutes after the silence ended")
	require.Empty(t, s.calls, "acknowledged before the call's step")
	require.True(t, sum.Paged)
	require.Equal(t, "s1", sum.Silenced)
	require.Equal(t, "warehouse migration", sum.SilenceNote)
}

func TestASilenceSetWhileUnacknowledgedPausesTheEscalation(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	silencedBy(env)
	other := warehouseMigration(time.Hour)
	other.ID, other.Matchers = "s2", []silence.Matcher{{Key: "service", Value: "billing"}}
	at(env, 2*time.Minute, func() { env.SignalWorkflow(contract.IncidentSilenceSignal, other) })
	paused := warehouseMigration(25 * time.Minute)
	paused.From = incidentStart.Add(5 * time.Minute)
	at(env, 5*time.Minute, func() { env.SignalWorkflow(contract.IncidentSilenceSignal, paused) })
	var during IncidentStatus
	statusAt(t, env, 20*time.Minute, &during)
	at(env, 31*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 40*time.Minute)
	sum := runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	require.Contains(t, timelineTexts(during.Timeline), "Silenced by s1 until Tue 24 Nov 14:25 CET (warehouse migration): its escalation paused")
	require.NotContains(t, timelineTexts(during.Timeline), "s2", "a silence of another service holds nothing")
	// The SMS due at +10 waited out the 20 minutes of silence; the call
	// due at +15 would have gone at +35, after the ack.
	require.Len(t, s.sms, 1)
	require.Equal(t, incidentStart.Add(30*time.Minute), s.sms[0].At.In(berlin))
	require.Empty(t, s.calls)
	require.Len(t, s.dmsWith("You are paged"), 1, "paged once, at the start; the resumed escalation pages nobody twice")
	require.Equal(t, "s1", sum.Silenced)
}

func TestARemovedSilencePagesAtOnceAndAResolvedOneTellsNoStakeholders(t *testing.T) {
	t.Run("removed", func(t *testing.T) {
		env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
		silencedBy(env, warehouseMigration(2*time.Hour))
		removed := warehouseMigration(2 * time.Hour)
		removed.Ended, removed.RemovedBy = incidentStart.Add(20*time.Minute), "carol"
		at(env, 20*time.Minute, func() { env.SignalWorkflow(contract.IncidentSilenceSignal, removed) })
		at(env, 31*time.Minute, act(t, env, ActionAck, "UALICE"))
		resolveAndFinish(t, env, 40*time.Minute)
		runIncident(t, env, alertOf(SeverityCritical, AlertFiring))
		require.Len(t, s.sms, 1)
		require.Equal(t, incidentStart.Add(30*time.Minute), s.sms[0].At.In(berlin), "paged when removed at +20, its SMS 10 minutes on")
	})
	t.Run("resolved while silenced", func(t *testing.T) {
		env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
		silencedBy(env, warehouseMigration(time.Hour))
		at(env, 10*time.Minute, func() { env.SignalWorkflow(contract.IncidentAlertSignal, alertOf(SeverityCritical, AlertResolved)) })
		sum := runIncident(t, env, alertOf(SeverityCritical, AlertFiring))
		require.False(t, sum.Paged)
		require.Empty(t, s.sms)
		require.Empty(t, s.dmsWith("You are paged"))
		for _, p := range s.posts {
			require.NotEqual(t, "C0STAKE", p.In.Channel, "planned work is not news for stakeholders: %q", p.In.Text)
		}
		require.Empty(t, s.dmsWith("RCA"), "no RCA for what paged nobody")
	})
}

func TestAnUnreadableSilenceListPages(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	env.OnActivity(a.TeamSilences, mock.Anything, mock.Anything).Return(activities.TeamSilencesResult{}, context.DeadlineExceeded)
	at(env, 11*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 20*time.Minute)
	runIncident(t, env, alertOf(SeverityCritical, AlertFiring))
	require.Len(t, s.sms, 1)
	require.Equal(t, incidentStart.Add(10*time.Minute), s.sms[0].At.In(berlin))
}

// silenceDesk records what a Silences workflow says and tells.
type silenceDesk struct {
	mu    sync.Mutex
	env   *testsuite.TestWorkflowEnvironment
	posts []timed[activities.PostMessageInput]
	told  []timed[activities.TellSilenceInput]
}

func TestSilencesSayTellAndEnd(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(incidentStart)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: contract.SilencesWorkflowID("data")})
	Register(env, &activities.Activities{})
	d := &silenceDesk{env: env}
	env.OnActivity(a.PostMessage, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PostMessageInput) (activities.PostMessageResult, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.posts = append(d.posts, timed[activities.PostMessageInput]{At: env.Now(), In: in})
		return activities.PostMessageResult{TS: "1.2"}, nil
	})
	env.OnActivity(a.TellSilence, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.TellSilenceInput) (activities.TellSilenceResult, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.told = append(d.told, timed[activities.TellSilenceInput]{At: env.Now(), In: in})
		return activities.TellSilenceResult{Told: 1}, nil
	})
	orders := []silence.Matcher{{Key: "service", Value: "orders"}}
	update := func(name string, arg any, check func(any, error)) func() {
		return func() {
			env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
				OnReject: func(err error) { check(nil, err) }, OnAccept: func() {},
				OnComplete: func(v any, err error) { check(v, err) },
			}, arg)
		}
	}
	var refused []string
	refuse := func(_ any, err error) {
		if err != nil {
			refused = append(refused, err.Error())
		}
	}
	var set []silence.Silence
	keep := func(v any, err error) {
		require.NoError(t, err)
		set = append(set, v.(silence.Silence))
	}
	at(env, time.Minute, update(contract.SilenceAddUpdate, AddSilence{Matchers: orders, For: 2 * time.Hour, Note: "migration <!channel>", By: "carol", ByChat: "UCAROL"}, keep))
	at(env, 2*time.Minute, update(contract.SilenceAddUpdate, AddSilence{Matchers: orders, For: 8 * 24 * time.Hour}, refuse))
	at(env, 3*time.Minute, update(contract.SilenceAddUpdate, AddSilence{For: time.Hour}, refuse))
	at(env, 4*time.Minute, update(contract.SilenceAddUpdate, AddSilence{Matchers: []silence.Matcher{{Key: "alertname", Value: "DagFailed"}}, For: 10 * time.Minute, By: "bob"}, keep))
	at(env, 30*time.Minute, update(contract.SilenceRemoveUpdate, RemoveSilence{ID: "s1", By: "alice", ByChat: "UALICE"}, keep))
	at(env, 31*time.Minute, update(contract.SilenceRemoveUpdate, RemoveSilence{ID: "s9"}, refuse))
	var listed []silence.Silence
	at(env, 40*time.Minute, func() {
		v, err := env.QueryWorkflow(contract.SilenceListQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&listed))
	})
	at(env, 3*time.Hour, env.CancelWorkflow)
	env.ExecuteWorkflow(contract.SilencesWorkflowName, SilencesInput{Team: incidentTeam()})
	require.True(t, env.IsWorkflowCompleted())

	require.Len(t, refused, 3, "a silence longer than a week, one without matchers and an unknown ID are refused: %q", refused)
	require.Contains(t, refused[0], "at most 7d")
	require.Contains(t, refused[1], "at least one matcher")
	require.Contains(t, refused[2], `no silence "s9"`)
	require.Len(t, set, 3)
	require.Equal(t, "s1", set[0].ID)
	require.Equal(t, incidentStart.Add(time.Minute+2*time.Hour), set[0].Until.In(berlin))
	require.Equal(t, "s2", set[1].ID)
	require.Equal(t, incidentStart.Add(30*time.Minute), set[2].Ended.In(berlin))

	d.mu.Lock()
	defer d.mu.Unlock()
	var texts []string
	for _, p := range d.posts {
		require.Equal(t, "C0DATA", p.In.Channel)
		texts = append(texts, p.At.In(berlin).Format("15:04")+" "+p.In.Text)
	}
	all := strings.Join(texts, "\n")
	require.Contains(t, all, "14:01 🔕 Silence s1 set by <@UCAROL> until Tue 24 Nov 16:01 CET: migration &lt;!channel&gt;.", "the note is shown as text, never a mention")
	require.Contains(t, all, "14:04 🔕 Silence s2 set by bob until Tue 24 Nov 14:14 CET.")
	require.Contains(t, all, "14:14 🔔 Silence s2 ran out at Tue 24 Nov 14:14 CET.")
	require.Contains(t, all, "14:30 🔔 Silence s1 was removed by <@UALICE> at Tue 24 Nov 14:30 CET")
	require.Len(t, d.posts, 4, "each silence said once when set and once when ended:\n%s", all)
	// The open incidents hear of each silence set, and of the one removed;
	// one that runs out they end themselves.
	require.Len(t, d.told, 3)
	require.Equal(t, []string{"s1", "s2", "s1"}, []string{d.told[0].In.Silence.ID, d.told[1].In.Silence.ID, d.told[2].In.Silence.ID})
	require.False(t, d.told[2].In.Silence.Ended.IsZero())
	require.Len(t, listed, 2)
}

// A silence set after an incident resolved holds it should it fire again:
// the reopened page rings nobody until the silence ends.
func TestAnIncidentReopenedUnderASilenceWaitsForItsEnd(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	silencedBy(env)
	at(env, 3*time.Minute, func() { env.SignalWorkflow(contract.IncidentAlertSignal, alertOf(SeverityCritical, AlertResolved)) })
	later := warehouseMigration(30 * time.Minute)
	later.From = incidentStart.Add(5 * time.Minute)
	at(env, 5*time.Minute, func() { env.SignalWorkflow(contract.IncidentSilenceSignal, later) })
	at(env, 10*time.Minute, func() { env.SignalWorkflow(contract.IncidentAlertSignal, alertOf(SeverityCritical, AlertFiring)) })
	at(env, 41*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 50*time.Minute)
	runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	require.Len(t, s.dmsWith("You are paged"), 1, "the reopened page DMs nobody while silenced")
	require.Len(t, s.sms, 1)
	require.Equal(t, incidentStart.Add(40*time.Minute), s.sms[0].At.In(berlin), "reopened at +10 under the silence, resumed at +30: its SMS at +40")
}
