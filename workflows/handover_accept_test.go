package workflows

import (
	"context"
	"encoding/json"
	"fmt"
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

// phoneTeam is testTeam with phone numbers, so that the handover tests the
// incoming phone, and lead as the fallback.
func phoneTeam() team.Team {
	tm := testTeam()
	for i := range tm.People {
		tm.People[i].Phone = "+49151000000" + string(rune('1'+i))
	}
	tm.Fallback = "lead"
	return tm
}

// phoneRecorder keeps the handover's SMS and calls.
type phoneRecorder struct {
	sms   []activities.SendSMSInput
	calls []activities.PlaceCallInput
	// earlier answers HandoverAccepted.
	earlier activities.HandoverAcceptedResult
}

// acceptEnv is newEnv for the handover of acceptShift, with the phone
// activities recorded.
func acceptEnv(t *testing.T, start time.Time) (*testsuite.TestWorkflowEnvironment, *recorder, *phoneRecorder) {
	env, chat := newEnv(t, start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: contract.HandoverWorkflowID("data", acceptShift)})
	rec := &phoneRecorder{}
	env.OnActivity(a.SendSMS, mock.Anything, mock.Anything).Return(keeping(&rec.sms, activities.PhoneResult{SID: "SM1"})).Maybe()
	env.OnActivity(a.PlaceCall, mock.Anything, mock.Anything).Return(keeping(&rec.calls, activities.PhoneResult{SID: "CA1"})).Maybe()
	env.OnActivity(a.HandoverAccepted, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.HandoverAcceptedInput) (activities.HandoverAcceptedResult, error) {
			return rec.earlier, nil
		}).Maybe()
	return env, chat, rec
}

// acceptAfter sends an acceptance after d of the test's clock, and keeps
// the refusal, if any.
func acceptAfter(env *testsuite.TestWorkflowEnvironment, d time.Duration, req AcceptRequest, refused *error) {
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(contract.HandoverAcceptUpdate, "accept-"+req.By, &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { *refused = err },
			OnAccept:   func() {},
			OnComplete: func(any, error) {},
		}, req)
	}, d)
}

// The Monday of these tests: bob hands over to carol at 09:00 Berlin.
var acceptShift = time.Date(2026, 11, 23, 9, 0, 0, 0, berlin)

func TestHandoverAcceptedInTime(t *testing.T) {
	env, rec, phone := acceptEnv(t, acceptShift.Add(5*time.Second))
	var wrong, second error
	acceptAfter(env, 3*time.Minute, AcceptRequest{By: "bob", Via: "phone"}, &wrong)
	// carol presses Accept in Slack: her chat ID names her.
	acceptAfter(env, 4*time.Minute, AcceptRequest{By: "UCAROL", Via: "slack"}, new(error))
	// A second acceptance at the same instant is refused.
	acceptAfter(env, 4*time.Minute, AcceptRequest{By: "carol", Via: "phone"}, &second)
	res := runHandover(t, env, HandoverInput{Team: phoneTeam()})

	require.ErrorContains(t, wrong, "only carol, who takes the pager, can accept")
	require.ErrorContains(t, second, "already accepted by carol at Mon 23 Nov 09:04 CET")
	require.Equal(t, AcceptanceAccepted, res.Acceptance)
	require.Equal(t, "carol", res.AcceptedBy)
	require.Equal(t, "slack", res.AcceptedVia)
	require.True(t, res.AcceptedAt.Equal(acceptShift.Add(4*time.Minute+5*time.Second)), res.AcceptedAt.String())
	require.True(t, res.AcceptBy.Equal(acceptShift.Add(30*time.Minute+5*time.Second)), res.AcceptBy.String())
	require.Empty(t, res.Warnings)

	// The test SMS, to carol alone, naming the handover a reply accepts.
	require.Len(t, phone.sms, 1)
	require.Equal(t, "+491510000003", phone.sms[0].To)
	require.Equal(t, "handover-data-2026-11-23T08:00:00Z", phone.sms[0].Handover)
	require.Contains(t, phone.sms[0].Body, "you are on call for data from now until Mon 30 Nov 09:00 CET")
	// Until she accepted, bob stayed in the group beside her.
	require.Equal(t, [][]string{{"UCAROL", "UBOB", "ULEAD"}, {"UCAROL", "ULEAD"}}, groupUsers(rec))
	// Her checklist DM carries the Accept button; the channel heard it.
	require.Len(t, rec.dms, 1)
	require.Len(t, rec.dms[0].Buttons, 2)
	require.Equal(t, contract.HandoverAcceptAction, rec.dms[0].Buttons[0].ActionID)
	require.Equal(t, contract.CoverNeedAction, rec.dms[0].Buttons[1].ActionID)
	require.Equal(t, fmt.Sprintf("data/%d/%d", acceptShift.Unix(), acceptShift.AddDate(0, 0, 7).Unix()), rec.dms[0].Buttons[1].Value)
	require.Equal(t, "handover-data-2026-11-23T08:00:00Z", rec.dms[0].Buttons[0].Value)
	require.Len(t, rec.posts, 2)
	require.Contains(t, rec.posts[0].Text, "please accept the handover by Mon 23 Nov 09:30 CET")
	require.Contains(t, rec.posts[1].Text, "<@UCAROL> accepted the handover of *data* at Mon 23 Nov 09:04 CET (via slack)")
}

