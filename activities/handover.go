package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/metrics"
	"github.com/baton-oncall/baton/team"
)

// WhoIsOnCallInput asks who is on call at each of several instants.
type WhoIsOnCallInput struct {
	Team team.Team
	At   []time.Time
}

// WhoIsOnCallResult holds, for each instant asked, the people on call.
type WhoIsOnCallResult struct {
	OnCall [][]team.Person
	// Why says, for each instant, where its people came from, in words
	// (an override, the rotation's shift, the vendor's schedule): an
	// incident records it for explain. Empty from workers before it.
	Why []string
}

// WhoIsOnCall asks the team's pager, and the team's overrides.
func (a *Activities) WhoIsOnCall(ctx context.Context, in WhoIsOnCallInput) (WhoIsOnCallResult, error) {
	p, err := pager.Vendors{Opsgenie: a.Opsgenie, PagerDuty: a.PagerDuty}.ForTeam(in.Team)
	if err != nil {
		return WhoIsOnCallResult{}, err
	}
	res := WhoIsOnCallResult{OnCall: make([][]team.Person, len(in.At)), Why: make([]string, len(in.At))}
	overrides := a.overridesOf(ctx, in.Team)
	for i, at := range in.At {
		people, err := p.OnCall(ctx, in.Team, at)
		if err != nil {
			return WhoIsOnCallResult{}, err
		}
		res.OnCall[i], res.Why[i] = withOverrides(in.Team, overrides, at, people), onCallWhy(in.Team, overrides, at)
	}
	return res, nil
}

// ResolveChatUsersInput lists people to find in chat.
type ResolveChatUsersInput struct {
	People []team.Person
}

// ResolveChatUsersResult maps person IDs to chat user IDs; Unmapped lists the
// person IDs nobody in chat matched.
type ResolveChatUsersResult struct {
	UserIDs  map[string]string
	Unmapped []string
}

// ResolveChatUsers finds each person's chat user: the explicit ID from the
// team file, else a lookup by email.
func (a *Activities) ResolveChatUsers(ctx context.Context, in ResolveChatUsersInput) (ResolveChatUsersResult, error) {
	res := ResolveChatUsersResult{UserIDs: map[string]string{}}
	seen := map[string]bool{}
	for _, p := range in.People {
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		if p.SlackID != "" {
			res.UserIDs[p.ID] = p.SlackID
			continue
		}
		if p.Email == "" {
			res.Unmapped = append(res.Unmapped, p.ID)
			continue
		}
		id, err := a.Chat.LookupUserByEmail(ctx, p.Email)
		if errors.Is(err, chat.ErrUserNotFound) {
			res.Unmapped = append(res.Unmapped, p.ID)
			continue
		}
		if err != nil {
			return ResolveChatUsersResult{}, err
		}
		res.UserIDs[p.ID] = id
	}
	return res, nil
}

// SetUserGroupInput overwrites a user group's members.
type SetUserGroupInput struct {
	Group string
	Users []string
}

// SetUserGroupResult says whether the group changed, and who was in it.
type SetUserGroupResult struct {
	Changed  bool
	Previous []string
}

// SetUserGroup makes the group hold exactly Users. It never empties a group,
// and writes only when the members differ.
func (a *Activities) SetUserGroup(ctx context.Context, in SetUserGroupInput) (SetUserGroupResult, error) {
	if len(in.Users) == 0 {
		return SetUserGroupResult{}, temporal.NewNonRetryableApplicationError(
			"refusing to empty user group "+in.Group, "EmptyUserGroup", nil)
	}
	current, err := a.Chat.UserGroupMembers(ctx, in.Group)
	if err != nil {
		return SetUserGroupResult{}, err
	}
	if sameMembers(current, in.Users) {
		return SetUserGroupResult{Previous: current}, nil
	}
	if err := a.Chat.SetUserGroupMembers(ctx, in.Group, in.Users); err != nil {
		return SetUserGroupResult{}, err
	}
	activity.GetLogger(ctx).Info("user group updated", "group", in.Group, "members", len(in.Users))
	return SetUserGroupResult{Changed: true, Previous: current}, nil
}

