package activities

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/visibility"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/summary/chart"
	"github.com/baton-oncall/baton/support"
	"github.com/baton-oncall/baton/team"
)

// SummaryInput asks for the weekly summary of a team's shift.
type SummaryInput struct {
	Team team.Team
	// Shift is the shift summed up: its Start, End and Week. Who was on
	// call comes from the shift's handover record.
	Shift summary.Shift
	// Previous is the shift before, for the trend.
	Previous summary.Shift
	// HandoverWorkflowID names the handover run that started Shift.
	HandoverWorkflowID string
}

// SummaryResult is a shift's report, and who was on call in it.
type SummaryResult struct {
	Report summary.Report
	// Outgoing are the person IDs on call in the shift, who are asked for
	// retrospective notes.
	Outgoing []string
}

// maxListed bounds the incident lists a report carries, so that a week of
// thousands of incidents keeps the workflow's history small; the counts
// are over every incident.
const maxListed = 50

// listPageSize is how many runs one visibility call returns.
const listPageSize = 1000

// ComputeSummary reads the shift's incidents from Temporal visibility and
// computes its report, with the trend against the shift before.
func (a *Activities) ComputeSummary(ctx context.Context, in SummaryInput) (SummaryResult, error) {
	now := time.Now()
	outgoing, err := a.shiftOnCall(ctx, in.Team, in.HandoverWorkflowID, in.Shift.Start)
	if err != nil {
		return SummaryResult{}, err
	}
	shift := in.Shift
	for _, id := range outgoing {
		name := id
		if p, ok := in.Team.Person(id); ok && p.Name != "" {
			name = p.Name
		}
		shift.OnCall = append(shift.OnCall, name)
	}
	cur, err := a.shiftReport(ctx, in, shift, a.holdings(ctx, in.Team, in.Shift, outgoing), now, true)
	if err != nil {
		return SummaryResult{}, err
	}
	oldest := in.Shift.Start
	if !in.Previous.Start.IsZero() {
		// The trend compares figures only: who was on call then is not read.
		prev, err := a.shiftReport(ctx, in, in.Previous, nil, now, false)
		if err != nil {
			return SummaryResult{}, err
		}
		cur.CompareWith(prev)
		oldest = in.Previous.Start
	}
	cur.RetentionWarning = a.retentionWarning(ctx, oldest, now)
	if cur.Handover, err = a.lateHandover(ctx, in.HandoverWorkflowID, contract.HandoverAcceptanceMemoKey); err != nil {
		return SummaryResult{}, err
	}
	cur.Incidents.Major = cur.Incidents.Major[:min(len(cur.Incidents.Major), maxListed)]
	cur.RCAs.List = cur.RCAs.List[:min(len(cur.RCAs.List), maxListed)]
	return SummaryResult{Report: cur, Outgoing: outgoing}, nil
}

// holdings are who held the pager when in the shift, for the on-call
// hours: for a team on its own rotation, its shifts cut by its overrides;
// for an external pager (which applies its own overrides), each person on
// call at the shift's start, for the whole shift.
func (a *Activities) holdings(ctx context.Context, t team.Team, shift summary.Shift, onCall []string) []summary.Holding {
	var out []summary.Holding
	if t.Pager.Rotation != nil {
		if segs, err := t.Schedule(a.overridesOf(ctx, t), shift.Start, shift.End); err == nil {
			for _, s := range segs {
				out = append(out, summary.Holding{Person: s.Person, From: s.From, To: s.To})
			}
			return out
		}
	}
	for _, id := range onCall {
		out = append(out, summary.Holding{Person: id, From: shift.Start, To: shift.End})
	}
	return out
}

