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
	"github.com/baton-oncall/baton/team"
)

// incidentTeam: alice is on call in the week from 23 Nov, bob is next and
// so the secondary; everyone has a phone.
func incidentTeam() team.Team {
	t := testTeam()
	t.Slack.StakeholderChannel = "C0STAKE"
	t.Pager.Rotation.Start = "2026-11-23T09:00"
	for i := range t.People {
		t.People[i].Phone = "+4915100000" + string(rune('1'+i))
	}
	return t
}

// sent is what the mocked side effects were asked to do, with the test
// clock's time of each.
type sent struct {
	mu    sync.Mutex
	env   *testsuite.TestWorkflowEnvironment
	sms   []timed[activities.SendSMSInput]
	calls []timed[activities.PlaceCallInput]
	posts []timed[activities.PostMessageInput]
	dms   []timed[activities.SendDMInput]
	ups   []timed[activities.UpdateMessageInput]
	// chatDown and phoneDown, when set, are what every chat or phone
	// activity fails with; chatTries counts the chat calls made meanwhile.
	chatDown, phoneDown error
	chatTries           int
	// lastKnown is what the last handover says when the pager fails.
	lastKnown activities.LastKnownOnCallResult
}

// chatFails reports whether chat is down, counting the try.
func (s *sent) chatFails() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chatDown != nil {
		s.chatTries++
	}
	return s.chatDown
}

// phoneFails is what the phone activities fail with: phoneDown.
func (s *sent) phoneFails() error { return s.phoneDown }

type timed[T any] struct {
	At time.Time
	In T
}

func record[T any](s *sent, list *[]timed[T], in T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*list = append(*list, timed[T]{At: s.env.Now(), In: in})
}

func (s *sent) postsWith(substr string) []timed[activities.PostMessageInput] {
	return withText(s.posts, substr, func(in activities.PostMessageInput) string { return in.Text })
}

func (s *sent) updatesWith(substr string) []timed[activities.UpdateMessageInput] {
	return withText(s.ups, substr, func(in activities.UpdateMessageInput) string { return in.Text })
}

func (s *sent) dmsWith(substr string) []timed[activities.SendDMInput] {
	return withText(s.dms, substr, func(in activities.SendDMInput) string { return in.Text })
}

// withText keeps the recorded calls whose text holds substr.
func withText[T any](list []timed[T], substr string, text func(T) string) []timed[T] {
	var out []timed[T]
	for _, c := range list {
		if strings.Contains(text(c.In), substr) {
			out = append(out, c)
		}
	}
	return out
}

func newIncidentEnv(t *testing.T, start time.Time, prev activities.PreviousIncidentResult) (*testsuite.TestWorkflowEnvironment, *sent) {
	return newIncidentEnvLookingUp(t, start, func(env *testsuite.TestWorkflowEnvironment) {
		env.OnActivity(a.PreviousIncident, mock.Anything, mock.Anything).Return(prev, nil).Maybe()
	})
}

// newIncidentEnvLookingUp is newIncidentEnv with the look-up of an
// earlier incident mocked by previous.
func newIncidentEnvLookingUp(t *testing.T, start time.Time, previous func(*testsuite.TestWorkflowEnvironment)) (*testsuite.TestWorkflowEnvironment, *sent) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: contract.IncidentWorkflowID("data", "fp1")})
	Register(env, &activities.Activities{})
	s := &sent{env: env}
	previous(env)
	env.OnActivity(a.ResolveChatUsers, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.ResolveChatUsersInput) (activities.ResolveChatUsersResult, error) {
			if err := s.chatFails(); err != nil {
				return activities.ResolveChatUsersResult{}, err
			}
			return chatUsers()(ctx, in)
		}).Maybe()
	env.OnActivity(a.LastKnownOnCall, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.LastKnownOnCallInput) (activities.LastKnownOnCallResult, error) {
			return s.lastKnown, nil
		}).Maybe()
	env.OnActivity(a.PostMessage, mock.Anything, mock.Anything).Return(
		recording(s, s.chatFails, &s.posts, activities.PostMessageResult{TS: "1700000000.000100"})).Maybe()
	env.OnActivity(a.SendDM, mock.Anything, mock.Anything).Return(
		recording(s, s.chatFails, &s.dms, activities.PostMessageResult{TS: "1700000000.000200"})).Maybe()
	env.OnActivity(a.UpdateMessage, mock.Anything, mock.Anything).Return(
		recording(s, s.chatFails, &s.ups, activities.UpdateMessageResult{})).Maybe()
	env.OnActivity(a.SendSMS, mock.Anything, mock.Anything).Return(
		recording(s, s.phoneFails, &s.sms, activities.PhoneResult{SID: "SM1"})).Maybe()
	env.OnActivity(a.PlaceCall, mock.Anything, mock.Anything).Return(
		recording(s, s.phoneFails, &s.calls, activities.PhoneResult{SID: "CA1"})).Maybe()
	return env, s
}

