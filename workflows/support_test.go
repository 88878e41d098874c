package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/support"
	"github.com/baton-oncall/baton/team"
)

// supportTeam: carol is on call, working 09:00-17:00 Monday to Friday in
// Berlin; requests are asked in C0HELP.
func supportTeam() team.Team {
	t := testTeam()
	t.Slack.SupportChannel = "C0HELP"
	for i := range t.People {
		t.People[i].WorkingHours = &team.WorkingHours{Start: "09:00", End: "17:00", Days: []string{"mon", "tue", "wed", "thu", "fri"}}
	}
	return t
}

// asked is the message a reaction opened the request on.
const askedTS = "1796630400.000100"

// supportSent is what the mocked activities of a request were asked.
type supportSent struct {
	*sent
	reads []timed[activities.ReadMessageInput]
	whos  []timed[activities.WhoIsOnCallInput]
	// unreadable makes chat have no message to read back; nobodyOnCall
	// makes the pager name nobody.
	unreadable, nobodyOnCall bool
}

// newSupportEnv starts a request's test environment at start; the pager
// names carol.
func newSupportEnv(t *testing.T, start time.Time, id string) (*testsuite.TestWorkflowEnvironment, *supportSent) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})
	Register(env, &activities.Activities{})
	s := &supportSent{sent: &sent{env: env}}
	env.OnActivity(a.ReadMessage, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ReadMessageInput) (activities.ReadMessageResult, error) {
			record(s.sent, &s.reads, in)
			if s.unreadable {
				return activities.ReadMessageResult{}, nil
			}
			return activities.ReadMessageResult{Found: true, User: "UASKER", Text: "is the orders <table> late?", ThreadTS: in.TS}, nil
		}).Maybe()
	env.OnActivity(a.PostMessage, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.PostMessageInput) (activities.PostMessageResult, error) {
			record(s.sent, &s.posts, in)
			ts := "1796630400.000200"
			if in.ThreadTS == "" {
				ts = "1796630400.000150"
			}
			return activities.PostMessageResult{Channel: in.Channel, TS: ts}, nil
		}).Maybe()
	env.OnActivity(a.Permalink, mock.Anything, mock.Anything).Return(activities.PermalinkResult{Link: "https://fake.slack.com/archives/C0HELP/p1"}, nil).Maybe()
	env.OnActivity(a.UpdateMessage, mock.Anything, mock.Anything).Return(recording(s.sent, nil, &s.ups, activities.UpdateMessageResult{})).Maybe()
	env.OnActivity(a.SendDM, mock.Anything, mock.Anything).Return(recording(s.sent, nil, &s.dms, activities.PostMessageResult{})).Maybe()
	env.OnActivity(a.ResolveChatUsers, mock.Anything, mock.Anything).Return(chatUsers()).Maybe()
	env.OnActivity(a.WhoIsOnCall, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.WhoIsOnCallInput) (activities.WhoIsOnCallResult, error) {
			record(s.sent, &s.whos, in)
			if s.nobodyOnCall {
				return activities.WhoIsOnCallResult{OnCall: [][]team.Person{nil}}, nil
			}
			carol, _ := supportTeam().Person("carol")
			return activities.WhoIsOnCallResult{OnCall: [][]team.Person{{carol}}}, nil
		}).Maybe()
	return env, s
}

// supportAct is a press of Take or Done by a person, from their chat user
// (bob is UBOB).
func supportAct(t *testing.T, env *testsuite.TestWorkflowEnvironment, action, by string, cb *supportCallback) func() {
	if cb == nil {
		cb = &supportCallback{t: t}
	}
	return func() {
		env.UpdateWorkflow(contract.SupportActUpdate, "", cb, SupportAction{Action: action, By: by, ByChat: "U" + strings.ToUpper(by), Via: "slack"})
	}
}

// supportCallback is updateCallback for a request's Take and Done.
type supportCallback = resultCallback[SupportActResult]

func reactionInput() SupportInput {
	return SupportInput{Team: supportTeam(), Read: true, Request: support.Request{
		Channel: "C0HELP", TS: askedTS, OpenedBy: "UREACTOR", Via: support.ViaReaction,
	}}
}

var tuesdayMorning = time.Date(2026, 11, 24, 10, 0, 0, 0, berlin)

