package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/incidentview"
	"github.com/baton-oncall/baton/metrics"
	"github.com/baton-oncall/baton/phoneline"
)

// UpdateMessageInput replaces a post's text and buttons.
type UpdateMessageInput struct {
	Channel string
	TS      string
	Text    string
	Plain   string
	Buttons []chat.Button
}

// UpdateMessageResult is empty: an update either happens or fails.
type UpdateMessageResult struct{}

// UpdateMessage updates a post in place. Writing the same content twice is
// harmless, so it needs no look before the write.
func (a *Activities) UpdateMessage(ctx context.Context, in UpdateMessageInput) (UpdateMessageResult, error) {
	return UpdateMessageResult{}, a.Chat.Update(ctx, in.Channel, in.TS, chat.Message{Text: in.Text, Plain: in.Plain, Buttons: in.Buttons})
}

// SendSMSInput is one SMS, sent once per Key.
type SendSMSInput struct {
	// To is an E.164 number; it is never logged.
	To    string
	Body  string
	Key   string
	Since time.Time
	// Incident is the asking incident's ID, and Headline how another
	// incident's SMS names it when it carries this one in a storm.
	Incident string
	Headline string
	// Handover is set instead for a handover's test page: the handover's
	// workflow ID, which a reply accepts.
	Handover string
}

// PhoneResult names the message or call.
type PhoneResult struct {
	SID string
	// With is set when another incident's SMS carried this one, or its
	// call covered this one: that incident's ID.
	With string
	// Carried are the incidents whose held pages this SMS carried (a
	// storm's bundle), for explain.
	Carried []string
}

// SendSMS sends an SMS unless one with the same key went out since Since.
// In a storm, an SMS from another incident within a minute of the last is
// held and goes with the next (the phone's line, phonelines.go). The text is bounded to what
// Twilio takes (smsText).
func (a *Activities) SendSMS(ctx context.Context, in SendSMSInput) (PhoneResult, error) {
	if a.Phone == nil || a.Lines == nil {
		return PhoneResult{}, temporal.NewNonRetryableApplicationError("no phone provider, or no phone lines, configured", "PhoneNotConfigured", nil)
	}
	defer alive(ctx)()
	a.recordLateness(ctx, in.Incident, in.Since)
	info := activity.GetInfo(ctx)
	turn, err := a.Lines.SMS(ctx, in.To, phoneline.SMSRequest{
		Key: in.Key, Incident: in.Incident, Headline: in.Headline,
		Asker: phoneline.Asker{Run: info.WorkflowExecution.RunID, Activity: info.ActivityID},
	})
	switch {
	case err != nil:
		return PhoneResult{}, err
	case turn.CarriedBy != nil:
		a.Metrics.Notified("sms", a.PhoneProvider, metrics.Deduplicated)
		return PhoneResult{SID: turn.CarriedBy.SID, With: turn.CarriedBy.Incident}, nil
	case !turn.Send:
		return PhoneResult{}, errHeld(turn.Wait)
	}
	over := a.overSteps(ctx, turn.Carry)
	sent := phoneline.SMSSent{Key: in.Key, Incident: in.Incident}
	var carry []phoneline.Held
	for _, h := range turn.Carry {
		if over[h.Key] {
			sent.Dropped = append(sent.Dropped, h.Key)
		} else {
			carry = append(carry, h)
			sent.Carried = append(sent.Carried, h.Key)
		}
	}
	body := smsText(in.Body, carry, a.howToAnswer(in.Incident, in.Handover, 1+len(carry)))
	sid, err := a.Phone.SMS(ctx, in.To, body, in.Key, lookBackFrom(ctx, in.Since))
	a.Metrics.Notified("sms", a.PhoneProvider, outcome(err, false))
	sent.SID, sent.Failed = sid, err != nil
	// The line must hear how it went, or what this SMS carried would be
	// sent again on its own: when it cannot, the activity is tried again,
	// and the retry finds its SMS sent (by its key) and tells the line.
	if lerr := a.tellLine(ctx, in.To, sent); lerr != nil && err == nil {
		return PhoneResult{}, lerr
	}
	res := PhoneResult{SID: sid}
	for _, h := range carry {
		res.Carried = append(res.Carried, h.Incident)
	}
	return res, err
}

// lineTellWithin bounds telling the line how an SMS went, once the
// activity itself may have been cancelled.
const lineTellWithin = 10 * time.Second

// tellLine tells the line of number how an SMS that had its turn went,
// even when the step was cancelled meanwhile (its page acknowledged): a
// line never told would hold the person's next SMS, another incident's,
// until it gave this one up.
func (a *Activities) tellLine(ctx context.Context, number string, sent phoneline.SMSSent) error {
	tell, cancel := context.WithTimeout(context.WithoutCancel(ctx), lineTellWithin)
	defer cancel()
	return a.Lines.Sent(tell, number, sent)
}