func sameMembers(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// SetTopicInput sets a channel's topic.
type SetTopicInput struct {
	Channel string
	Topic   string
}

// SetTopicResult says whether the topic changed.
type SetTopicResult struct {
	Changed bool
}

// SetTopic sets the topic unless it already reads so.
func (a *Activities) SetTopic(ctx context.Context, in SetTopicInput) (SetTopicResult, error) {
	current, err := a.Chat.Topic(ctx, in.Channel)
	if err != nil {
		return SetTopicResult{}, err
	}
	if current == in.Topic {
		return SetTopicResult{}, nil
	}
	if err := a.Chat.SetTopic(ctx, in.Channel, in.Topic); err != nil {
		return SetTopicResult{}, err
	}
	return SetTopicResult{Changed: true}, nil
}

// PostMessageInput posts once per Key: a channel that already holds a post
// with the key, made since Since, gets no second one.
type PostMessageInput struct {
	Channel string
	Key     string
	Text    string
	// Plain is Text without chat markup, for the console; empty: derived.
	Plain string
	Since time.Time
	// ThreadTS makes the post a reply in a thread.
	ThreadTS string
	Buttons  []chat.Button
	// Notification is the metrics' kind of this post: "page" for an
	// incident's page, whose latency from ReceivedAt (the alert's arrival)
	// is recorded too; empty for other posts.
	Notification string
	ReceivedAt   time.Time
}

// PostMessageResult gives the post's timestamp, and whether it was there
// already.
type PostMessageResult struct {
	// Channel is where the post is: the DM channel's ID for a direct message.
	Channel       string
	TS            string
	AlreadyPosted bool
}

// PostMessage posts a message unless its key was posted already.
func (a *Activities) PostMessage(ctx context.Context, in PostMessageInput) (PostMessageResult, error) {
	res, err := a.postMessage(ctx, in)
	if in.Notification != "" {
		a.Metrics.Notified(in.Notification, a.ChatProvider, outcome(err, res.AlreadyPosted))
		if err == nil && !res.AlreadyPosted && !in.ReceivedAt.IsZero() {
			a.Metrics.PageLatency(time.Since(in.ReceivedAt))
		}
	}
	return res, err
}

func (a *Activities) postMessage(ctx context.Context, in PostMessageInput) (PostMessageResult, error) {
	if in.Key == "" {
		return PostMessageResult{}, temporal.NewNonRetryableApplicationError("PostMessage needs a key", "BadInput", nil)
	}
	ts, found, err := a.Chat.FindPost(ctx, in.Channel, in.ThreadTS, in.Key, in.Since)
	if err != nil {
		return PostMessageResult{}, err
	}
	if found {
		return PostMessageResult{Channel: in.Channel, TS: ts, AlreadyPosted: true}, nil
	}
	ts, err = a.Chat.Post(ctx, in.Channel, chat.Message{Key: in.Key, Text: in.Text, Plain: in.Plain, ThreadTS: in.ThreadTS, Buttons: in.Buttons})
	if err != nil {
		return PostMessageResult{}, err
	}
	return PostMessageResult{Channel: in.Channel, TS: ts}, nil
}

// outcome is a notification's outcome for the metrics.
func outcome(err error, already bool) string {
	switch {
	case err != nil:
		return metrics.Failed
	case already:
		return metrics.Deduplicated
	}
	return metrics.Sent
}

// SendDMInput is a direct message, posted once per Key.
type SendDMInput struct {
	User    string
	Key     string
	Text    string
	Plain   string
	Since   time.Time
	Buttons []chat.Button
}

// SendDM sends a direct message unless its key was sent already.
func (a *Activities) SendDM(ctx context.Context, in SendDMInput) (PostMessageResult, error) {
	channel, err := a.Chat.OpenDM(ctx, in.User)
	if err != nil {
		a.Metrics.Notified("dm", a.ChatProvider, metrics.Failed)
		return PostMessageResult{}, err
	}
	return a.PostMessage(ctx, PostMessageInput{Channel: channel, Key: in.Key, Text: in.Text, Plain: in.Plain, Since: in.Since, Buttons: in.Buttons, Notification: "dm"})
}

// OpenIncidentsInput asks for a team's running incidents.
type OpenIncidentsInput struct {
	Team string
}

// OpenIncident is one running incident, as visibility shows it.
type OpenIncident struct {
	WorkflowID string
	Summary    string
	Started    time.Time
}

// OpenIncidentsResult lists running incidents, oldest first.
type OpenIncidentsResult struct {
	Incidents []OpenIncident
}

// maxOpenIncidents bounds the list in a handover message.
const maxOpenIncidents = 50

// OpenIncidents lists the team's running incident workflows from Temporal
// visibility, drills left out: a drill does not pass to the incoming
// person.
func (a *Activities) OpenIncidents(ctx context.Context, in OpenIncidentsInput) (OpenIncidentsResult, error) {
	query := fmt.Sprintf("WorkflowType = %q AND %s = %q AND ExecutionStatus = 'Running'", contract.IncidentWorkflowName, contract.TeamKey.GetName(), in.Team)
	resp, err := a.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: maxOpenIncidents})
	if err != nil {
		return OpenIncidentsResult{}, fmt.Errorf("list open incidents of team %q: %w", in.Team, err)
	}
	var res OpenIncidentsResult
	for _, e := range resp.GetExecutions() {
		if id, err := contract.ParseIncidentID(e.GetExecution().GetWorkflowId()); err == nil && id.Drill() {
			continue
		}
		inc := OpenIncident{WorkflowID: e.GetExecution().GetWorkflowId(), Started: e.GetStartTime().AsTime()}
		if p, ok := e.GetMemo().GetFields()[contract.IncidentSummaryMemoKey]; ok {
			// A memo that is not a string only costs the list its summary
			// line; the incident is still listed by its ID.
			_ = converter.GetDefaultDataConverter().FromPayload(p, &inc.Summary)
		}
		res.Incidents = append(res.Incidents, inc)
	}
	slices.SortFunc(res.Incidents, func(x, y OpenIncident) int { return x.Started.Compare(y.Started) })
	return res, nil
}

