package workflows

import (
	"fmt"
	"time"

	"github.com/baton-oncall/baton/contract"
	"go.temporal.io/sdk/workflow"
)

// The page quota: how many incidents one person may declare with
// /baton page. /baton page rings a team's phones, at night too, so one
// person may declare at most PageQuotaLimit in PageQuotaWindow. The count
// lives in Temporal, one small workflow per person reached with
// update-with-start, so that several gateways, or a restarted one, count
// together. A page over the limit is refused by the update's validator and
// leaves nothing in the history. A run ends once its pages have all left
// the window; the next page starts a new one.

// PageQuotaLimit pages in any PageQuotaWindow, per person.
const (
	PageQuotaLimit  = 5
	PageQuotaWindow = time.Hour
)

// pageQuotaRunUpdates is how many pages a run takes before it continues
// as new: a double press is taken again, so a run's history could grow
// without bound even under the limit.
const pageQuotaRunUpdates = 500

// PageQuotaInput is the pages a run carries over from the one before it.
type PageQuotaInput struct {
	Pages []PageTaken `json:"pages,omitempty"`
}

// PageTaken is one page counted: the incident's dedup key, its team, and
// when it was declared.
type PageTaken struct {
	Key  string    `json:"key"`
	Team string    `json:"team"`
	At   time.Time `json:"at"`
}

// TakePage asks to count one page. Key is the page's dedup key: pressing
// the same prompt twice goes to the same incident and counts once.
type TakePage struct {
	Key  string `json:"key"`
	Team string `json:"team"`
}

// PageQuotaResult is how many pages the person has declared in the window,
// this one included.
type PageQuotaResult struct {
	Taken int `json:"taken"`
	Limit int `json:"limit"`
}

// PageQuota is the page quota of one person.
func PageQuota(ctx workflow.Context, in PageQuotaInput) error {
	q := &pageQuota{pages: in.Pages}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.PageQuotaTakeUpdate, q.take,
		workflow.UpdateHandlerOptions{Validator: q.validate}); err != nil {
		return err
	}
	for {
		q.prune(workflow.Now(ctx))
		if info := workflow.GetInfo(ctx); q.taken >= pageQuotaRunUpdates || info.GetContinueAsNewSuggested() {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			return workflow.NewContinueAsNewError(ctx, contract.PageQuotaWorkflowName, PageQuotaInput{Pages: q.pages})
		}
		// Wait for the oldest page to leave the window, or, with none,
		// for one window; a new page wakes the loop early.
		wait := PageQuotaWindow
		if len(q.pages) > 0 {
			wait = q.pages[0].At.Add(PageQuotaWindow).Sub(workflow.Now(ctx))
		}
		seen := q.taken
		woke, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return q.taken != seen })
		if err != nil {
			return err
		}
		q.prune(workflow.Now(ctx))
		if !woke && len(q.pages) == 0 && workflow.AllHandlersFinished(ctx) {
			return nil
		}
	}
}

type pageQuota struct {
	pages []PageTaken // oldest first, all within the window
	taken int         // pages taken by this run, for continue-as-new
}

// validate refuses a page over the limit, before anything is recorded.
func (q *pageQuota) validate(ctx workflow.Context, req TakePage) error {
	return q.check(workflow.Now(ctx), req)
}

func (q *pageQuota) take(ctx workflow.Context, req TakePage) (PageQuotaResult, error) {
	now := workflow.Now(ctx)
	q.prune(now)
	// Checked again: several pages may have come in one workflow task.
	if err := q.check(now, req); err != nil {
		return PageQuotaResult{}, err
	}
	q.taken++
	if !q.has(req.Key) {
		q.pages = append(q.pages, PageTaken{Key: req.Key, Team: req.Team, At: now})
	}
	return PageQuotaResult{Taken: len(q.pages), Limit: PageQuotaLimit}, nil
}

// check is the rule: a page already counted passes again; a new one
// passes while fewer than PageQuotaLimit are in the window.
func (q *pageQuota) check(now time.Time, req TakePage) error {
	if req.Key == "" {
		return fmt.Errorf("a page needs its key")
	}
	if q.has(req.Key) {
		return nil
	}
	var in []PageTaken
	for _, p := range q.pages {
		if inPageWindow(p, now) {
			in = append(in, p)
		}
	}
	if len(in) < PageQuotaLimit {
		return nil
	}
	next := in[len(in)-PageQuotaLimit].At.Add(PageQuotaWindow).Sub(now)
	return fmt.Errorf("/baton page takes at most %d pages an hour from one person, and you have declared %d in the last hour: "+
		"nothing was paged. The next is possible in %s; until then ask the team in its channel, or page with the starter",
		PageQuotaLimit, len(in), minutesUp(next))
}

func (q *pageQuota) has(key string) bool {
	for _, p := range q.pages {
		if p.Key == key {
			return true
		}
	}
	return false
}

// prune forgets the pages that have left the window.
func (q *pageQuota) prune(now time.Time) {
	kept := q.pages[:0]
	for _, p := range q.pages {
		if inPageWindow(p, now) {
			kept = append(kept, p)
		}
	}
	q.pages = kept
}

func inPageWindow(p PageTaken, now time.Time) bool {
	return p.At.After(now.Add(-PageQuotaWindow))
}

// minutesUp says a wait in whole minutes, rounded up: "1 minute",
// "23 minutes".
func minutesUp(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", m)
}