// recording is a mocked side effect: it fails with what down (if not nil)
// returns, if anything, and otherwise records its input in list and
// answers out.
func recording[In, Out any](s *sent, down func() error, list *[]timed[In], out Out) func(context.Context, In) (Out, error) {
	return func(_ context.Context, in In) (Out, error) {
		if down != nil {
			if err := down(); err != nil {
				var zero Out
				return zero, err
			}
		}
		record(s, list, in)
		return out, nil
	}
}

func alertOf(severity Severity, status string) AlertSignal {
	return AlertSignal{Alert: Alert{
		Team: "data", DedupKey: "fp1", Summary: "orders_daily DAG failed", Severity: severity,
		Service: "airflow", AlertName: "DagFailed", Source: SourceAlertmanager, Status: status,
	}}
}

// at schedules f at an offset from the workflow's start.
func at(env *testsuite.TestWorkflowEnvironment, d time.Duration, f func()) {
	env.RegisterDelayedCallback(f, d)
}

// act is a press in chat by the chat user by, who the gateway found to be
// the person of the same name: UALICE is alice.
func act(t *testing.T, env *testsuite.TestWorkflowEnvironment, action Action, by string) func() {
	return func() {
		env.UpdateWorkflow(contract.IncidentActionUpdate, "", &updateCallback{t: t}, FromChat(action, by, strings.ToLower(strings.TrimPrefix(by, "U"))))
	}
}

// updateCallback fails the test when an update the test expects to be
// accepted is rejected.
type updateCallback = resultCallback[ActionResult]

// resultCallback is an update's callback that keeps its result of type R,
// or the refusal of one the test expects refused (wantFail).
type resultCallback[R any] struct {
	t        *testing.T
	rejected error
	result   R
	wantFail bool
}

func (u *resultCallback[R]) Accept() {}
func (u *resultCallback[R]) Reject(err error) {
	u.rejected = err
	if !u.wantFail {
		u.t.Errorf("update rejected: %v", err)
	}
}
func (u *resultCallback[R]) Complete(success interface{}, err error) {
	if err != nil {
		u.t.Errorf("update failed: %v", err)
		return
	}
	if r, ok := success.(R); ok {
		u.result = r
	}
}

var incidentStart = time.Date(2026, 11, 24, 14, 0, 0, 0, berlin) // a Tuesday afternoon

func runIncident(t *testing.T, env *testsuite.TestWorkflowEnvironment, first AlertSignal) IncidentSummary {
	t.Helper()
	return runTeamIncident(t, env, incidentTeam(), first)
}

func runTeamIncident(t *testing.T, env *testsuite.TestWorkflowEnvironment, tm team.Team, first AlertSignal) IncidentSummary {
	t.Helper()
	at(env, 0, func() { env.SignalWorkflow(contract.IncidentAlertSignal, first) })
	return runWorkflow[IncidentSummary](t, env, contract.IncidentWorkflowName, IncidentInput{Team: tm})
}

// resolveAndFinish resolves at d and answers the RCA the next day, so the
// workflow completes.
func resolveAndFinish(t *testing.T, env *testsuite.TestWorkflowEnvironment, d time.Duration) {
	at(env, d, act(t, env, ActionResolve, "UALICE"))
	at(env, d+48*time.Hour, act(t, env, ActionRCADone, "UALICE"))
}

// ackedIncident runs an incident of severity from incidentStart: by
// acknowledges it after ack, alice resolves it after resolve.
func ackedIncident(t *testing.T, severity Severity, ack time.Duration, by string, resolve time.Duration) (IncidentSummary, *sent) {
	t.Helper()
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, ack, act(t, env, ActionAck, by))
	resolveAndFinish(t, env, resolve)
	return runIncident(t, env, alertOf(severity, AlertFiring)), s
}