// howToAnswer ends an SMS: by reply when Twilio's webhook reaches the
// gateway (BATON_PUBLIC_URL), else in Slack or with the starter. A bundle
// of several incidents' pages is answered as one. An SMS that names no
// incident nor handover (from incidents started before the phone could be
// answered, or a note to the fallback) carries its own instructions.
func (a *Activities) howToAnswer(incident, handover string, pages int) string {
	switch {
	case handover != "" && a.PublicURL != "":
		return fmt.Sprintf(" Reply 1 to accept (%s).", incidentview.ShortCode(handover))
	case handover != "":
		return " Accept with the button in Slack."
	case incident == "":
		return ""
	case a.PublicURL != "" && pages > 1:
		return fmt.Sprintf(" Reply 1 to acknowledge all %d, 2 to escalate all %[1]d (%s).", pages, incidentview.ShortCode(incident))
	case a.PublicURL != "":
		return fmt.Sprintf(" Reply 1 to acknowledge, 2 to escalate (%s).", incidentview.ShortCode(incident))
	}
	return " Acknowledge in Slack or: starter incident ack " + incident
}

// PlaceCallInput is one voice call that reads Say aloud, placed once per Key.
type PlaceCallInput struct {
	To    string
	Say   string
	Key   string
	Since time.Time
	// Incident is the asking incident's ID, Person the team person called.
	Incident string
	Person   string
	// Run and Round name the page a key press answers: the incident's
	// first run ID and its page round. The call's action URL carries both,
	// so that a press replayed later acts neither on a later incident of
	// the same key nor on a later page of this one. Without Run the call
	// offers no keys.
	Run   string
	Round int
	// Handover is set instead for a handover's test call: its workflow ID,
	// which a key press accepts.
	Handover string
}

// PlaceCall places a call unless one with the same key was placed since
// Since. In a storm, a call within two minutes of another incident's call
// to the same person is covered by it and not placed.
func (a *Activities) PlaceCall(ctx context.Context, in PlaceCallInput) (PhoneResult, error) {
	if a.Phone == nil || a.Lines == nil {
		return PhoneResult{}, temporal.NewNonRetryableApplicationError("no phone provider, or no phone lines, configured", "PhoneNotConfigured", nil)
	}
	defer alive(ctx)()
	a.recordLateness(ctx, in.Incident, in.Since)
	turn, err := a.Lines.Call(ctx, in.To, phoneline.CallRequest{Incident: in.Incident})
	if err != nil {
		return PhoneResult{}, err
	}
	if turn.CoveredBy != "" {
		a.Metrics.Notified("call", a.PhoneProvider, metrics.Deduplicated)
		return PhoneResult{With: turn.CoveredBy}, nil
	}
	// A call that names no incident (from incidents started before the
	// phone could be answered) carries its own instructions.
	say, answer := in.Say, ""
	switch {
	case in.Handover != "" && a.PublicURL != "" && in.Person != "":
		say = in.Say + " Press 1 to accept the handover."
		answer = contract.VoiceKeysURL(a.PublicURL, contract.VoiceKeys{Handover: in.Handover, Person: in.Person})
	case in.Handover != "":
		say += " Please accept it in Slack."
	case in.Incident == "":
	case a.PublicURL != "" && in.Person != "" && in.Run != "":
		say = in.Say + " Press 1 to acknowledge, 2 to escalate to the next person."
		answer = contract.VoiceKeysURL(a.PublicURL, contract.VoiceKeys{Incident: in.Incident, Run: in.Run, Round: in.Round, Person: in.Person})
	default:
		say += " Please acknowledge it in Slack."
	}
	sid, err := a.Phone.Call(ctx, in.To, say, answer, in.Key, lookBackFrom(ctx, in.Since))
	a.Metrics.Notified("call", a.PhoneProvider, outcome(err, false))
	return PhoneResult{SID: sid}, err
}

// alive heartbeats the activity until the returned stop is called, when
// its worker is set to have phone steps heartbeat (BATON_PHONE_HEARTBEAT):
// a phone step whose worker dies is then tried again elsewhere within its
// heartbeat timeout (the SDK sends at most one heartbeat in 80% of it).
func alive(ctx context.Context) (stop func()) {
	if activity.GetInfo(ctx).HeartbeatTimeout == 0 {
		return func() {}
	}
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			activity.RecordHeartbeat(ctx)
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	// No heartbeat may follow the activity's end.
	return func() { close(done); <-exited }
}

// recordLateness times an incident's escalation step against its planned
// instant, as its first try starts: a retry's delay is the vendor's, and
// a first try that the line holds or that fails later is still a step
// that started (a CI run under load counted one step of two, its first
// try having failed at the line before it was timed).
func (a *Activities) recordLateness(ctx context.Context, incident string, planned time.Time) {
	if incident != "" && !planned.IsZero() && activity.GetInfo(ctx).Attempt == 1 {
		a.Metrics.EscalationLateness(time.Since(planned))
	}
}

// phoneClockSkew allows for Twilio's clock running behind the worker's.
const phoneClockSkew = 2 * time.Second

