package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/team"
)

// The bad night: every test here breaks a vendor on purpose while an
// escalation timer is due, and checks that the phone still rings on time,
// once per step, and that the incident stays open and says what fails.

// statusAt queries the incident at d from the start.
func statusAt(t *testing.T, env *testsuite.TestWorkflowEnvironment, d time.Duration, got *IncidentStatus) {
	at(env, d, func() {
		v, err := env.QueryWorkflow(contract.IncidentStatusQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(got))
	})
}

func TestChatDownStillEscalatesOnTime(t *testing.T) {
	for name, chatErr := range map[string]error{
		"Slack answers 503":        errors.New("Slack chat.postMessage: HTTP 503"),
		"the channel is not found": temporal.NewNonRetryableApplicationError("Slack: channel_not_found", "SlackChannelNotFound", nil),
	} {
		t.Run(name, func(t *testing.T) {
			env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
			s.chatDown = chatErr
			var during IncidentStatus
			statusAt(t, env, 12*time.Minute, &during)
			// Acknowledged from the CLI while chat is down; chat comes back later.
			at(env, 17*time.Minute, act(t, env, ActionAck, "alice"))
			at(env, 30*time.Minute, func() { s.mu.Lock(); s.chatDown = nil; s.mu.Unlock() })
			resolveAndFinish(t, env, 40*time.Minute)
			sum := runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

			require.Len(t, s.sms, 1)
			require.Equal(t, incidentStart.Add(10*time.Minute), s.sms[0].At.In(berlin), "the SMS went at its deadline")
			require.Len(t, s.calls, 1)
			require.Equal(t, incidentStart.Add(15*time.Minute), s.calls[0].At.In(berlin), "the call went at its deadline")
			require.Positive(t, s.chatTries, "chat was tried while it was down")

			require.Equal(t, StateTriggered, during.State)
			require.Contains(t, during.Failing[vendorChat], workflowerr.Message(chatErr), "the status says chat is failing")
			require.Contains(t, timelineTexts(during.Timeline), "SMS sent to alice (escalation step 1)")

			// Once chat answers, the page and its thread catch up, and say
			// what happened.
			require.Len(t, s.postsWith("*[CRITICAL] orders_daily DAG failed*"), 1)
			require.NotEmpty(t, s.postsWith("Chat (Slack) is failing ("))
			require.NotEmpty(t, s.postsWith("Chat (Slack) answers again"))
			require.NotEmpty(t, s.postsWith("Called alice (escalation step 2)"))
			// The page DM came after the ack: it was not sent.
			require.Empty(t, s.dmsWith("You are paged"))
			require.Equal(t, 1, sum.Notifications["sms"])
			require.Equal(t, 1, sum.Notifications["call"])
			require.False(t, sum.Closed.IsZero())
		})
	}
}

func TestPhoneFailureKeepsTheIncidentOpenAndEscalating(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	s.phoneDown = temporal.NewNonRetryableApplicationError("Twilio POST Messages.json: HTTP 401: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN", "TwilioUnauthorized", nil)
	var during IncidentStatus
	statusAt(t, env, 16*time.Minute, &during)
	at(env, 22*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 30*time.Minute)
	sum := runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	require.Equal(t, StateTriggered, during.State)
	require.Contains(t, during.Failing[vendorPhone], "HTTP 401")
	texts := timelineTexts(during.Timeline)
	require.Contains(t, texts, "Could not send an SMS to alice (escalation step 1): Twilio POST Messages.json: HTTP 401")
	require.Contains(t, texts, "Could not send a call to alice (escalation step 2)")
	// Nothing was sent, so nothing is counted.
	require.Zero(t, sum.Notifications["sms"])
	require.Zero(t, sum.Notifications["call"])
	require.Equal(t, 4, sum.EscalationStep, "the secondary's steps at +20 still ran")
	require.False(t, sum.Closed.IsZero())
}

func opsgenieTeam() team.Team {
	tm := incidentTeam()
	tm.Pager = team.Pager{OpsgenieSchedule: "data_schedule"}
	return tm
}

// mockOpsgenieAlerts lets a team paged through Opsgenie open and close
// its alerts.
func mockOpsgenieAlerts(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(a.OpenOpsgenieAlert, mock.Anything, mock.Anything).Return(func(context.Context, pager.AlertRequest) error { return nil }).Maybe()
	env.OnActivity(a.CloseOpsgenieAlert, mock.Anything, mock.Anything).Return(func(context.Context, activities.CloseOpsgenieAlertInput) error { return nil }).Maybe()
}

