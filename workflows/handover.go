package workflows

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/rosterview"
	"github.com/baton-oncall/baton/team"
)

// HandoverInput is one team's handover.
type HandoverInput struct {
	// Team is the team's configuration as it was when the run started.
	Team team.Team
	// ShiftStart is the handover instant this run is for. Zero means the
	// latest handover at or before the run's start, which is what a
	// schedule wants.
	ShiftStart time.Time
}

// Handover outcomes.
const (
	// HandoverDone: the group, topic, message and checklist are in place.
	HandoverDone = "handed-over"
	// HandoverNobodyOnCall: the pager named nobody; the group was left alone.
	HandoverNobodyOnCall = "nobody-on-call"
	// HandoverUnmapped: someone was not found in chat; the group was left
	// alone, the rest was done.
	HandoverUnmapped = "unmapped"
)

// HandoverResult says what a handover found and did.
type HandoverResult struct {
	Team       string    `json:"team"`
	ShiftStart time.Time `json:"shift_start"`
	ShiftEnd   time.Time `json:"shift_end"`
	Status     string    `json:"status"`
	// Outgoing, OnCall and Next are person IDs (emails for people the team
	// file does not list).
	Outgoing []string `json:"outgoing"`
	OnCall   []string `json:"on_call"`
	Next     []string `json:"next"`
	// What changed in this run: a rerun of the same shift changes nothing.
	GroupChanged  bool `json:"group_changed"`
	TopicChanged  bool `json:"topic_changed"`
	MessagePosted bool `json:"message_posted"`
	ChecklistSent bool `json:"checklist_sent"`
	OpenIncidents int  `json:"open_incidents"`
	// OpenRequests counts the team's open support requests, which pass to
	// the incoming person.
	OpenRequests int      `json:"open_requests,omitempty"`
	Warnings     []string `json:"warnings"`
	// HandoverAcceptance says whether the incoming person accepted, and
	// when (handover_accept.go).
	HandoverAcceptance
}

// Handover points the team's user group at the person on call, sets the
// channel topic, posts the handover and sends the incoming person their
// checklist.
func Handover(ctx workflow.Context, in HandoverInput) (HandoverResult, error) {
	h, err := setupHandover(ctx, in)
	if err != nil {
		return HandoverResult{}, err
	}
	return h.run(ctx)
}

type handover struct {
	team   team.Team
	loc    *time.Location
	now    time.Time
	res    HandoverResult
	logger log.Logger
	// chatIDs maps person IDs to chat user IDs.
	chatIDs map[string]string
	onCall  []team.Person
	acc     acceptance
	// requests are the team's open support requests, for the post and the
	// checklist; nil for a run from before handovers listed them.
	requests []rosterview.OpenRequest
}