// shiftReport computes a shift's report from the incidents visibility
// lists for it and who held the pager, with the team's open RCAs when
// asked.
func (a *Activities) shiftReport(ctx context.Context, in SummaryInput, shift summary.Shift, holdings []summary.Holding, now time.Time, withRCAs bool) (summary.Report, error) {
	incidents, err := TeamIncidents(ctx, a, in.Team.Name, shift.Start, shift.End)
	if err != nil {
		return summary.Report{}, err
	}
	var rcas []summary.Record
	if withRCAs {
		rcas, err = a.listIncidents(ctx, contract.IncidentMemoKey, fmt.Sprintf("%s AND ExecutionStatus = 'Running' AND %s = %q", teamIncidents(in.Team.Name), contract.StateKey.GetName(), contract.StateResolved))
		if err != nil {
			return summary.Report{}, err
		}
	}
	retried, err := a.listRetries(ctx, fmt.Sprintf("WorkflowType = %q AND %s = %q AND StartTime >= %q AND StartTime < %q",
		contract.RetryWorkflowName, contract.TeamKey.GetName(), in.Team.Name, shift.Start.UTC().Format(time.RFC3339), shift.End.UTC().Format(time.RFC3339)))
	if err != nil {
		return summary.Report{}, err
	}
	requests, err := a.listSupport(ctx, fmt.Sprintf("WorkflowType = %q AND %s = %q AND StartTime >= %q AND StartTime < %q",
		contract.SupportWorkflowName, contract.TeamKey.GetName(), in.Team.Name, shift.Start.UTC().Format(time.RFC3339), shift.End.UTC().Format(time.RFC3339)))
	if err != nil {
		return summary.Report{}, err
	}
	return summary.Compute(summary.Input{
		Team: in.Team, Shift: shift, Incidents: incidents, OpenRCAs: rcas, Holdings: holdings, Retries: retried, Support: requests,
		Now: now, UILink: a.uiLink(),
	}), nil
}

// TeamIncidents are a team's incidents started in [from, to), each with
// the record its memo keeps: what the weekly summary sums up and what a
// simulation replays. A function, not a method, so that it is not
// registered as an activity.
func TeamIncidents(ctx context.Context, a *Activities, teamName string, from, to time.Time) ([]summary.Record, error) {
	return a.listIncidents(ctx, contract.IncidentMemoKey, fmt.Sprintf("%s AND StartTime >= %q AND StartTime < %q",
		teamIncidents(teamName), from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339)))
}

// teamIncidents is the visibility query of a team's incident runs.
func teamIncidents(teamName string) string {
	return fmt.Sprintf("WorkflowType = %q AND %s = %q", contract.IncidentWorkflowName, contract.TeamKey.GetName(), teamName)
}

// listSupport reads every support request the query matches, as its memo
// keeps it.
func (a *Activities) listSupport(ctx context.Context, query string) ([]support.Request, error) {
	var out []support.Request
	for e, err := range visibility.Runs(ctx, a.Temporal, query, listPageSize) {
		if err != nil {
			return nil, fmt.Errorf("list support requests (%s): %w", query, err)
		}
		out = append(out, SupportRecord(e.GetExecution().GetWorkflowId(), e.GetStartTime().AsTime(), e.GetMemo().GetFields()[contract.SupportMemoKey]))
	}
	return out, nil
}

// listRetries reads every retry before paging the query matches, as its
// memo keeps it.
func (a *Activities) listRetries(ctx context.Context, query string) ([]summary.Retried, error) {
	var out []summary.Retried
	for e, err := range visibility.Runs(ctx, a.Temporal, query, listPageSize) {
		if err != nil {
			return nil, fmt.Errorf("list retries (%s): %w", query, err)
		}
		var r summary.Retried
		if p, ok := e.GetMemo().GetFields()[contract.RetryMemoKey]; ok {
			_ = converter.GetDefaultDataConverter().FromPayload(p, &r)
		}
		if r.Alert == "" {
			r.Alert = e.GetExecution().GetWorkflowId()
		}
		out = append(out, r)
	}
	return out, nil
}

