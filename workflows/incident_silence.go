package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/silence"
)

// An incident under a silence (package silence, workflows/silences.go):
// an alert that a silence of its team matches opens its incident and shows
// in the channel, marked, but pages nobody and rings no phone. A silence
// set while an incident waits unacknowledged pauses its escalation. When
// the silence ends (its time, or removed) and the alert still fires, the
// page goes out, or the escalation resumes where it paused.

// silencesWithin bounds the ask: silences that cannot be read in time
// page, since a pager that stays quiet because it could not look is worse
// than a page during planned work. The read is a query the team's
// Silences workflow answers in milliseconds; the bound matters only when
// Temporal or the worker is starved, and is the pager's own: 5 s was seen
// to run out on a loaded machine (the activity and the query each wait
// for a worker), which rang a phone for a silenced alert.
const silencesWithin = pagerWithin

// SilenceHold is the silence that holds the incident back.
type SilenceHold struct {
	ID    string    `json:"id"`
	Until time.Time `json:"until"`
	Note  string    `json:"note,omitempty"`
	// Paused is when it paused a paged incident's escalation; zero when it
	// held the page from the start.
	Paused time.Time `json:"paused,omitzero"`
	// Over is set once the incident took its end.
	Over bool `json:"over,omitempty"`
}

// holds reports whether the hold still holds the incident's pages back.
func (h *SilenceHold) holds() bool { return h != nil && !h.Over }

func (inc *incident) silenceAlert() silence.Alert {
	return silence.Alert{Service: inc.Alert.Service, AlertName: inc.Alert.AlertName, Severity: string(inc.Alert.Severity), Labels: inc.Alert.Details}
}

// silencedAtStart asks the team's silences whether one holds the alert,
// and takes its hold when one does.
func (inc *incident) silencedAtStart(ctx workflow.Context) bool {
	var r activities.TeamSilencesResult
	err := workflow.ExecuteActivity(withQuickActivity(ctx, "Is the alert silenced?", silencesWithin),
		a.TeamSilences, activities.TeamSilencesInput{Team: inc.team.Name}).Get(ctx, &r)
	now := workflow.Now(ctx)
	if err != nil {
		inc.note(now, "Could not read the team's silences ("+workflowerr.Message(err)+"): paged as if none held")
		return false
	}
	s, ok := silence.Holding(r.Silences, inc.silenceAlert(), now)
	if !ok {
		return false
	}
	inc.hold(now, s, time.Time{}, "paging nobody and ringing no phone")
	return true
}

// hold takes a silence's hold; paused is when it paused a paged
// escalation, zero when it holds the page from the start; what says what
// it does, for the timeline.
func (inc *incident) hold(now time.Time, s silence.Silence, paused time.Time, what string) {
	inc.Silence = &SilenceHold{ID: s.ID, Until: s.End(), Note: s.Note, Paused: paused}
	inc.Summary.Silenced, inc.Summary.SilenceNote = s.ID, s.Note
	inc.note(now, fmt.Sprintf("Silenced by %s until %s%s: %s", s.ID, inc.when(s.End()), noteSuffix(s.Note), what))
	inc.touch(touchMemo | touchPageNow)
}

func noteSuffix(note string) string {
	if note == "" {
		return ""
	}
	return " (" + mrkdwn.Line(mrkdwn.OneLine(note)) + ")"
}

// takeSilences takes the silences the team's Silences workflow tells of,
// for as long as the run lasts.
func (inc *incident) takeSilences(ctx workflow.Context) {
	told := workflow.GetSignalChannel(ctx, contract.IncidentSilenceSignal)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var s silence.Silence
			if !told.Receive(ctx, &s) {
				return
			}
			inc.takeSilence(workflow.Now(ctx), s)
			inc.touch(touchLoop)
		}
	})
}

// takeSilence takes one silence set or removed: its hold, when it holds
// the incident, is moved to its new end; a new silence that matches an
// alert still unacknowledged holds its pages back from now.
func (inc *incident) takeSilence(now time.Time, s silence.Silence) {
	if h := inc.Silence; h.holds() && h.ID == s.ID {
		h.Until = s.End()
		return
	}
	if inc.Silence.holds() || s.Team != inc.team.Name || !s.ActiveAt(now) || !s.Matches(inc.silenceAlert()) ||
		!inc.team.Pages(string(inc.Alert.Severity)) {
		return
	}
	switch {
	case inc.State == StateTriggered && inc.Summary.Paged:
		inc.stopRinging()
		inc.hold(now, s, now, "its escalation paused")
	case inc.State == StateResolved:
		inc.hold(now, s, now, "should it fire again meanwhile, it pages nobody")
	}
}

// silenceSteps: a held incident waits for its silence to end.
func (inc *incident) silenceSteps(arm armStep) bool {
	h := inc.Silence
	if !h.holds() {
		return false
	}
	arm(h.Until, "Silence "+h.ID+" ends", inc.silenceEnds)
	return true
}

// silenceEnds: the silence is over. An alert still firing unacknowledged
// pages now, or its escalation resumes where it paused, its steps as far
// apart as they were.
func (inc *incident) silenceEnds(ctx workflow.Context) {
	now := workflow.Now(ctx)
	h := inc.Silence
	h.Over = true
	inc.touch(touchMemo | touchPageNow)
	if inc.State != StateTriggered {
		return
	}
	if h.Paused.IsZero() && !inc.Summary.Paged {
		inc.Summary.Paged = true
		if err := inc.planEscalation(); err != nil {
			inc.note(now, "Silence "+h.ID+" ended, but the escalation policy is broken: "+err.Error())
			return
		}
		inc.Escalation.Base = now
		inc.note(now, fmt.Sprintf("Silence %s ended and the alert still fires: paged %s (on call: %s)", h.ID, inc.view().GroupMention(), names(inc.Responders.OnCall)))
		inc.queuePageDMs()
		inc.openOpsgenieAlert()
		inc.recordPage(now)
		return
	}
	inc.Escalation.Base = inc.Escalation.Base.Add(now.Sub(h.Paused))
	inc.armEscalation()
	inc.note(now, fmt.Sprintf("Silence %s ended and the alert still fires: its escalation resumes", h.ID))
}

// holdOnReopen: an incident fired again while a silence holds it stays
// held; a hold whose silence ended meanwhile is over. It reports whether
// the reopened page is held back.
func (inc *incident) holdOnReopen(now time.Time) bool {
	h := inc.Silence
	if !h.holds() {
		return false
	}
	if !now.Before(h.Until) {
		h.Over = true
		return false
	}
	if inc.Summary.Paged {
		h.Paused = now
	}
	inc.note(now, fmt.Sprintf("Still silenced by %s until %s: paging nobody", h.ID, inc.when(h.Until)))
	return true
}
