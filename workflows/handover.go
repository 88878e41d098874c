package workflows

import (
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
	"github.com/baton-oncall/baton/internal/mrkdwn"
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
	GroupChanged  bool     `json:"group_changed"`
	TopicChanged  bool     `json:"topic_changed"`
	MessagePosted bool     `json:"message_posted"`
	ChecklistSent bool     `json:"checklist_sent"`
	OpenIncidents int      `json:"open_incidents"`
	Warnings      []string `json:"warnings"`
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
}

func setupHandover(ctx workflow.Context, in HandoverInput) (*handover, error) {
	if err := in.Team.Validate(); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "BadTeamConfig", nil)
	}
	loc, err := in.Team.Location()
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "BadTeamConfig", nil)
	}
	h := &handover{team: in.Team, loc: loc, now: workflow.Now(ctx)}
	start := in.ShiftStart
	if start.IsZero() {
		if start, err = in.Team.Handover.Previous(loc, h.now); err != nil {
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), "BadTeamConfig", nil)
		}
	}
	end, err := in.Team.Handover.Next(loc, start)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "BadTeamConfig", nil)
	}
	// A handover points the group at whoever holds the pager now, so one
	// for a shift that is over would hand a past week's pager to someone
	// who no longer holds it. It is refused, naming the current shift.
	if !h.now.Before(end) {
		current, err := in.Team.Handover.Previous(loc, h.now)
		if err != nil {
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), "BadTeamConfig", nil)
		}
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"team %q: the shift from %s ended at %s; hand over the current shift, which began %s, instead",
			in.Team.Name, formatWhen(start, loc), formatWhen(end, loc), formatWhen(current, loc)), "ShiftEnded", nil)
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
		return h.res, h.warn(ctx, "nobody", fmt.Sprintf(
			":warning: Handover for *%s*: the pager has nobody on call for the shift from %s, so @%s was left as it was. Check the schedule.",
			h.team.Name, h.when(h.res.ShiftStart), h.group()))
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
				if !slices.Contains(ids(groupMembers), o.ID) {
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
	h.res.Outgoing, h.res.OnCall, h.res.Next = ids(outgoing), ids(onCall), ids(next)
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
			unmapped = append(unmapped, describe(p))
		}
	}
	if len(unmapped) > 0 {
		h.res.Status = HandoverUnmapped
		return h.warn(ctx, "unmapped", fmt.Sprintf(
			":warning: Handover for *%s*: could not find %s in Slack, so @%s was left as it was. Add their slack_id to the team file, or fix their email.",
			h.team.Name, strings.Join(unmapped, ", "), h.group()))
	}
	var r activities.SetUserGroupResult
	err := workflow.ExecuteActivity(withActivity(ctx, "Point @"+h.group()+" at "+strings.Join(h.res.OnCall, ", ")),
		a.SetUserGroup, activities.SetUserGroupInput{Group: h.team.Slack.UserGroup, Users: users}).Get(ctx, &r)
	h.res.GroupChanged = r.Changed
	return err
}

