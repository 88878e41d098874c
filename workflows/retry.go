package workflows

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/retries"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

// A retry stands between an alert a team's rule matches and its incident
// (contract.RetryID): it tells the channel, without paging, that the job
// is being run again, makes the retry, and waits for the alert to
// resolve. Resolved, nobody is paged; still firing after the wait, or a
// retry that cannot be made, and the alert goes to its incident with what
// the retry did on it. Every later delivery of the alert goes to the
// incident straight (intake looks for it first).

// RetryInput starts a retry.
type RetryInput struct {
	Team team.Team  `json:"team"`
	Rule team.Retry `json:"rule"`
}

// RetryAttempt is one retry made.
type RetryAttempt struct {
	At time.Time `json:"at"`
	// Detail says what was done; Error why it failed.
	Detail string `json:"detail,omitempty"`
	Error  string `json:"error,omitempty"`
}

// RetryResult is how a retry ended.
type RetryResult struct {
	Alert    Alert          `json:"alert"`
	Attempts []RetryAttempt `json:"attempts"`
	// ResolvedByRetry: the alert resolved within a wait, and nobody was
	// paged.
	ResolvedByRetry bool      `json:"resolved_by_retry"`
	ResolvedAt      time.Time `json:"resolved_at,omitzero"`
	// Incident is where the alert went when it was not resolved.
	Incident string `json:"incident,omitempty"`
	// CannotRetry says why no retry could be made; the alert paged at
	// once.
	CannotRetry string `json:"cannot_retry,omitempty"`
}

// retryTries is how often one retry is tried against a system that
// fails, before the alert pages.
const retryTries = 3

// The BatonState of a retry.
const (
	RetryStateRetrying = "retrying"
	RetryStateResolved = "resolved_by_retry"
	RetryStatePaged    = "paged"
)

// RetryBeforePaging runs a retry.
func RetryBeforePaging(ctx workflow.Context, in RetryInput) (RetryResult, error) {
	if _, err := teamLocation(in.Team); err != nil {
		return RetryResult{}, err
	}
	r := &retrying{in: in, start: workflow.Now(ctx), id: workflow.GetInfo(ctx).WorkflowExecution.ID,
		alerts:       workflow.GetSignalChannel(ctx, contract.RetryAlertSignal),
		postsInOrder: workflow.GetVersion(ctx, contract.RetryPostsInOrderChange, workflow.DefaultVersion, 1) >= 1}
	var first AlertSignal
	r.alerts.Receive(ctx, &first)
	r.res.Alert, r.latest = first.Alert, first.Alert
	if first.Alert.Status == AlertResolved {
		return r.res, nil // resolved before anything was done: nothing to do
	}
	if resolved := r.attempts(ctx); resolved {
		r.res.ResolvedByRetry, r.res.ResolvedAt = true, workflow.Now(ctx)
		r.post(ctx, "resolved", fmt.Sprintf(":white_check_mark: %s resolved after the retry: nobody was paged.", mrkdwn.Line(first.Alert.Summary)))
		r.upsert(ctx, RetryStateResolved)
	} else if err := r.page(ctx); err != nil {
		return r.res, err
	}
	return r.res, r.finish(ctx)
}

// finish waits for the channel's posts, which nothing before waited for,
// then hands on what came meanwhile: a firing alert after the retry is
// over pages, rather than wait for a retry that ended.
func (r *retrying) finish(ctx workflow.Context) error {
	for _, f := range r.chat {
		_ = f.Get(ctx, nil) // a post that failed for two hours is in the history
	}
	var sig AlertSignal
	for r.alerts.ReceiveAsync(&sig) {
		if r.res.ResolvedByRetry && sig.Alert.Status == AlertResolved {
			continue
		}
		if err := deliverAlert(ctx, r.in.Team, sig.Alert, 0).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// retrying is a running retry.
type retrying struct {
	in     RetryInput
	id     string
	start  time.Time
	alerts workflow.ReceiveChannel
	// latest is the alert as last delivered: the one the incident gets.
	latest Alert
	res    RetryResult
	// chat are the channel's posts on their way; postsInOrder, that each
	// waits for the one before (contract.RetryPostsInOrderChange).
	chat         []workflow.Future
	postsInOrder bool
}

// attempts makes the rule's retries, each followed by its wait; it
// reports whether the alert resolved meanwhile.
func (r *retrying) attempts(ctx workflow.Context) bool {
	var a *activities.Activities
	rule, tries := r.in.Rule, r.in.Rule.Tries()
	summary := mrkdwn.Line(r.res.Alert.Summary)
	for n := 1; n <= tries; n++ {
		r.post(ctx, fmt.Sprintf("attempt-%d", n), fmt.Sprintf(":repeat: Retrying %s (attempt %d of %d) before paging anyone: it pages if it still fires %s after the retry.",
			summary, n, tries, spanText(rule.WaitFor())))
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			// A system that is down does not get to hold the page back:
			// three tries a few seconds apart, then it pages, saying so.
			RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumAttempts: retryTries},
			Summary:     fmt.Sprintf("Retry %s (attempt %d of %d)", r.res.Alert.Summary, n, tries),
		})
		job := retries.Job{Team: r.in.Team.Name, DedupKey: r.res.Alert.DedupKey, Summary: r.res.Alert.Summary,
			AlertName: r.res.Alert.AlertName, Service: r.res.Alert.Service, Details: r.res.Alert.Details, Attempt: n}
		var detail string
		err := workflow.ExecuteActivity(actx, a.RunRetry, activities.RunRetryInput{Rule: rule, Job: job}).Get(ctx, &detail)
		at := workflow.Now(ctx)
		if err != nil {
			msg := err.Error()
			var appErr *temporal.ApplicationError
			if errors.As(err, &appErr) {
				msg = appErr.Message()
			}
			r.res.Attempts = append(r.res.Attempts, RetryAttempt{At: at, Error: msg})
			if errors.As(err, &appErr) && appErr.Type() == activities.CannotRetryError {
				r.res.CannotRetry = msg
			}
			return false // the page goes out at once, saying why
		}
		r.res.Attempts = append(r.res.Attempts, RetryAttempt{At: at, Detail: detail})
		r.post(ctx, fmt.Sprintf("done-%d", n), fmt.Sprintf("Retry of %s: %s.", summary, mrkdwn.Line(detail)))
		if r.wait(ctx, rule.WaitFor()) {
			return true
		}
	}
	return false
}

