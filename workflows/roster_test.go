package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
)

// carol holds the pager in the week of 23 Nov (testTeam); alice covers
// Tuesday evening. The group follows at both edges, and says so.
func TestRosterPointsTheGroupAtTheOverrideAndBack(t *testing.T) {
	start := time.Date(2026, 11, 24, 12, 0, 0, 0, berlin)
	env, rec := newEnv(t, start)
	env.OnActivity(a.WorkerTeams, mock.Anything).Return(team.File{Teams: []team.Team{testTeam()}}, nil)
	var added team.Override
	var overlap, past, unknown error
	update := func(after time.Duration, name, id string, arg any, done func(any, error), rejected *error) {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
				OnReject: func(err error) { *rejected = err }, OnAccept: func() {}, OnComplete: done,
			}, arg)
		}, after)
	}
	update(time.Minute, contract.RosterAddUpdate, "add", AddOverride{Person: "alice", Note: "bob's dentist",
		From: time.Date(2026, 11, 24, 18, 0, 0, 0, berlin), To: time.Date(2026, 11, 25, 9, 0, 0, 0, berlin)},
		func(v any, err error) { require.NoError(t, err); added = v.(team.Override) }, new(error))
	update(2*time.Minute, contract.RosterAddUpdate, "overlap", AddOverride{Person: "bob",
		From: time.Date(2026, 11, 25, 8, 0, 0, 0, berlin), To: time.Date(2026, 11, 25, 10, 0, 0, 0, berlin)}, func(any, error) {}, &overlap)
	update(3*time.Minute, contract.RosterAddUpdate, "past", AddOverride{Person: "bob",
		From: time.Date(2026, 11, 20, 8, 0, 0, 0, berlin), To: time.Date(2026, 11, 20, 10, 0, 0, 0, berlin)}, func(any, error) {}, &past)
	update(4*time.Minute, contract.RosterRemoveUpdate, "unknown", RemoveOverride{ID: "o99"}, func(any, error) {}, &unknown)
	var listed []team.Override
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(contract.RosterQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&listed))
	}, 10*time.Hour)
	env.RegisterDelayedCallback(env.CancelWorkflow, 30*time.Hour)
	env.ExecuteWorkflow(contract.RosterWorkflowName, RosterInput{Team: testTeam()})

	require.Equal(t, "o1", added.ID)
	require.ErrorContains(t, overlap, "overlaps override o1 (alice")
	require.ErrorContains(t, past, "which is past")
	require.ErrorContains(t, unknown, `no override "o99"`)
	require.Len(t, listed, 1)

	// Adding a future override changed nothing yet; its start and end did.
	require.Equal(t, [][]string{{"UALICE", "ULEAD"}, {"UCAROL", "ULEAD"}}, groupUsers(rec))
	require.Len(t, rec.topics, 2)
	require.Equal(t, "On call: @alice until Wed 25 Nov 09:00 CET", rec.topics[0].Topic)
	require.Equal(t, "On call: @carol until Mon 30 Nov 09:00 CET", rec.topics[1].Topic)
	require.Len(t, rec.posts, 2)
	require.Equal(t, "<@UALICE> covers *data* until Wed 25 Nov 09:00 CET. (bob's dentist)", rec.posts[0].Text)
	require.Equal(t, "<@UCAROL> is on call for *data* again until Mon 30 Nov 09:00 CET.", rec.posts[1].Text)
}