func setupHandover(ctx workflow.Context, in HandoverInput) (*handover, error) {
	loc, err := teamLocation(in.Team)
	if err != nil {
		return nil, err
	}
	h := &handover{team: in.Team, loc: loc, now: workflow.Now(ctx)}
	start := in.ShiftStart
	if start.IsZero() {
		if start, err = in.Team.Handover.Previous(loc, h.now); err != nil {
			return nil, badTeam(err)
		}
	}
	end, err := in.Team.Handover.Next(loc, start)
	if err != nil {
		return nil, badTeam(err)
	}
	// A handover points the group at whoever holds the pager now, so one
	// for a shift that is over would hand a past week's pager to someone
	// who no longer holds it. It is refused, naming the current shift.
	if !h.now.Before(end) {
		current, err := in.Team.Handover.Previous(loc, h.now)
		if err != nil {
			return nil, badTeam(err)
		}
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"team %q: the shift from %s ended at %s; hand over the current shift, which began %s, instead",
			in.Team.Name, rosterview.When(start, loc), rosterview.When(end, loc), rosterview.When(current, loc)), "ShiftEnded", nil)
	}
	h.res = HandoverResult{Team: in.Team.Name, ShiftStart: start.In(loc), ShiftEnd: end.In(loc)}
	h.logger = log.With(workflow.GetLogger(ctx), "team", in.Team.Name, "shift", start.UTC().Format(time.RFC3339))
	if err := workflow.SetQueryHandler(ctx, contract.HandoverStatusQuery, func() (HandoverResult, error) { return h.res, nil }); err != nil {
		return nil, err
	}
	if err := h.registerAccept(ctx); err != nil {
		return nil, err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, contract.TeamKey.ValueSet(in.Team.Name)); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *handover) run(ctx workflow.Context) (HandoverResult, error) {
	outgoing, onCall, next, err := h.whoIsOnCall(ctx)
	if err != nil {
		return h.res, err
	}
	h.onCall = onCall
	if len(onCall) == 0 {
		h.res.Status = HandoverNobodyOnCall
		return h.res, h.warn(ctx, "nobody", h.view().NobodyOnCall(h.res.ShiftStart))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, contract.OnCallKey.ValueSet(strings.Join(h.res.OnCall, ","))); err != nil {
		return h.res, err
	}

	groupMembers := slices.Clone(onCall)
	var waited workflow.Future
	if acceptanceVersion(ctx) {
		if h.acc.tested = h.testedPeople(onCall); len(h.acc.tested) > 0 {
			if err := h.acceptedBefore(ctx); err != nil {
				return h.res, err
			}
		}
		if len(h.acc.tested) > 0 && !h.accepted() {
			waited = h.startAcceptance(ctx, outgoing)
			// Until the incoming person accepts, the outgoing one stays
			// reachable through the group.
			for _, o := range outgoing {
				if !slices.Contains(team.IDs(groupMembers), o.ID) {
					groupMembers = append(groupMembers, o)
				}
			}
		}
	}
	groupMembers = append(groupMembers, h.permanentMembers()...)
	findInChat := slices.Concat(groupMembers, outgoing, next)
	if backup, ok := h.team.Person(h.team.Fallback); ok && waited != nil {
		findInChat = append(findInChat, backup)
	}
	if err := h.resolveChatUsers(ctx, findInChat); err != nil {
		return h.res, err
	}
	if err := h.updateGroup(ctx, groupMembers); err != nil {
		return h.res, err
	}
	h.acc.groupSet = true
	if err := h.setTopic(ctx, onCall); err != nil {
		return h.res, err
	}
	if err := h.postHandover(ctx, outgoing, onCall, next); err != nil {
		return h.res, err
	}
	if err := h.sendChecklist(ctx, onCall); err != nil {
		return h.res, err
	}
	if h.res.Status == "" {
		h.res.Status = HandoverDone
	}
	h.logger.Info("handover done", "status", h.res.Status)
	if waited != nil {
		if err := waited.Get(ctx, nil); err != nil {
			return h.res, err
		}
		h.logger.Info("handover acceptance", "acceptance", h.res.Acceptance)
	}
	return h.res, nil
}

func (h *handover) whoIsOnCall(ctx workflow.Context) (outgoing, onCall, next []team.Person, err error) {
	at := h.now
	if at.Before(h.res.ShiftStart) {
		at = h.res.ShiftStart
	}
	var r activities.WhoIsOnCallResult
	err = workflow.ExecuteActivity(withActivity(ctx, "Ask the pager who is on call: before, now and next"),
		a.WhoIsOnCall, activities.WhoIsOnCallInput{
			Team: h.team,
			// The outgoing person held the pager just before the handover.
			At: []time.Time{h.res.ShiftStart.Add(-time.Minute), at, h.res.ShiftEnd},
		}).Get(ctx, &r)
	if err != nil {
		return nil, nil, nil, err
	}
	outgoing, onCall, next = r.OnCall[0], r.OnCall[1], r.OnCall[2]
	h.res.Outgoing, h.res.OnCall, h.res.Next = team.IDs(outgoing), team.IDs(onCall), team.IDs(next)
	return outgoing, onCall, next, nil
}