// A press from a gateway that predates ChatUser names the chat user in By
// alone; it is still the chat user's, as it was when it was recorded.
func TestPressFromAnOlderGatewayIsTheChatUsers(t *testing.T) {
	env, _ := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, time.Minute, func() {
		env.UpdateWorkflow(contract.IncidentActionUpdate, "", &updateCallback{t: t}, ActionRequest{Action: ActionAck, By: "UALICE", Via: "slack"})
	})
	resolveAndFinish(t, env, time.Hour)
	sum := runIncident(t, env, alertOf(SeverityCritical, AlertFiring))
	require.Equal(t, "alice", sum.AcknowledgedBy)

	// The same ID typed as a name elsewhere is a name, not a chat user.
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, time.Minute, func() {
		env.UpdateWorkflow(contract.IncidentActionUpdate, "", &updateCallback{t: t}, ActionRequest{Action: ActionAck, By: "UALICE", Via: "cli"})
	})
	resolveAndFinish(t, env, time.Hour)
	sum = runIncident(t, env, alertOf(SeverityCritical, AlertFiring))
	require.Equal(t, "UALICE", sum.AcknowledgedBy, "a name from the CLI was taken for a chat user")
	require.NotEmpty(t, s.postsWith("Acknowledged by UALICE via cli"), "the timeline mentions a chat user for a name")
}

func TestAckAtFiveMinutesSendsNoSMS(t *testing.T) {
	sum, s := ackedIncident(t, SeverityCritical, 5*time.Minute, "UALICE", 30*time.Minute)

	require.Empty(t, s.sms)
	require.Empty(t, s.calls)
	require.Equal(t, 0, sum.EscalationStep)
	require.Equal(t, incidentStart.Add(5*time.Minute), sum.Acknowledged.In(berlin))
	require.Equal(t, "alice", sum.AcknowledgedBy)
	// The page went to the channel at once with the on-call group tagged,
	// was updated to name the person once the pager said, and a DM.
	pages := s.postsWith("*[CRITICAL] orders_daily DAG failed*")
	require.Len(t, pages, 1)
	require.Contains(t, pages[0].In.Text, "<!subteam^data-oncall>: on call")
	require.Equal(t, incidentStart, pages[0].At.In(berlin))
	require.NotEmpty(t, s.updatesWith("<!subteam^data-oncall>: on call <@UALICE>"))
	require.Len(t, pages[0].In.Buttons, 4)
	require.Equal(t, "incident.ack", pages[0].In.Buttons[0].ActionID)
	require.Equal(t, contract.IncidentWorkflowID("data", "fp1"), pages[0].In.Buttons[0].Value)
	require.Equal(t, "UALICE", s.dms[0].In.User)
	require.Contains(t, s.dms[0].In.Text, "You are paged")
	require.Equal(t, 1, sum.Notifications["page"])
}

func TestNoAckEscalatesOnTime(t *testing.T) {
	sum, s := ackedIncident(t, SeverityHigh, 45*time.Minute, "UBOB", 50*time.Minute)

	// Default policy: SMS at +10, call at +15, secondary (bob) both at +20;
	// then the cycle again from +20: SMS +30, call +35, secondary +40.
	require.Len(t, s.sms, 4)
	require.Equal(t, incidentStart.Add(10*time.Minute), s.sms[0].At.In(berlin))
	require.Equal(t, "+49151000001", s.sms[0].In.To)
	require.Contains(t, s.sms[0].In.Body, "[HIGH] orders_daily DAG failed ("+contract.IncidentWorkflowID("data", "fp1")+")")
	require.Equal(t, incidentStart.Add(20*time.Minute), s.sms[1].At.In(berlin))
	require.Equal(t, "+49151000002", s.sms[1].In.To, "the secondary is bob, next in the rotation")
	require.Equal(t, incidentStart.Add(30*time.Minute), s.sms[2].At.In(berlin))
	require.Equal(t, incidentStart.Add(40*time.Minute), s.sms[3].At.In(berlin))

	require.Len(t, s.calls, 4)
	require.Equal(t, incidentStart.Add(15*time.Minute), s.calls[0].At.In(berlin))
	require.Contains(t, s.calls[0].In.Say, "orders_daily DAG failed")
	require.Equal(t, incidentStart.Add(20*time.Minute), s.calls[1].At.In(berlin))
	require.Equal(t, "+49151000002", s.calls[1].In.To)
	require.Equal(t, incidentStart.Add(35*time.Minute), s.calls[2].At.In(berlin))

	require.Equal(t, 8, sum.EscalationStep)
	require.True(t, sum.ReachedSecondary)
	require.Equal(t, 4, sum.Notifications["sms"])
	require.Equal(t, 4, sum.Notifications["call"])
	// Each SMS and call has its own idempotency key.
	require.NotEqual(t, s.sms[0].In.Key, s.sms[2].In.Key)
	// The thread tells the story.
	require.NotEmpty(t, s.postsWith("SMS sent to alice (escalation step 1)"))
	require.NotEmpty(t, s.postsWith("Called bob (escalation step 4, secondary)"))
}