// wait waits up to d for the alert's resolution, taking its repeats.
func (r *retrying) wait(ctx workflow.Context, d time.Duration) bool {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimer(tctx, d)
	for {
		resolved, over := false, false
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(workflow.Future) { over = true })
		sel.AddReceive(r.alerts, func(c workflow.ReceiveChannel, _ bool) {
			var sig AlertSignal
			c.Receive(ctx, &sig)
			if sig.Alert.Status == AlertResolved {
				resolved = true
				return
			}
			r.latest = sig.Alert
		})
		sel.Select(ctx)
		if resolved || over {
			return resolved
		}
	}
}

// page hands the alert to its incident, with what the retry did on it,
// then every delivery that came meanwhile, in order.
func (r *retrying) page(ctx workflow.Context) error {
	a := r.latest
	a.Details = maps.Clone(a.Details)
	if a.Details == nil {
		a.Details = map[string]string{}
	}
	var lines []string
	for _, at := range r.res.Attempts {
		if at.Error != "" {
			lines = append(lines, "could not be made: "+at.Error)
		} else {
			lines = append(lines, at.Detail)
		}
	}
	note := "Baton retried it first: " + strings.Join(lines, "; ") + fmt.Sprintf(". It still fired %s later.", spanText(r.in.Rule.WaitFor()))
	if r.res.CannotRetry != "" || len(r.res.Attempts) > 0 && r.res.Attempts[len(r.res.Attempts)-1].Error != "" {
		note = "Baton could not retry it first, so it pages at once: " + lines[len(lines)-1] + "."
	}
	a.Details["retry"] = note
	a.Description = strings.TrimSpace(a.Description + "\n\n" + note)
	var id string
	if err := deliverAlert(ctx, r.in.Team, a, 0).Get(ctx, &id); err != nil {
		return err
	}
	r.res.Incident = id
	r.upsert(ctx, RetryStatePaged)
	return nil
}

// post tells the channel, without mentioning anyone, after the posts
// before it: a post slower than the retry must not be read after the
// retry's outcome. The retry and the page never wait for it, so that Slack
// down holds back no page.
func (r *retrying) post(ctx workflow.Context, what, text string) {
	var a *activities.Activities
	send := func(ctx workflow.Context) workflow.Future {
		return workflow.ExecuteActivity(withActivity(ctx, "Tell the channel: "+what), a.PostMessage, activities.PostMessageInput{
			Channel: r.in.Team.Slack.Channel, Key: r.id + "/" + what, Text: text, Since: r.start,
		})
	}
	if !r.postsInOrder {
		r.chat = append(r.chat, send(ctx))
		return
	}
	var before workflow.Future
	if len(r.chat) > 0 {
		before = r.chat[len(r.chat)-1]
	}
	done, settle := workflow.NewFuture(ctx)
	workflow.Go(ctx, func(ctx workflow.Context) {
		if before != nil {
			_ = before.Get(ctx, nil) // one that failed for good still lets the next go
		}
		settle.Set(nil, send(ctx).Get(ctx, nil))
	})
	r.chat = append(r.chat, done)
}

// upsert sets the retry's state, and its memo for the weekly summary.
func (r *retrying) upsert(ctx workflow.Context, state string) {
	_ = workflow.UpsertTypedSearchAttributes(ctx, contract.StateKey.ValueSet(state))
	_ = workflow.UpsertMemo(ctx, map[string]any{contract.RetryMemoKey: summary.Retried{
		Alert:           cmp.Or(r.res.Alert.AlertName, r.res.Alert.Summary),
		ResolvedByRetry: state == RetryStateResolved,
		Paged:           state == RetryStatePaged,
	}})
}