func (h *handover) permanentMembers() []team.Person {
	var out []team.Person
	for _, id := range h.team.PermanentMembers {
		if p, ok := h.team.Person(id); ok {
			out = append(out, p)
		}
	}
	return out
}

func (h *handover) resolveChatUsers(ctx workflow.Context, people []team.Person) error {
	var r activities.ResolveChatUsersResult
	err := workflow.ExecuteActivity(withActivity(ctx, "Find the people in chat"),
		a.ResolveChatUsers, activities.ResolveChatUsersInput{People: people}).Get(ctx, &r)
	if err != nil {
		return err
	}
	h.chatIDs = r.UserIDs
	return nil
}

func (h *handover) updateGroup(ctx workflow.Context, members []team.Person) error {
	var users, unmapped []string
	for _, p := range members {
		if id, ok := h.chatIDs[p.ID]; ok {
			users = append(users, id)
		} else {
			unmapped = append(unmapped, rosterview.Describe(p))
		}
	}
	if len(unmapped) > 0 {
		h.res.Status = HandoverUnmapped
		return h.warn(ctx, "unmapped", h.view().Unmapped(unmapped))
	}
	var r activities.SetUserGroupResult
	err := workflow.ExecuteActivity(withActivity(ctx, "Point @"+h.view().GroupName()+" at "+strings.Join(h.res.OnCall, ", ")),
		a.SetUserGroup, activities.SetUserGroupInput{Group: h.team.Slack.UserGroup, Users: users}).Get(ctx, &r)
	h.res.GroupChanged = r.Changed
	return err
}

func (h *handover) setTopic(ctx workflow.Context, onCall []team.Person) error {
	topic := h.view().Topic(team.IDs(onCall), h.res.ShiftEnd)
	var r activities.SetTopicResult
	err := workflow.ExecuteActivity(withActivity(ctx, "Set the channel topic"),
		a.SetTopic, activities.SetTopicInput{Channel: h.team.Slack.Channel, Topic: topic}).Get(ctx, &r)
	h.res.TopicChanged = r.Changed
	return err
}

func (h *handover) postHandover(ctx workflow.Context, outgoing, onCall, next []team.Person) error {
	var open activities.OpenIncidentsResult
	err := workflow.ExecuteActivity(withActivity(ctx, "List open incidents"),
		a.OpenIncidents, activities.OpenIncidentsInput{Team: h.team.Name}).Get(ctx, &open)
	if err != nil {
		return err
	}
	h.res.OpenIncidents = len(open.Incidents)
	h.requests = h.openRequests(ctx)
	// The backlog is read while the summary is waited for.
	backlog := h.readBacklog(ctx)
	summaryLink := h.lastSummaryLink(ctx)

	post := rosterview.Handover{
		Start: h.res.ShiftStart, End: h.res.ShiftEnd,
		Outgoing: outgoing, OnCall: onCall, Next: next,
		SummaryLink: summaryLink,
		Backlog:     h.backlog(ctx, backlog),
		Requests:    h.requests,
	}
	for _, inc := range open.Incidents {
		post.Open = append(post.Open, rosterview.OpenIncident{ID: inc.WorkflowID, Summary: inc.Summary, Since: inc.Started})
	}
	if h.res.Acceptance == AcceptanceWaiting {
		post.Tested, post.AcceptBy = h.acc.tested, h.res.AcceptBy
	}
	var r activities.PostMessageResult
	err = workflow.ExecuteActivity(withActivity(ctx, "Post the handover message"),
		a.PostMessage, activities.PostMessageInput{
			Channel: h.team.Slack.Channel,
			Key:     h.key("handover"),
			Text:    h.view().Handover(post),
			Since:   h.since(),
		}).Get(ctx, &r)
	h.res.MessagePosted = err == nil && !r.AlreadyPosted
	return err
}