func TestAckDuringTheCallStepStopsTheRest(t *testing.T) {
	sum, s := ackedIncident(t, SeverityCritical, 16*time.Minute, "UALICE", 30*time.Minute)

	require.Len(t, s.sms, 1)
	require.Len(t, s.calls, 1)
	require.Equal(t, 2, sum.EscalationStep)
	require.False(t, sum.ReachedSecondary)
}

func TestResolvedBeforeAck(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	resolveAndFinish(t, env, 3*time.Minute)
	sum := runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	require.True(t, sum.Acknowledged.IsZero())
	require.Equal(t, incidentStart.Add(3*time.Minute), sum.Resolved.In(berlin))
	require.Empty(t, s.sms)
	require.NotEmpty(t, s.postsWith("Resolved before anyone acknowledged it"))
	require.NotEmpty(t, s.postsWith("Was this alert actionable?"))
	require.Len(t, s.postsWith("resolved at"), 1, "the stakeholders hear of it once")
	require.Equal(t, "C0STAKE", s.postsWith("resolved at")[0].In.Channel)
}

func TestResolvedByTheSource(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, 12*time.Minute, func() { env.SignalWorkflow(contract.IncidentAlertSignal, alertOf(SeverityCritical, AlertResolved)) })
	at(env, 36*time.Hour, act(t, env, ActionRCADone, "UALICE"))
	sum := runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	require.Equal(t, "the source", sum.ResolvedBy)
	require.Equal(t, incidentStart.Add(12*time.Minute), sum.Resolved.In(berlin))
	require.Len(t, s.sms, 1, "the SMS at +10 went out; nothing after the resolve")
	require.Empty(t, s.calls)
	require.NotEmpty(t, s.postsWith("Resolved before anyone acknowledged it"))
	require.NotEmpty(t, s.postsWith("Resolved by the source via alertmanager"))
}

func TestFourDeliveriesPageOnce(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	for i := 1; i <= 3; i++ {
		at(env, time.Duration(i)*time.Minute, func() { env.SignalWorkflow(contract.IncidentAlertSignal, alertOf(SeverityCritical, AlertFiring)) })
	}
	at(env, 5*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 30*time.Minute)
	sum := runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	require.Equal(t, 4, sum.Deliveries)
	require.Len(t, s.postsWith("<!subteam^data-oncall>: on call"), 1)
	require.Equal(t, 1, sum.Notifications["page"])
	// One thread line for the repeats within five minutes, not one each.
	require.Len(t, s.postsWith("Repeated by alertmanager"), 1)
	require.NotEmpty(t, s.postsWith("Repeated by alertmanager (delivery 2)"))
	// The message shows the count and when it last came.
	require.NotEmpty(t, s.updatesWith("Delivered 4 times, last at Tue 24 Nov 14:03 CET"))
}

func TestRecurrenceIsLinked(t *testing.T) {
	closed := incidentStart.Add(-2 * time.Hour)
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{Found: true, RunID: "run-1", ClosedAt: closed})
	at(env, 5*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 10*time.Minute)
	sum := runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	require.Equal(t, "run-1", sum.RecurrenceOf)
	require.NotEmpty(t, s.postsWith("Recurrence of the incident closed at Tue 24 Nov 12:00 CET (run run-1)"))
}