func TestPagerDownPagesTheLastKnownOnCall(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	mockOpsgenieAlerts(env)
	asked := 0
	env.OnActivity(a.WhoIsOnCall, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, _ activities.WhoIsOnCallInput) (activities.WhoIsOnCallResult, error) {
			if activity.GetInfo(ctx).Attempt == 1 {
				asked++
			}
			return activities.WhoIsOnCallResult{}, errors.New("Opsgenie GET /v2/schedules/data_schedule/on-calls: HTTP 503")
		})
	handover := time.Date(2026, 11, 23, 9, 0, 3, 0, berlin)
	s.lastKnown = activities.LastKnownOnCallResult{Found: true, People: []string{"carol"}, At: handover}
	at(env, 12*time.Minute, act(t, env, ActionAck, "UCAROL"))
	resolveAndFinish(t, env, 30*time.Minute)
	sum := runTeamIncident(t, env, opsgenieTeam(), alertOf(SeverityCritical, AlertFiring))

	require.Len(t, s.sms, 1)
	require.Equal(t, "+49151000003", s.sms[0].In.To, "carol, whom the last handover put on call")
	require.Equal(t, incidentStart.Add(10*time.Minute), s.sms[0].At.In(berlin))
	require.Equal(t, []string{"carol"}, sum.OnCall)
	require.NotEmpty(t, s.postsWith("The pager is failing (ask who is on call: Opsgenie GET /v2/schedules/data_schedule/on-calls: HTTP 503)"))
	require.NotEmpty(t, s.postsWith("(on call: carol, from the handover of Mon 23 Nov 09:00 CET)"))
	require.Equal(t, "UCAROL", s.dms[0].In.User)
	// Asked again before the step, it failed again: the step kept its time.
	require.Equal(t, 2, asked, "asks of the pager")
}

// The pager fails as the page goes out, and answers again before the first
// escalation step: that step pages whom it names, and the timeline says
// why; the page DMs them too.
func TestThePagerAnsweringAgainPagesWhomItNames(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	mockOpsgenieAlerts(env)
	tm := opsgenieTeam()
	bob, _ := tm.Person("bob")
	asked := 0
	env.OnActivity(a.WhoIsOnCall, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, _ activities.WhoIsOnCallInput) (activities.WhoIsOnCallResult, error) {
			if activity.GetInfo(ctx).Attempt == 1 {
				asked++
			}
			if asked == 1 {
				return activities.WhoIsOnCallResult{}, errors.New("Opsgenie: HTTP 503")
			}
			return activities.WhoIsOnCallResult{OnCall: [][]team.Person{{bob}, {bob}}}, nil
		})
	s.lastKnown = activities.LastKnownOnCallResult{Found: true, People: []string{"carol"}, At: time.Date(2026, 11, 23, 9, 0, 3, 0, berlin)}
	at(env, 12*time.Minute, act(t, env, ActionAck, "UBOB"))
	resolveAndFinish(t, env, 30*time.Minute)
	sum := runTeamIncident(t, env, tm, alertOf(SeverityCritical, AlertFiring))

	require.Equal(t, 2, asked, "asks of the pager: at the page, and once before the first step, after which it answered")
	require.Len(t, s.sms, 1)
	require.Equal(t, bob.Phone, s.sms[0].In.To, "the step pages bob, whom the pager names now")
	require.Equal(t, incidentStart.Add(10*time.Minute), s.sms[0].At.In(berlin), "the step kept its time")
	require.Equal(t, []string{"bob"}, sum.OnCall)
	require.NotEmpty(t, s.postsWith("The pager names bob on call, not carol (from the handover of Mon 23 Nov 09:00 CET): escalation step 1 on pages them"))
	require.NotEmpty(t, s.postsWith("The pager answers again"))
	var dmTo []string
	for _, dm := range s.dms {
		dmTo = append(dmTo, dm.In.User)
	}
	require.Contains(t, dmTo, "UBOB", "bob gets the page's DM")
}

func TestNobodyKnownPagesTheTeamsFallback(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	mockOpsgenieAlerts(env)
	env.OnActivity(a.WhoIsOnCall, mock.Anything, mock.Anything).Return(activities.WhoIsOnCallResult{}, errors.New("Opsgenie: HTTP 503"))
	tm := opsgenieTeam()
	tm.Fallback = "lead"
	tm.People[3].Phone = "+49151000009"
	at(env, 12*time.Minute, act(t, env, ActionAck, "lead"))
	resolveAndFinish(t, env, 30*time.Minute)
	sum := runTeamIncident(t, env, tm, alertOf(SeverityCritical, AlertFiring))

	require.Len(t, s.sms, 1)
	require.Equal(t, "+49151000009", s.sms[0].In.To)
	require.Equal(t, []string{"lead"}, sum.OnCall)
	require.NotEmpty(t, s.postsWith("(on call: lead, from the team's fallback)"))
}