// openRequests lists the team's open support requests, which pass to the
// incoming person; nil for a run from before handovers listed them.
// Visibility that does not answer within a minute costs the post its line
// (with a warning), not the handover.
func (h *handover) openRequests(ctx workflow.Context) []rosterview.OpenRequest {
	if workflow.GetVersion(ctx, contract.HandoverSupportRequestsChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	var r activities.OpenSupportRequestsResult
	err := workflow.ExecuteActivity(withQuickActivity(ctx, "List open support requests", time.Minute), a.OpenSupportRequests,
		activities.OpenSupportRequestsInput{Team: h.team.Name}).Get(ctx, &r)
	if err != nil {
		h.logger.Warn("open support requests not listed", "error", err)
		h.res.Warnings = append(h.res.Warnings, "the open support requests could not be listed")
		return nil
	}
	out := make([]rosterview.OpenRequest, 0, len(r.Requests))
	for _, q := range r.Requests {
		o := rosterview.OpenRequest{ID: q.ID, Text: q.Text, Asker: q.Asker, Channel: q.Channel, Since: q.Opened, Link: q.Link}
		if q.Taken != nil {
			o.TakenBy = cmp.Or(q.Taken.ByChat, q.Taken.By)
		}
		out = append(out, o)
	}
	h.res.OpenRequests = len(out)
	return out
}

// lastSummaryLink is the link to the summary of the shift that ends at
// this handover. Both run on schedules at the same instant and the summary
// takes seconds, so the activity is retried until the summary is posted,
// for a few minutes at most; without a summary run there is no link.
func (h *handover) lastSummaryLink(ctx workflow.Context) string {
	if workflow.GetVersion(ctx, contract.HandoverSummaryLinkChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return ""
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 1.5, MaximumInterval: 30 * time.Second},
		Summary:                "Find the last shift's summary",
	})
	var r activities.SummaryLinkResult
	err := workflow.ExecuteActivity(ctx, a.SummaryLink, activities.SummaryLinkInput{
		WorkflowID: contract.SummaryWorkflowID(h.team.Name, h.res.ShiftStart), MemoKey: contract.SummaryLinkMemoKey,
	}).Get(ctx, &r)
	if err != nil {
		h.res.Warnings = append(h.res.Warnings, "the last shift's summary was not posted in time to link it")
		return ""
	}
	return r.Link
}

// readBacklog starts reading the team's on-call backlog from Jira, its
// top rosterview.BacklogListed issues, for the handover to list; nil when
// the team has no jira_backlog_jql, or the run began before handovers
// listed it. The read gets seconds, not the minutes of a vendor's outage:
// a slow or failing Jira leaves a line in the post saying why, and never
// holds the handover back.
func (h *handover) readBacklog(ctx workflow.Context) workflow.Future {
	if workflow.GetVersion(ctx, contract.HandoverBacklogChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	jql := h.team.BacklogJQL()
	if jql == "" {
		return nil
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    backlogTry,
		ScheduleToCloseTimeout: backlogWait,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 4 * time.Second},
		Summary:                "Read the on-call backlog from Jira",
	})
	return workflow.ExecuteActivity(ctx, a.Backlog, activities.BacklogInput{JQL: jql, Limit: rosterview.BacklogListed})
}

// How long one read of the backlog may take, and all of them with their
// retries: a hung Jira costs the handover 20 seconds at most.
const (
	backlogTry  = 10 * time.Second
	backlogWait = 20 * time.Second
)

// backlog is what the handover post says of the backlog that readBacklog
// reads: nil for none.
func (h *handover) backlog(ctx workflow.Context, read workflow.Future) *rosterview.Backlog {
	if read == nil {
		return nil
	}
	var r activities.BacklogResult
	if err := read.Get(ctx, &r); err != nil {
		reason := backlogFailure(err)
		h.logger.Warn("on-call backlog not read", "error", err)
		h.res.Warnings = append(h.res.Warnings, "the on-call backlog could not be read from Jira: "+reason)
		return &rosterview.Backlog{Error: reason}
	}
	if r.NoJira {
		return nil
	}
	b := &rosterview.Backlog{}
	for _, is := range r.Issues {
		b.Issues = append(b.Issues, rosterview.BacklogIssue{Key: is.Key, Summary: is.Summary, Priority: is.Priority, URL: is.URL})
	}
	return b
}

