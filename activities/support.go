package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/internal/visibility"
	"github.com/baton-oncall/baton/support"
)

// ReadMessageInput names a message of a channel by its timestamp.
type ReadMessageInput struct {
	Channel string
	TS      string
}

// ReadMessageResult is the message, when chat has it: who wrote it, what
// it says (plain text, cut to support.TextMost) and the thread it is in.
type ReadMessageResult struct {
	Found    bool
	User     string
	Bot      bool
	Text     string
	ThreadTS string
}

// ReadMessage reads a message back from chat, for a support request
// opened by a reaction, which names only the message. A message chat does
// not have (deleted since, or in a channel Baton cannot read) is not an
// error: the request goes on without its text.
func (a *Activities) ReadMessage(ctx context.Context, in ReadMessageInput) (ReadMessageResult, error) {
	m, err := a.Chat.Message(ctx, in.Channel, in.TS)
	if errors.Is(err, chat.ErrMessageNotFound) {
		return ReadMessageResult{}, nil
	}
	if err != nil {
		return ReadMessageResult{}, err
	}
	return ReadMessageResult{Found: true, User: m.User, Bot: m.Bot, Text: mrkdwn.CutPlain(m.Text, support.TextMost, "…"), ThreadTS: m.ThreadTS}, nil
}

// PermalinkInput names a post.
type PermalinkInput struct {
	Channel string
	TS      string
}

// PermalinkResult is a link to the post.
type PermalinkResult struct {
	Link string
}

// Permalink is a link to a post, for people who read about it elsewhere
// (a reminder, the handover).
func (a *Activities) Permalink(ctx context.Context, in PermalinkInput) (PermalinkResult, error) {
	link, err := a.Chat.Permalink(ctx, in.Channel, in.TS)
	return PermalinkResult{Link: link}, err
}

// OpenSupportRequestsInput asks for a team's open support requests.
type OpenSupportRequestsInput struct {
	Team string
}

// OpenSupportRequestsResult lists them, oldest first.
type OpenSupportRequestsResult struct {
	Requests []support.Request
}

// maxOpenRequests bounds the requests a handover lists.
const maxOpenRequests = 50

// OpenSupportRequests lists the team's running support requests from
// Temporal visibility, each as its own run's memo keeps it: visibility's
// copy of the memo lags the run's by seconds, and a request opened just
// before the handover was handed over without its text or link. A run
// that cannot be described is listed as visibility has it.
func (a *Activities) OpenSupportRequests(ctx context.Context, in OpenSupportRequestsInput) (OpenSupportRequestsResult, error) {
	query := fmt.Sprintf("WorkflowType = %q AND %s = %q AND ExecutionStatus = 'Running'", contract.SupportWorkflowName, contract.TeamKey.GetName(), in.Team)
	var res OpenSupportRequestsResult
	for e, err := range visibility.Runs(ctx, a.Temporal, query, maxOpenRequests) {
		if err != nil {
			return OpenSupportRequestsResult{}, fmt.Errorf("list open support requests of team %q: %w", in.Team, err)
		}
		run, memo := e.GetExecution(), e.GetMemo().GetFields()[contract.SupportMemoKey]
		if d, err := a.Temporal.DescribeWorkflowExecution(ctx, run.GetWorkflowId(), run.GetRunId()); err == nil {
			if own := d.GetWorkflowExecutionInfo().GetMemo().GetFields()[contract.SupportMemoKey]; own != nil {
				memo = own
			}
		}
		res.Requests = append(res.Requests, SupportRecord(run.GetWorkflowId(), e.GetStartTime().AsTime(), memo))
		if len(res.Requests) == maxOpenRequests {
			break
		}
	}
	slices.SortFunc(res.Requests, func(x, y support.Request) int { return x.Opened.Compare(y.Opened) })
	return res, nil
}

// SupportRecord is a support request as its memo keeps it (memo may be
// nil); one whose memo does not decode still has its ID and its start, so
// that it is listed and counted rather than dropped.
func SupportRecord(workflowID string, started time.Time, memo *commonpb.Payload) support.Request {
	var r support.Request
	if memo != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(memo, &r)
	}
	if r.ID == "" {
		r.ID = workflowID
	}
	if r.Opened.IsZero() {
		r.Opened = started
	}
	if r.State == "" {
		r.State = support.StateNew
	}
	return r
}