// Visibility slow to answer (as the embedded SQLite store was with
// 10,000 incidents open) holds up the recurrence note, never the
// escalation: the SMS goes at its 10 minutes, and the note follows.
func TestASlowRecurrenceLookUpDoesNotHoldTheEscalation(t *testing.T) {
	closed := incidentStart.Add(-2 * time.Hour)
	env, s := newIncidentEnvLookingUp(t, incidentStart, func(env *testsuite.TestWorkflowEnvironment) {
		env.OnActivity(a.PreviousIncident, mock.Anything, mock.Anything).After(25*time.Second).
			Return(activities.PreviousIncidentResult{Found: true, RunID: "run-1", ClosedAt: closed}, nil)
	})
	at(env, 20*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 30*time.Minute)
	sum := runTeamIncident(t, env, smsAtOnceTeam(), alertOf(SeverityCritical, AlertFiring))

	require.NotEmpty(t, s.sms)
	require.Equal(t, incidentStart.Add(time.Second), s.sms[0].At.In(berlin), "the SMS went at its second, not after the look-up")
	require.Equal(t, "run-1", sum.RecurrenceOf, "the look-up's answer is still noted")
}

// smsAtOnceTeam pages by SMS a second after the page, well inside the
// recurrence look-up's time.
func smsAtOnceTeam() team.Team {
	tm := incidentTeam()
	tm.Incidents.Escalation = map[string]team.Escalation{"default": {Steps: []team.EscalationStep{{After: "1s", Action: team.ActionSMS}}}}
	return tm
}

func TestAckAfterResolveIsRefused(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, 2*time.Minute, act(t, env, ActionAck, "UALICE"))
	at(env, 4*time.Minute, act(t, env, ActionResolve, "UBOB"))
	late := &updateCallback{t: t, wantFail: true}
	at(env, 6*time.Minute, func() {
		env.UpdateWorkflow(contract.IncidentActionUpdate, "", late, ActionRequest{Action: ActionAck, By: "UCAROL", Via: "slack"})
	})
	at(env, 30*time.Hour, act(t, env, ActionRCADone, "UALICE"))
	sum := runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	require.Error(t, late.rejected)
	require.Equal(t, "already resolved by bob", late.rejected.Error())
	require.Equal(t, "alice", sum.AcknowledgedBy)
	require.Equal(t, "bob", sum.ResolvedBy)
	require.Empty(t, s.postsWith("UCAROL"), "the refused ack left no trace")
}

func TestAckReminderAfterAnHour(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, 5*time.Minute, act(t, env, ActionAck, "UALICE"))
	at(env, 2*time.Hour, act(t, env, ActionMitigate, "UALICE"))
	resolveAndFinish(t, env, 3*time.Hour)
	runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	reminders := s.postsWith("not yet mitigated")
	require.Len(t, reminders, 1)
	require.Equal(t, incidentStart.Add(65*time.Minute), reminders[0].At.In(berlin))
	var told []string
	for _, p := range s.postsWith("impact contained") {
		if p.In.Channel == "C0STAKE" {
			told = append(told, p.In.Text)
		}
	}
	require.Len(t, told, 1, "the stakeholders hear of the mitigation once")
}

func TestRCAReminderAtTenOnTheNextWorkingDay(t *testing.T) {
	// Resolved on Friday 27 Nov at 15:00: the reminder waits for Monday
	// 10:00 Berlin, and comes daily on working days until the RCA is done.
	friday := time.Date(2026, 11, 27, 14, 0, 0, 0, berlin)
	env, s := newIncidentEnv(t, friday, activities.PreviousIncidentResult{})
	at(env, 5*time.Minute, act(t, env, ActionAck, "UALICE"))
	at(env, time.Hour, act(t, env, ActionResolve, "UALICE"))
	// Tuesday 1 Dec 11:00.
	at(env, time.Date(2026, 12, 1, 11, 0, 0, 0, berlin).Sub(friday), act(t, env, ActionRCADone, "UALICE"))
	sum := runIncident(t, env, alertOf(SeverityHigh, AlertFiring))

	var reminders []time.Time
	for _, dm := range s.dms {
		if strings.Contains(dm.In.Text, "The RCA of") {
			reminders = append(reminders, dm.At.In(berlin))
			require.Equal(t, "incident.rca_done", dm.In.Buttons[0].ActionID)
		}
	}
	require.Equal(t, []time.Time{
		time.Date(2026, 11, 30, 10, 0, 0, 0, berlin),
		time.Date(2026, 12, 1, 10, 0, 0, 0, berlin),
	}, reminders)
	require.Equal(t, time.Date(2026, 12, 1, 11, 0, 0, 0, berlin), sum.Closed.In(berlin))
}