// backlogFailure is why the backlog could not be read, for people: Jira's
// answer, or that it did not answer in time.
func backlogFailure(err error) string {
	var app *temporal.ApplicationError
	var timeout *temporal.TimeoutError
	switch {
	case errors.As(err, &app):
		return app.Message()
	case errors.As(err, &timeout):
		return fmt.Sprintf("Jira did not answer within %s", backlogWait)
	}
	return err.Error()
}

func (h *handover) sendChecklist(ctx workflow.Context, onCall []team.Person) error {
	checklist := h.view().Checklist(h.res.ShiftEnd, h.team.Checklist, h.team.Runbooks) + h.view().RequestsLine(h.requests)
	for _, p := range onCall {
		user, ok := h.chatIDs[p.ID]
		if !ok {
			continue
		}
		text := checklist
		var buttons []chat.Button
		if h.res.Acceptance == AcceptanceWaiting && slices.Contains(team.IDs(h.acc.tested), p.ID) {
			text += h.view().AcceptLine(h.res.AcceptBy)
			buttons = h.acceptButton(ctx, p)
		}
		if h.team.Pager.Rotation != nil {
			// Asks the channel to cover the rest of this shift.
			buttons = append(buttons, chat.Button{
				ActionID: contract.CoverNeedAction, Text: "Need cover",
				Value: contract.NeedCoverValue(h.team.Name, h.res.ShiftStart, h.res.ShiftEnd),
				Command: fmt.Sprintf("starter cover ask --team %s --who %s --from NOW --to %s", h.team.Name, p.ID,
					h.res.ShiftEnd.In(h.loc).Format("2006-01-02T15:04")),
			})
		}
		var r activities.PostMessageResult
		err := workflow.ExecuteActivity(withActivity(ctx, "Send "+p.ID+" the checklist"),
			a.SendDM, activities.SendDMInput{
				User: user, Key: h.key("checklist/" + p.ID), Text: text,
				Since: h.since(), Buttons: buttons,
			}).Get(ctx, &r)
		if err != nil {
			return err
		}
		h.res.ChecklistSent = h.res.ChecklistSent || !r.AlreadyPosted
	}
	return nil
}

// warn posts a warning in the team channel, once per shift and kind, and
// records it in the result.
func (h *handover) warn(ctx workflow.Context, kind, text string) error {
	h.res.Warnings = append(h.res.Warnings, text)
	h.logger.Warn("handover incomplete", "kind", kind)
	return workflow.ExecuteActivity(withActivity(ctx, "Warn the channel: "+kind),
		a.PostMessage, activities.PostMessageInput{
			Channel: h.team.Slack.Channel,
			Key:     h.key("warning/" + kind),
			Text:    text,
			Since:   h.since(),
		}).Get(ctx, nil)
}

// since is how far back chat is searched for this shift's posts: from an
// hour before the shift, or before this run if the shift has not begun (a
// handover run ahead of time posts now, not at the shift's start).
func (h *handover) since() time.Time {
	start := h.res.ShiftStart
	if h.now.Before(start) {
		start = h.now
	}
	return start.Add(-time.Hour)
}

// key is the idempotency key of a post about this team's shift.
func (h *handover) key(what string) string {
	return fmt.Sprintf("handover/%s/%s/%s", h.team.Name, h.res.ShiftStart.UTC().Format(time.RFC3339), what)
}

// view renders the team's posts, naming its people by their chat users.
func (h *handover) view() rosterview.Team {
	return rosterview.Team{Name: h.team.Name, Loc: h.loc, Group: h.team.Slack.UserGroup, ChatIDs: h.chatIDs}
}

// when formats an instant in the team's zone, for warnings and the
// result, which are plain text.
func (h *handover) when(t time.Time) string {
	return h.view().When(t)
}
