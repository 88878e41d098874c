package workflows

import (
	"fmt"
	"testing"
	"time"

	"github.com/baton-oncall/baton/contract"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// pqOutcome is what one page asked of the quota got.
type pqOutcome struct {
	at       time.Duration
	key      string
	result   PageQuotaResult
	rejected error
	done     bool
}

// pqRun runs a page quota from start (the test's own clock), sending each
// page at its offset, and returns the outcomes and whether the run ended
// by itself, without pending pages, within the test's horizon.
func pqRun(t *testing.T, in PageQuotaInput, start time.Time, pages []*pqOutcome) (*testsuite.TestWorkflowEnvironment, error) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.RegisterWorkflowWithOptions(PageQuota, workflow.RegisterOptions{Name: contract.PageQuotaWorkflowName})
	for i, p := range pages {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(contract.PageQuotaTakeUpdate, fmt.Sprintf("page-%d", i), &testsuite.TestUpdateCallback{
				OnAccept: func() {},
				OnReject: func(err error) { p.rejected = err; p.done = true },
				OnComplete: func(v any, err error) {
					require.NoError(t, err)
					p.result, p.done = v.(PageQuotaResult), true
				},
			}, TakePage{Key: p.key, Team: "data"})
		}, p.at)
	}
	env.ExecuteWorkflow(contract.PageQuotaWorkflowName, in)
	for _, p := range pages {
		require.True(t, p.done, "the page at +%s was never answered", p.at)
	}
	require.True(t, env.IsWorkflowCompleted())
	return env, env.GetWorkflowError()
}

// Five pages in an hour are taken; the sixth is refused with when the next
// is possible; a second press of a counted page is no new page; once the
// first has left the window, one more is taken; and once all have, the
// run ends, to start afresh with the next page.
func TestPageQuotaTakesFiveAnHour(t *testing.T) {
	start := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	var pages []*pqOutcome
	for i := range 5 {
		pages = append(pages, &pqOutcome{at: time.Duration(i*10+1) * time.Minute, key: fmt.Sprintf("k%d", i)})
	}
	sixth := &pqOutcome{at: 51 * time.Minute, key: "k5"}
	again := &pqOutcome{at: 52 * time.Minute, key: "k4"} // a double press of the fifth
	later := &pqOutcome{at: 61*time.Minute + time.Second, key: "k6"}
	pages = append(pages, sixth, again, later)

	env, err := pqRun(t, PageQuotaInput{}, start, pages)
	require.NoError(t, err)
	for i, p := range pages[:5] {
		require.NoError(t, p.rejected, "page %d", i+1)
		require.Equal(t, PageQuotaResult{Taken: i + 1, Limit: 5}, p.result, "page %d", i+1)
	}
	require.ErrorContains(t, sixth.rejected, "at most 5 pages an hour from one person, and you have declared 5 in the last hour")
	require.ErrorContains(t, sixth.rejected, "The next is possible in 10 minutes")
	require.NoError(t, again.rejected)
	require.Equal(t, 5, again.result.Taken)
	require.NoError(t, later.rejected, "the first page had left the window")
	require.Equal(t, 5, later.result.Taken)
	// The run ended an hour after its last page, not on a calendar day.
	require.Equal(t, start.Add(later.at+PageQuotaWindow), env.Now().UTC())
}

// Pages carried over by continue-as-new still count.
func TestPageQuotaCountsCarriedPages(t *testing.T) {
	start := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	var carried []PageTaken
	for i := range 5 {
		carried = append(carried, PageTaken{Key: fmt.Sprintf("old%d", i), Team: "data", At: start.Add(-time.Duration(50-i) * time.Minute)})
	}
	refused := &pqOutcome{at: time.Minute, key: "new"}
	_, err := pqRun(t, PageQuotaInput{Pages: carried}, start, []*pqOutcome{refused})
	require.NoError(t, err)
	require.ErrorContains(t, refused.rejected, "The next is possible in 9 minutes")
}

// A run continues as new once it has taken many pages, keeping those in
// the window.
func TestPageQuotaContinuesAsNew(t *testing.T) {
	start := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	var pages []*pqOutcome
	for i := range pageQuotaRunUpdates {
		// The same page pressed over and over: counted once, taken each time.
		pages = append(pages, &pqOutcome{at: time.Duration(i+1) * time.Second, key: "k"})
	}
	_, err := pqRun(t, PageQuotaInput{}, start, pages)
	var cont *workflow.ContinueAsNewError
	require.ErrorAs(t, err, &cont)
	var next PageQuotaInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(cont.Input, &next))
	require.Len(t, next.Pages, 1)
	require.Equal(t, "k", next.Pages[0].Key)
	for _, p := range pages {
		require.NoError(t, p.rejected)
	}
}