func (h *handover) setTopic(ctx workflow.Context, onCall []team.Person) error {
	topic := fmt.Sprintf("On call: %s until %s", h.labels(onCall, "@"), h.when(h.res.ShiftEnd))
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
	summaryLink := h.lastSummaryLink(ctx)

	var b strings.Builder
	fmt.Fprintf(&b, "*On-call handover for %s*: %s to %s\n", h.team.Name, h.when(h.res.ShiftStart), h.when(h.res.ShiftEnd))
	switch {
	case len(outgoing) == 0:
		fmt.Fprintf(&b, "%s takes the pager.\n", h.mentions(onCall))
	case slices.Equal(ids(outgoing), ids(onCall)):
		fmt.Fprintf(&b, "%s stays on call for another shift.\n", h.mentions(onCall))
	default:
		fmt.Fprintf(&b, "%s hands the pager to %s. Thank you, %s!\n", h.mentions(outgoing), h.mentions(onCall), h.labels(outgoing, ""))
	}
	if len(next) > 0 {
		fmt.Fprintf(&b, "Next: %s from %s.\n", h.mentions(next), h.when(h.res.ShiftEnd))
	}
	if len(open.Incidents) == 0 {
		b.WriteString("Open incidents: none.")
	} else {
		fmt.Fprintf(&b, "Open incidents (%d):", len(open.Incidents))
		for i, inc := range open.Incidents {
			if i == handoverListed {
				fmt.Fprintf(&b, "\n• … and %d more: %s lists them all", len(open.Incidents)-i, mrkdwn.Code("starter incident list"))
				break
			}
			// An incident's summary is its alert's: text from outside.
			summary := mrkdwn.Line(mrkdwn.CutPlain(mrkdwn.OneLine(inc.Summary), handoverSummaryMax, "…"))
			if summary == "" {
				summary = mrkdwn.Code(inc.WorkflowID)
			}
			fmt.Fprintf(&b, "\n• %s (since %s, %s)", summary, h.when(inc.Started), mrkdwn.Code(inc.WorkflowID))
		}
	}
	if summaryLink != "" {
		fmt.Fprintf(&b, "\nThe last shift in numbers: %s", summaryLink)
	}
	if h.res.Acceptance == AcceptanceWaiting {
		fmt.Fprintf(&b, "\n%s: please accept the handover by %s (reply to the test page, or press Accept in your DM).", h.mentions(h.acc.tested), h.when(h.res.AcceptBy))
	}
	var r activities.PostMessageResult
	err = workflow.ExecuteActivity(withActivity(ctx, "Post the handover message"),
		a.PostMessage, activities.PostMessageInput{
			Channel: h.team.Slack.Channel,
			Key:     h.key("handover"),
			Text:    b.String(),
			Since:   h.since(),
		}).Get(ctx, &r)
	h.res.MessagePosted = err == nil && !r.AlreadyPosted
	return err
}

// The handover message lists the first handoverListed open incidents,
// each summary cut to handoverSummaryMax characters, so that a storm's
// open incidents keep it within a Slack message.
const (
	handoverListed     = 25
	handoverSummaryMax = 200
)

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

func (h *handover) sendChecklist(ctx workflow.Context, onCall []team.Person) error {
	var b strings.Builder
	fmt.Fprintf(&b, "You are on call for *%s* until %s.", h.team.Name, h.when(h.res.ShiftEnd))
	for _, item := range h.team.Checklist {
		fmt.Fprintf(&b, "\n☐ %s", item)
	}
	if len(h.team.Runbooks) > 0 {
		b.WriteString("\nRunbooks:")
		for _, l := range h.team.Runbooks {
			fmt.Fprintf(&b, "\n• <%s|%s>", l.URL, l.Title)
		}
	}
	for _, p := range onCall {
		user, ok := h.chatIDs[p.ID]
		if !ok {
			continue
		}
		text := b.String()
		var buttons []chat.Button
		if h.res.Acceptance == AcceptanceWaiting && slices.Contains(ids(h.acc.tested), p.ID) {
			text += fmt.Sprintf("\nPlease accept the handover by %s: reply to the test page, or press Accept.", h.when(h.res.AcceptBy))
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

func (h *handover) group() string {
	return strings.TrimPrefix(h.team.Slack.UserGroup, "@")
}

// when formats an instant in the team's zone: "Mon 30 Nov 09:00 CET".
func (h *handover) when(t time.Time) string {
	return formatWhen(t, h.loc)
}

func formatWhen(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 15:04 MST")
}

// mentions names people so that chat notifies them.
func (h *handover) mentions(people []team.Person) string {
	return mentionsOf(people, h.chatIDs)
}

// mentionsOf names people as chat mentions; people not found in chat are
// named in plain text.
func mentionsOf(people []team.Person, chatIDs map[string]string) string {
	var parts []string
	for _, p := range people {
		if id, ok := chatIDs[p.ID]; ok {
			parts = append(parts, mrkdwn.User(id))
		} else {
			parts = append(parts, mrkdwn.Line(p.Label()))
		}
	}
	return strings.Join(parts, ", ")
}

// labels names people in plain text (topics do not render mentions).
func (h *handover) labels(people []team.Person, prefix string) string {
	var parts []string
	for _, p := range people {
		parts = append(parts, prefix+p.ID)
	}
	return strings.Join(parts, ", ")
}

func describe(p team.Person) string {
	if p.Email != "" && p.Email != p.ID {
		return fmt.Sprintf("%s (%s)", p.ID, p.Email)
	}
	return p.ID
}

func ids(people []team.Person) []string {
	out := make([]string, len(people))
	for i, p := range people {
		out[i] = p.ID
	}
	return out
}