func TestRepeatCyclesRingEveryCycle(t *testing.T) {
	tm := incidentTeam()
	tm.Incidents.Escalation = map[string]team.Escalation{"default": {
		Steps:  []team.EscalationStep{{After: "5m", Action: team.ActionSMS}, {After: "6m", Action: team.ActionCall}},
		Repeat: 2,
	}}
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, 40*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 45*time.Minute)
	sum := runTeamIncident(t, env, tm, alertOf(SeverityCritical, AlertFiring))

	// Three cycles of six minutes: SMS at +5, +11, +17 and calls at +6, +12, +18.
	require.Len(t, s.sms, 3)
	require.Len(t, s.calls, 3)
	keys := map[string]bool{}
	for i := range 3 {
		cycle := time.Duration(i) * 6 * time.Minute
		require.Equal(t, incidentStart.Add(5*time.Minute+cycle), s.sms[i].At.In(berlin))
		require.Equal(t, incidentStart.Add(6*time.Minute+cycle), s.calls[i].At.In(berlin))
		// The phone looks back to the step's own deadline, not the page's:
		// an earlier cycle's call is not taken for this one.
		require.True(t, s.sms[i].At.Equal(s.sms[i].In.Since), "SMS since %s", s.sms[i].In.Since)
		require.True(t, s.calls[i].At.Equal(s.calls[i].In.Since), "call since %s", s.calls[i].In.Since)
		keys[s.sms[i].In.Key], keys[s.calls[i].In.Key] = true, true
	}
	require.Len(t, keys, 6, "every step has a key of its own")
	require.Equal(t, 3, sum.Notifications["sms"])
	require.Equal(t, 3, sum.Notifications["call"])
	var rings int
	for _, i := range sum.Interruptions {
		if i.Kind != "page" {
			rings++
		}
	}
	require.Equal(t, 6, rings, "interruptions counted are those sent")
}

func TestTwoEscalatePressesPageTheSecondaryTwice(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, 2*time.Minute, act(t, env, ActionEscalate, "UALICE"))
	at(env, 4*time.Minute, act(t, env, ActionEscalate, "UALICE"))
	at(env, 6*time.Minute, act(t, env, ActionAck, "UBOB"))
	resolveAndFinish(t, env, 10*time.Minute)
	runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	require.Len(t, s.sms, 2)
	require.Len(t, s.calls, 2)
	for _, sms := range s.sms {
		require.Equal(t, "+49151000002", sms.In.To, "bob, the secondary")
	}
	require.Equal(t, incidentStart.Add(2*time.Minute), s.sms[0].At.In(berlin))
	require.Equal(t, incidentStart.Add(4*time.Minute), s.sms[1].At.In(berlin))
	require.NotEqual(t, s.sms[0].In.Key, s.sms[1].In.Key)
	require.NotEqual(t, s.calls[0].In.Key, s.calls[1].In.Key)
}

func TestReopenedIncidentIsFollowedUpAnew(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, 2*time.Minute, act(t, env, ActionAck, "UALICE"))
	at(env, 5*time.Minute, act(t, env, ActionResolve, "UALICE"))
	at(env, 20*time.Minute, func() { env.SignalWorkflow(contract.IncidentAlertSignal, alertOf(SeverityCritical, AlertFiring)) })
	at(env, 22*time.Minute, act(t, env, ActionAck, "UALICE"))
	at(env, 25*time.Minute, act(t, env, ActionResolve, "UALICE"))
	at(env, 48*time.Hour, act(t, env, ActionRCADone, "UALICE"))
	sum := runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	require.NotEmpty(t, s.postsWith("Fired again after it was resolved: reopened (delivery 2)"))
	asked := s.postsWith("Was this alert actionable?")
	require.Len(t, asked, 2, "asked again after the second resolve")
	require.NotEqual(t, asked[0].In.Key, asked[1].In.Key)
	require.Len(t, s.postsWith("resolved at"), 2, "the stakeholders hear of each resolve")
	require.Len(t, s.postsWith("RCA due:"), 2)
	require.Len(t, s.dmsWith("You are paged"), 2, "the reopened incident pages again")
	require.Equal(t, incidentStart.Add(25*time.Minute), sum.Resolved.In(berlin))
}

func timelineTexts(entries []TimelineEntry) string {
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.Text + "\n")
	}
	return b.String()
}