func TestHandoverNotAcceptedPagesTheFallbackAndKeepsBoth(t *testing.T) {
	env, rec, phone := acceptEnv(t, acceptShift.Add(5*time.Second))
	res := runHandover(t, env, HandoverInput{Team: phoneTeam()})

	require.Equal(t, AcceptanceNever, res.Acceptance)
	require.Empty(t, res.AcceptedBy)
	require.Contains(t, res.Warnings, "carol did not accept the handover by Mon 23 Nov 09:30 CET")
	// The group kept bob beside carol: no narrowing ever came.
	require.Equal(t, [][]string{{"UCAROL", "UBOB", "ULEAD"}}, groupUsers(rec))
	// The fallback, lead, was paged by SMS and DM, and the channel told.
	require.Len(t, phone.sms, 2)
	require.Equal(t, "+491510000004", phone.sms[1].To)
	require.Contains(t, phone.sms[1].Body, "carol has not accepted the data handover")
	require.Empty(t, phone.sms[1].Handover, "the fallback's SMS accepts nothing")
	require.Len(t, rec.dms, 2)
	require.Equal(t, "ULEAD", rec.dms[1].User)
	require.Len(t, rec.posts, 2)
	require.Contains(t, rec.posts[1].Text, "<@UCAROL> has not accepted the handover of *data*")
	require.Contains(t, rec.posts[1].Text, "@data-oncall keeps bob beside them until they do. Paging <@ULEAD>.")
}

func TestHandoverAcceptedLateNarrowsTheGroup(t *testing.T) {
	tm := phoneTeam()
	tm.Fallback = ""
	tm.Handover.TestPage = team.TestPageCall
	tm.Handover.AcceptWithin = "10m"
	env, rec, phone := acceptEnv(t, acceptShift)
	acceptAfter(env, 2*time.Hour, AcceptRequest{By: "carol", Via: "phone"}, new(error))
	res := runHandover(t, env, HandoverInput{Team: tm})

	require.Equal(t, AcceptanceLate, res.Acceptance)
	require.Equal(t, "call", res.TestPage)
	// A test call, then, with no fallback, the outgoing bob's SMS.
	require.Len(t, phone.calls, 1)
	require.Equal(t, "carol", phone.calls[0].Person)
	require.Contains(t, phone.calls[0].Say, "testing your phone for the data handover")
	require.Len(t, phone.sms, 1)
	require.Equal(t, "+491510000002", phone.sms[0].To)
	require.Equal(t, [][]string{{"UCAROL", "UBOB", "ULEAD"}, {"UCAROL", "ULEAD"}}, groupUsers(rec))
	require.Contains(t, rec.posts[len(rec.posts)-1].Text, "1h50m0s after the deadline; @data-oncall now reaches them alone")
}

func TestHandoverRerunKeepsAnEarlierAcceptance(t *testing.T) {
	env, rec, phone := acceptEnv(t, acceptShift.Add(time.Hour))
	earlier, err := json.Marshal(HandoverAcceptance{
		TestPage: "sms", Acceptance: AcceptanceAccepted, AcceptBy: acceptShift.Add(30 * time.Minute),
		AcceptedAt: acceptShift.Add(3 * time.Minute), AcceptedBy: "carol", AcceptedVia: "phone",
	})
	require.NoError(t, err)
	phone.earlier.Memo = earlier
	res := runHandover(t, env, HandoverInput{Team: phoneTeam()})

	require.Equal(t, AcceptanceAccepted, res.Acceptance)
	require.Equal(t, "carol", res.AcceptedBy)
	require.Empty(t, phone.sms, "no second test page")
	require.Equal(t, [][]string{{"UCAROL", "ULEAD"}}, groupUsers(rec))
	require.Len(t, rec.dms[0].Buttons, 1, "no Accept button, only Need cover")
	require.Equal(t, contract.CoverNeedAction, rec.dms[0].Buttons[0].ActionID)
}

func TestHandoverWithoutATestAcceptsNothing(t *testing.T) {
	tm := phoneTeam()
	tm.Handover.TestPage = team.TestPageNone
	env, rec, phone := acceptEnv(t, acceptShift)
	var refused error
	acceptAfter(env, 0, AcceptRequest{By: "carol"}, &refused)
	res := runHandover(t, env, HandoverInput{Team: tm})

	require.ErrorContains(t, refused, "asks nobody to accept")
	require.Empty(t, res.Acceptance)
	require.Empty(t, phone.sms)
	require.Equal(t, [][]string{{"UCAROL", "ULEAD"}}, groupUsers(rec))
}

func groupUsers(rec *recorder) [][]string {
	var out [][]string
	for _, g := range rec.groups {
		out = append(out, g.Users)
	}
	return out
}