// lookBackFrom is where a phone look-before-write starts. The first try of
// the activity cannot have sent anything, so it looks nowhere (a zero
// time) and sends at once. A retry looks back to the step's own planned
// instant or, when later, to a moment before the workflow first scheduled
// this activity: nothing it sent can be older, so a call another step or
// incident placed to the same person before it is not taken for this one.
// (A call's list entry carries no key of ours.)
func lookBackFrom(ctx context.Context, planned time.Time) time.Time {
	info := activity.GetInfo(ctx)
	if info.Attempt <= 1 {
		return time.Time{}
	}
	if s := info.ScheduledTime.Add(-phoneClockSkew); s.After(planned) {
		return s
	}
	return planned
}

// PreviousIncidentInput asks for the last closed run of an incident ID.
type PreviousIncidentInput struct {
	WorkflowID string
	// RunID is the asking run, which is not its own predecessor.
	RunID string
}

// PreviousIncidentResult is the last closed run, if any.
type PreviousIncidentResult struct {
	Found    bool
	RunID    string
	ClosedAt time.Time
}

// PreviousIncident finds the most recent closed run of the same workflow
// ID in visibility: the same alert key that fired, closed, and fired again.
func (a *Activities) PreviousIncident(ctx context.Context, in PreviousIncidentInput) (PreviousIncidentResult, error) {
	query := fmt.Sprintf("WorkflowId = %q AND ExecutionStatus != 'Running'", in.WorkflowID)
	resp, err := a.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: 20})
	if err != nil {
		return PreviousIncidentResult{}, fmt.Errorf("look up earlier runs of %s: %w", in.WorkflowID, err)
	}
	var res PreviousIncidentResult
	for _, e := range resp.GetExecutions() {
		closed := e.GetCloseTime().AsTime()
		if e.GetExecution().GetRunId() == in.RunID || !closed.After(res.ClosedAt) {
			continue
		}
		res = PreviousIncidentResult{Found: true, RunID: e.GetExecution().GetRunId(), ClosedAt: closed}
	}
	return res, nil
}

// OpenOpsgenieAlert creates the Opsgenie alert of a page, so that the
// Opsgenie app rings too; an open alert with the alias is left alone.
func (a *Activities) OpenOpsgenieAlert(ctx context.Context, in pager.AlertRequest) error {
	if a.Alerts == nil {
		return errNoOpsgenie
	}
	return a.Alerts.OpenAlert(ctx, in)
}

// CloseOpsgenieAlertInput names the alert Baton opened for a page.
type CloseOpsgenieAlertInput struct {
	Alias string
	Note  string
}

// CloseOpsgenieAlert closes the alert of a page that Baton resolved; an
// alert already closed, or gone, is fine.
func (a *Activities) CloseOpsgenieAlert(ctx context.Context, in CloseOpsgenieAlertInput) error {
	if a.Alerts == nil {
		return errNoOpsgenie
	}
	return a.Alerts.CloseAlert(ctx, in.Alias, in.Note)
}

var errNoOpsgenie = temporal.NewNonRetryableApplicationError(
	"the team pages through an Opsgenie schedule, but OPSGENIE_API_KEY is not set", "OpsgenieNotConfigured", nil)

// LastKnownOnCallInput names the handovers to read: the team's, by its
// search attributes (the workflows package owns their names).
type LastKnownOnCallInput struct {
	Team            string
	WorkflowType    string
	TeamAttribute   string
	OnCallAttribute string
}

// LastKnownOnCallResult is who the latest handover that named someone put
// on call, and when that handover ran; Found is false when none did.
type LastKnownOnCallResult struct {
	Found  bool
	People []string
	At     time.Time
}

// recentHandovers is how many of a team's latest handovers are read for the
// last one that named someone: a handover that found nobody names no one.
const recentHandovers = 20

// LastKnownOnCall reads, from Temporal visibility, who the team's latest
// handover put on call. It is what an incident pages when the pager cannot
// be asked: the handover recorded the person on call in a search attribute,
// and Temporal keeps it whatever the pager's API is doing.
func (a *Activities) LastKnownOnCall(ctx context.Context, in LastKnownOnCallInput) (LastKnownOnCallResult, error) {
	query := fmt.Sprintf("WorkflowType = %q AND %s = %q", in.WorkflowType, in.TeamAttribute, in.Team)
	resp, err := a.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: recentHandovers})
	if err != nil {
		return LastKnownOnCallResult{}, fmt.Errorf("list the handovers of team %q: %w", in.Team, err)
	}
	var res LastKnownOnCallResult
	for _, e := range resp.GetExecutions() {
		started := e.GetStartTime().AsTime()
		p, ok := e.GetSearchAttributes().GetIndexedFields()[in.OnCallAttribute]
		if !ok || (res.Found && !started.After(res.At)) {
			continue
		}
		var joined string
		if converter.GetDefaultDataConverter().FromPayload(p, &joined) != nil || joined == "" {
			continue
		}
		res = LastKnownOnCallResult{Found: true, People: strings.Split(joined, ","), At: started}
	}
	return res, nil
}