func TestSupportTakeThenDoneChangeTheRequestAndItsPost(t *testing.T) {
	id := contract.SupportMessageID("data", "C0HELP", askedTS)
	env, s := newSupportEnv(t, tuesdayMorning, id)
	taken := &supportCallback{t: t}
	at(env, 10*time.Minute, supportAct(t, env, support.ActTake, "bob", taken))
	again := &supportCallback{t: t, wantFail: true}
	at(env, 15*time.Minute, supportAct(t, env, support.ActTake, "alice", again))
	var during support.Request
	at(env, 20*time.Minute, func() {
		v, err := env.QueryWorkflow(contract.SupportStatusQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&during))
	})
	at(env, 40*time.Minute, supportAct(t, env, support.ActDone, "bob", nil))
	req := runWorkflow[support.Request](t, env, contract.SupportWorkflowName, reactionInput())

	// The message was read back from chat, and the post went in its
	// thread, tagging the on-call group, with Take and Done.
	require.Len(t, s.reads, 1)
	require.Equal(t, activities.ReadMessageInput{Channel: "C0HELP", TS: askedTS}, s.reads[0].In)
	require.Len(t, s.posts, 1)
	post := s.posts[0].In
	require.Equal(t, "C0HELP", post.Channel)
	require.Equal(t, askedTS, post.ThreadTS)
	require.Equal(t, id+"/post", post.Key)
	require.Contains(t, post.Text, "<!subteam^data-oncall> *Support request* from <@UASKER>")
	require.Contains(t, post.Text, "> is the orders &lt;table&gt; late?")
	require.Contains(t, post.Text, "🔴 *New*")
	require.Equal(t, []string{contract.SupportTakeAction, contract.SupportDoneAction}, actionIDs(post.Buttons))
	require.Equal(t, id, post.Buttons[0].Value)

	// Take, then Done, each updating the post in place.
	require.Len(t, s.ups, 2)
	require.Equal(t, tuesdayMorning.Add(10*time.Minute), s.ups[0].At.In(berlin))
	require.Contains(t, s.ups[0].In.Text, "🟡 *Taken* by <@UBOB> at Tue 24 Nov 10:10 CET")
	require.NotContains(t, s.ups[0].In.Text, "subteam", "a taken request tags the group no more")
	require.Equal(t, []string{contract.SupportDoneAction}, actionIDs(s.ups[0].In.Buttons))
	require.Contains(t, s.ups[1].In.Text, "🟢 *Done* by <@UBOB> at Tue 24 Nov 10:40 CET")
	require.Empty(t, s.ups[1].In.Buttons)
	require.Equal(t, "1796630400.000200", s.ups[1].In.TS)

	// A second Take, by someone else, is refused with who has it.
	require.ErrorContains(t, again.rejected, "already taken by <@UBOB>")
	require.Contains(t, taken.result.Message, "yours")
	require.Equal(t, support.StateTaken, during.State)

	require.Equal(t, support.StateDone, req.State)
	require.Equal(t, "UASKER", req.Asker)
	require.Equal(t, "UREACTOR", req.OpenedBy)
	require.Equal(t, tuesdayMorning.Add(10*time.Minute), req.FirstResponse().In(berlin))
	require.Equal(t, tuesdayMorning.Add(40*time.Minute), req.DoneAt().In(berlin))
	require.Equal(t, "https://fake.slack.com/archives/C0HELP/p1", req.Link)
	require.Empty(t, s.dms, "answered within respond_within: no reminder")
}

func TestSupportNobodyTookRemindsInWorkingHoursOnly(t *testing.T) {
	// Opened Tuesday 16:30: due at 18:30, after carol's day. The reminder
	// waits for Wednesday 09:00, the next at 11:00; she takes it at 11:30.
	opened := time.Date(2026, 11, 24, 16, 30, 0, 0, berlin)
	env, s := newSupportEnv(t, opened, contract.SupportMessageID("data", "C0HELP", askedTS))
	took := time.Date(2026, 11, 25, 11, 30, 0, 0, berlin)
	at(env, took.Sub(opened), supportAct(t, env, support.ActTake, "carol", nil))
	at(env, took.Sub(opened)+5*time.Hour, supportAct(t, env, support.ActDone, "carol", nil))
	req := runWorkflow[support.Request](t, env, contract.SupportWorkflowName, reactionInput())

	require.Len(t, s.dms, 2)
	require.Equal(t, time.Date(2026, 11, 25, 9, 0, 0, 0, berlin), s.dms[0].At.In(berlin), "not at 18:30 Tuesday: at carol's start on Wednesday")
	require.Equal(t, time.Date(2026, 11, 25, 11, 0, 0, 0, berlin), s.dms[1].At.In(berlin), "one respond_within after the first")
	for _, dm := range s.dms {
		require.Equal(t, "UCAROL", dm.In.User)
		require.Contains(t, dm.In.Text, "has waited")
		require.Contains(t, dm.In.Text, "<https://fake.slack.com/archives/C0HELP/p1|its thread>")
	}
	require.NotEqual(t, s.dms[0].In.Key, s.dms[1].In.Key, "each reminder is its own DM")
	require.Equal(t, 2, req.Reminders)
	require.Empty(t, s.sms)
	require.Empty(t, s.calls, "a support request never rings a phone")
	require.Equal(t, support.StateDone, req.State)
}