// HandoverAcceptedInput asks for the acceptance recorded by earlier,
// completed runs of one handover workflow ID.
type HandoverAcceptedInput struct {
	WorkflowID string
	MemoKey    string
}

// HandoverAcceptedResult is the newest earlier run's acceptance memo, as
// JSON; empty when no earlier run completed.
type HandoverAcceptedResult struct {
	Memo json.RawMessage
}

// HandoverAccepted reads the acceptance an earlier run of the same
// handover recorded, from visibility, so that a rerun of a shift does not
// test the phone again.
func (a *Activities) HandoverAccepted(ctx context.Context, in HandoverAcceptedInput) (HandoverAcceptedResult, error) {
	resp, err := a.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query:    fmt.Sprintf("WorkflowId = %q AND ExecutionStatus = 'Completed'", in.WorkflowID),
		PageSize: 10,
	})
	if err != nil {
		return HandoverAcceptedResult{}, fmt.Errorf("list earlier runs of %s: %w", in.WorkflowID, err)
	}
	var newest time.Time
	var out HandoverAcceptedResult
	for _, e := range resp.GetExecutions() {
		p, ok := e.GetMemo().GetFields()[in.MemoKey]
		if !ok || !e.GetStartTime().AsTime().After(newest) {
			continue
		}
		var raw json.RawMessage
		if err := converter.GetDefaultDataConverter().FromPayload(p, &raw); err == nil {
			out.Memo, newest = raw, e.GetStartTime().AsTime()
		}
	}
	return out, nil
}

// WorkerTeams returns the team file this worker runs with.
func (a *Activities) WorkerTeams(ctx context.Context) (team.File, error) {
	if a.Teams == nil {
		return team.File{}, temporal.NewNonRetryableApplicationError("this worker has no team file", "NoTeams", nil)
	}
	return *a.Teams, nil
}