// listIncidents reads every incident run the query matches, with the
// record its memo keeps. A run whose memo does not decode is counted with
// what visibility knows of it, rather than dropped.
func (a *Activities) listIncidents(ctx context.Context, memoKey, query string) ([]summary.Record, error) {
	var out []summary.Record
	for e, err := range visibility.Runs(ctx, a.Temporal, query, listPageSize) {
		if err != nil {
			return nil, fmt.Errorf("list incidents (%s): %w", query, err)
		}
		r := summary.Record{WorkflowID: e.GetExecution().GetWorkflowId(), RunID: e.GetExecution().GetRunId()}
		if p, ok := e.GetMemo().GetFields()[memoKey]; ok {
			_ = converter.GetDefaultDataConverter().FromPayload(p, &r.Incident)
		}
		if r.Triggered.IsZero() {
			r.Triggered = e.GetStartTime().AsTime()
		}
		out = append(out, r)
	}
	return out, nil
}

// shiftOnCall is who was on call in a shift: from its handover's result,
// else, when no handover ran for it, from the pager at the shift's start.
func (a *Activities) shiftOnCall(ctx context.Context, t team.Team, handoverID string, start time.Time) ([]string, error) {
	desc, err := a.Temporal.DescribeWorkflowExecution(ctx, handoverID, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
	case err != nil:
		return nil, fmt.Errorf("read handover %s: %w", handoverID, err)
	case desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		var res struct {
			OnCall []string `json:"on_call"`
		}
		if err := a.Temporal.GetWorkflow(ctx, handoverID, "").Get(ctx, &res); err != nil {
			return nil, fmt.Errorf("read handover %s: %w", handoverID, err)
		}
		if len(res.OnCall) > 0 {
			return res.OnCall, nil
		}
	}
	people, err := a.pagerOnCall(ctx, t, start)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(people))
	for i, person := range people {
		ids[i] = person.ID
	}
	return ids, nil
}

// lateHandover is the shift's handover when its incoming person accepted
// it late or never, read from its memo; nil when it was accepted in time,
// tested nobody's phone, or did not run.
func (a *Activities) lateHandover(ctx context.Context, handoverID, memoKey string) (*summary.HandoverCheck, error) {
	if memoKey == "" {
		return nil, nil
	}
	desc, err := a.Temporal.DescribeWorkflowExecution(ctx, handoverID, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read handover %s: %w", handoverID, err)
	}
	p, ok := desc.GetWorkflowExecutionInfo().GetMemo().GetFields()[memoKey]
	if !ok {
		return nil, nil
	}
	var acc struct {
		People     []string  `json:"people"`
		AcceptBy   time.Time `json:"accept_by"`
		AcceptedAt time.Time `json:"accepted_at"`
		AcceptedBy string    `json:"accepted_by"`
	}
	if err := converter.GetDefaultDataConverter().FromPayload(p, &acc); err != nil || acc.AcceptBy.IsZero() {
		return nil, nil
	}
	if !acc.AcceptedAt.IsZero() && !acc.AcceptedAt.After(acc.AcceptBy) {
		return nil, nil
	}
	return &summary.HandoverCheck{People: acc.People, AcceptBy: acc.AcceptBy, AcceptedAt: acc.AcceptedAt, AcceptedBy: acc.AcceptedBy}, nil
}

// RetentionWarning is retentionWarning for callers outside a workflow
// (starter simulate). A function, not a method, so that it is not
// registered as an activity.
func RetentionWarning(ctx context.Context, a *Activities, oldest, now time.Time) string {
	return a.retentionWarning(ctx, oldest, now)
}

// retentionWarning says when the namespace may already have deleted runs
// of the weeks summed up: closed runs are kept for the retention period
// only, and a silent under-count would mislead.
func (a *Activities) retentionWarning(ctx context.Context, oldest, now time.Time) string {
	ns, err := a.Temporal.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: a.Namespace})
	if err != nil {
		return fmt.Sprintf("Could not read the retention of namespace %q (%v): runs older than it are not counted.", a.Namespace, err)
	}
	retention := ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration()
	if retention <= 0 || now.Sub(oldest) <= retention {
		return ""
	}
	return fmt.Sprintf("Namespace %q keeps closed runs for %s only: incidents of these weeks that closed before %s are gone, so the counts may be low.",
		a.Namespace, retention, now.Add(-retention).UTC().Format(time.RFC3339))
}