func TestSupportNoReminderAfterTake(t *testing.T) {
	env, s := newSupportEnv(t, tuesdayMorning, contract.SupportMessageID("data", "C0HELP", askedTS))
	at(env, time.Hour, supportAct(t, env, support.ActTake, "bob", nil))
	at(env, 30*time.Hour, supportAct(t, env, support.ActDone, "bob", nil))
	req := runWorkflow[support.Request](t, env, contract.SupportWorkflowName, reactionInput())
	require.Empty(t, s.dms, "taken within respond_within, then a day and more without a reminder")
	require.Empty(t, s.whos, "nobody was looked up to be reminded")
	require.Equal(t, 0, req.Reminders)
}

func TestSupportDoneBeforeTakeAndAskPostsItsMessage(t *testing.T) {
	id := contract.SupportAskID("data", "k1")
	env, s := newSupportEnv(t, tuesdayMorning, id)
	at(env, 3*time.Minute, supportAct(t, env, support.ActDone, "alice", nil))
	req := runWorkflow[support.Request](t, env, contract.SupportWorkflowName, SupportInput{Team: supportTeam(), Request: support.Request{
		Asker: "UASKER", OpenedBy: "UASKER", Via: support.ViaAsk, Text: "can someone rerun <!channel> orders?",
	}})

	// /baton ask posts the request in the support channel, then follows
	// it in that post's thread.
	require.Len(t, s.posts, 2)
	require.Equal(t, "C0HELP", s.posts[0].In.Channel)
	require.Empty(t, s.posts[0].In.ThreadTS)
	require.Contains(t, s.posts[0].In.Text, "*Support request for data* from <@UASKER>:\n> can someone rerun &lt;!channel&gt; orders?")
	require.Equal(t, "1796630400.000150", s.posts[1].In.ThreadTS)
	require.Empty(t, s.reads, "the text came with the command")

	require.Equal(t, support.StateDone, req.State)
	require.Nil(t, req.Taken)
	require.Equal(t, tuesdayMorning.Add(3*time.Minute), req.FirstResponse().In(berlin), "Done counts as the first response")
	require.Equal(t, "1796630400.000150", req.TS)
}

func actionIDs(bs []chat.Button) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.ActionID)
	}
	return out
}

// A message chat cannot read back (deleted since) still gets its request,
// without its text; a reminder due while the pager names nobody reminds
// nobody, and counts, so that the next comes a period later.
func TestSupportUnreadableMessageAndNobodyToRemind(t *testing.T) {
	env, s := newSupportEnv(t, tuesdayMorning, contract.SupportMessageID("data", "C0HELP", askedTS))
	s.unreadable, s.nobodyOnCall = true, true
	at(env, 3*time.Hour, supportAct(t, env, support.ActDone, "alice", nil))
	in := reactionInput()
	in.Request.Asker = "UASKER" // item_user, from the event
	req := runWorkflow[support.Request](t, env, contract.SupportWorkflowName, in)

	require.Len(t, s.posts, 1)
	require.Equal(t, askedTS, s.posts[0].In.ThreadTS, "its own thread, as chat names no other")
	require.Contains(t, s.posts[0].In.Text, "*Support request* from <@UASKER>:\n🔴 *New*")
	require.Empty(t, s.dms)
	require.Equal(t, 1, req.Reminders, "due at +2h, with nobody on call to remind")
	require.Equal(t, tuesdayMorning.Add(2*time.Hour), req.Reminded.In(berlin))
}