func TestLowSeverityAtNightIsHeldUntilMorning(t *testing.T) {
	night := time.Date(2026, 11, 24, 2, 0, 0, 0, berlin)
	t.Run("still firing: posted at 09:00, without paging", func(t *testing.T) {
		env, s := newIncidentEnv(t, night, activities.PreviousIncidentResult{})
		morning := time.Date(2026, 11, 24, 9, 0, 0, 0, berlin)
		at(env, morning.Sub(night)+time.Hour, act(t, env, ActionResolve, "UALICE"))
		at(env, morning.Sub(night)+2*time.Hour, act(t, env, ActionActionableNo, "UALICE"))
		sum := runIncident(t, env, alertOf(SeverityLow, AlertFiring))

		posts := s.postsWith("[LOW] orders_daily DAG failed")
		require.Len(t, posts, 1)
		require.Equal(t, morning, posts[0].At.In(berlin))
		require.NotContains(t, posts[0].In.Text, "subteam^data-oncall")
		require.False(t, sum.Paged)
		require.Empty(t, s.sms)
		require.Equal(t, false, *sum.Actionable)
	})
	t.Run("resolved overnight: never posted", func(t *testing.T) {
		env, s := newIncidentEnv(t, night, activities.PreviousIncidentResult{})
		at(env, 90*time.Minute, func() { env.SignalWorkflow(contract.IncidentAlertSignal, alertOf(SeverityLow, AlertResolved)) })
		sum := runIncident(t, env, alertOf(SeverityLow, AlertFiring))

		require.Empty(t, s.posts)
		require.True(t, sum.ResolvedWhileHeld)
		require.Equal(t, night.Add(90*time.Minute), sum.Closed.In(berlin))
	})
}

func TestLowSeverityOnTheNightSummerTimeEnds(t *testing.T) {
	// 02:30 CEST on Sunday 25 Oct 2026, an hour before clocks go back: the
	// next working morning is Monday 09:00 CET, 08:00 UTC.
	night := time.Date(2026, 10, 25, 2, 30, 0, 0, berlin)
	env, s := newIncidentEnv(t, night, activities.PreviousIncidentResult{})
	morning := time.Date(2026, 10, 26, 9, 0, 0, 0, berlin)
	at(env, morning.Sub(night)+time.Minute, act(t, env, ActionResolve, "UALICE"))
	at(env, morning.Sub(night)+2*time.Minute, act(t, env, ActionActionableYes, "UALICE"))
	tm := incidentTeam()
	tm.Pager.Rotation.Start = "2026-10-19T09:00"
	at(env, 0, func() { env.SignalWorkflow(contract.IncidentAlertSignal, alertOf(SeverityMedium, AlertFiring)) })
	env.ExecuteWorkflow(contract.IncidentWorkflowName, IncidentInput{Team: tm})
	require.NoError(t, env.GetWorkflowError())

	posts := s.postsWith("[MEDIUM] orders_daily DAG failed")
	require.Len(t, posts, 1)
	require.Equal(t, "2026-10-26T08:00:00Z", posts[0].At.UTC().Format(time.RFC3339))
}

func TestEscalateButtonPagesTheSecondaryNow(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, 3*time.Minute, act(t, env, ActionEscalate, "UALICE"))
	at(env, 4*time.Minute, act(t, env, ActionAck, "UBOB"))
	resolveAndFinish(t, env, 10*time.Minute)
	sum := runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	require.Len(t, s.sms, 1)
	require.Equal(t, "+49151000002", s.sms[0].In.To)
	require.Equal(t, incidentStart.Add(3*time.Minute), s.sms[0].At.In(berlin))
	require.Len(t, s.calls, 1)
	require.True(t, sum.ReachedSecondary)
}

func TestIncidentStatusQuery(t *testing.T) {
	env, _ := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, 5*time.Minute, act(t, env, ActionAck, "UALICE"))
	at(env, 6*time.Minute, func() {
		v, err := env.QueryWorkflow(contract.IncidentStatusQuery)
		require.NoError(t, err)
		var st IncidentStatus
		require.NoError(t, v.Get(&st))
		require.Equal(t, StateAcknowledged, st.State)
		require.Equal(t, contract.IncidentWorkflowID("data", "fp1"), st.WorkflowID)
		require.GreaterOrEqual(t, len(st.Timeline), 3)
	})
	resolveAndFinish(t, env, 10*time.Minute)
	runIncident(t, env, alertOf(SeverityCritical, AlertFiring))
}