func (a *Activities) uiLink() func(workflowID, runID string) string {
	if a.UIURL == "" {
		return nil
	}
	base := strings.TrimRight(a.UIURL, "/")
	return func(workflowID, runID string) string {
		return fmt.Sprintf("%s/namespaces/%s/workflows/%s/%s/history", base, url.PathEscape(a.Namespace), url.PathEscape(workflowID), url.PathEscape(runID))
	}
}

// PostSummaryInput is a report to post in the team channel.
type PostSummaryInput struct {
	Channel string
	Key     string
	Since   time.Time
	Report  summary.Report
}

// PostSummaryResult says where the summary is.
type PostSummaryResult struct {
	Channel string
	TS      string
	Link    string
}

// PostSummary posts the report, once per key, with its chart in the
// post's thread.
func (a *Activities) PostSummary(ctx context.Context, in PostSummaryInput) (PostSummaryResult, error) {
	r, err := a.PostMessage(ctx, PostMessageInput{Channel: in.Channel, Key: in.Key, Since: in.Since, Text: summary.Slack(in.Report)})
	if err != nil {
		return PostSummaryResult{}, err
	}
	grid := in.Report.PagesByDayHour
	png, err := chart.Heatmap(fmt.Sprintf("Interruptions of %s by day and hour, %s (%s)", in.Report.Team, in.Report.Shift.Week, grid.TimeZone), grid.DayLabels, grid.Counts[:])
	if err != nil {
		return PostSummaryResult{}, temporal.NewNonRetryableApplicationError("draw the chart: "+err.Error(), "Chart", err)
	}
	err = a.Chat.UploadFile(ctx, in.Channel, chat.File{
		Name: fmt.Sprintf("oncall-%s-%s.png", in.Report.Team, in.Report.Shift.Week), Title: "Interruptions by day and hour",
		ThreadTS: r.TS, Data: png,
	})
	if err != nil {
		return PostSummaryResult{}, err
	}
	link, err := a.Chat.Permalink(ctx, in.Channel, r.TS)
	if err != nil {
		return PostSummaryResult{}, err
	}
	return PostSummaryResult{Channel: in.Channel, TS: r.TS, Link: link}, nil
}

// RetroNotesInput names the thread the notes were asked in.
type RetroNotesInput struct {
	Channel string
	TS      string
}

// RetroNotesResult holds the replies, oldest first.
type RetroNotesResult struct {
	Notes []chat.Reply
}

// RetroNotes reads the replies to a request for retrospective notes.
func (a *Activities) RetroNotes(ctx context.Context, in RetroNotesInput) (RetroNotesResult, error) {
	notes, err := a.Chat.Replies(ctx, in.Channel, in.TS)
	return RetroNotesResult{Notes: notes}, err
}

// SummaryLinkInput names a summary run.
type SummaryLinkInput struct {
	WorkflowID string
	MemoKey    string
}

// SummaryLinkResult is the summary post's link; empty when there is none.
type SummaryLinkResult struct {
	Link string
}

// errSummaryNotPosted is retried: the summary runs at the same instant as
// the handover that links it, and takes a few seconds.
var errSummaryNotPosted = errors.New("the summary is running and not posted yet")

// SummaryLink finds the link of a shift's summary post for the handover
// message. No summary run means no link; a run still computing is waited
// for through retries.
func (a *Activities) SummaryLink(ctx context.Context, in SummaryLinkInput) (SummaryLinkResult, error) {
	desc, err := a.Temporal.DescribeWorkflowExecution(ctx, in.WorkflowID, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return SummaryLinkResult{}, nil
	}
	if err != nil {
		return SummaryLinkResult{}, err
	}
	var link string
	if p, ok := desc.GetWorkflowExecutionInfo().GetMemo().GetFields()[in.MemoKey]; ok {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &link)
	}
	if link == "" && desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return SummaryLinkResult{}, errSummaryNotPosted
	}
	return SummaryLinkResult{Link: link}, nil
}
