package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/silence"
	"github.com/baton-oncall/baton/team"
)

// A team's silences (package silence): one long-lived workflow per team
// that has set one, reached by update-with-start from the starter and
// /baton silence. It keeps the silences in Temporal, so that every
// incident, worker and gateway reads the same ones; it says in the
// channel when each is set and when it ends; and it tells the team's open
// incidents of each one set or removed, since an unacknowledged incident
// that a new silence matches pauses its escalation. Incidents opened
// later ask it themselves before they page.

// SilencesInput is the team and, across continue-as-new, its silences.
type SilencesInput struct {
	Team     team.Team      `json:"team"`
	Silences []SilenceEntry `json:"silences,omitempty"`
	// Seq numbers the silences: IDs stay unique across runs.
	Seq int `json:"seq,omitempty"`
}

// SilenceEntry is a silence with what is owed of it: the channel told
// of its start and its end, the open incidents told of its start and of
// its removal.
type SilenceEntry struct {
	silence.Silence
	SetSaid bool `json:"set_said,omitempty"`
	SetTold bool `json:"set_told,omitempty"`
	EndSaid bool `json:"end_said,omitempty"`
	EndTold bool `json:"end_told,omitempty"`
}

// AddSilence asks for a silence from now, for For. Team, when set, is the
// team as the asker's team file has it now, which the workflow takes for
// where it posts.
type AddSilence struct {
	Team     *team.Team        `json:"team,omitempty"`
	Matchers []silence.Matcher `json:"matchers"`
	For      time.Duration     `json:"for"`
	Note     string            `json:"note,omitempty"`
	By       string            `json:"by,omitempty"`
	ByChat   string            `json:"by_chat,omitempty"`
}

// RemoveSilence ends a silence now.
type RemoveSilence struct {
	ID     string `json:"id"`
	By     string `json:"by,omitempty"`
	ByChat string `json:"by_chat,omitempty"`
}

const (
	// keepEndedSilences is how long an ended silence stays listed.
	keepEndedSilences = 7 * 24 * time.Hour
	// silencesRetry is how soon what failed to go out is tried again.
	silencesRetry = time.Minute
	// silencesRunLength is the history length past which the workflow
	// continues as new.
	silencesRunLength = 4000
)

type silences struct {
	team    team.Team
	loc     *time.Location
	entries []SilenceEntry
	seq     int
	changed bool
	logger  log.Logger
}

// Silences keeps a team's silences.
func Silences(ctx workflow.Context, in SilencesInput) error {
	loc, err := teamLocation(in.Team)
	if err != nil {
		return err
	}
	s := &silences{team: in.Team, loc: loc, entries: in.Silences, seq: in.Seq,
		logger: log.With(workflow.GetLogger(ctx), "team", in.Team.Name)}
	if err := workflow.UpsertTypedSearchAttributes(ctx, contract.TeamKey.ValueSet(in.Team.Name)); err != nil {
		return err
	}
	if err := s.register(ctx); err != nil {
		return err
	}
	for {
		now := workflow.Now(ctx)
		s.prune(now)
		wait := 24 * time.Hour
		if next, ok := s.nextEnd(now); ok {
			wait = next.Sub(now)
		}
		if !s.deliver(ctx) {
			wait = min(wait, silencesRetry)
		}
		s.changed = false
		if _, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout: max(wait, time.Millisecond), TimerOptions: workflow.TimerOptions{Summary: "Until a silence ends or changes"},
		}, func() bool { return s.changed }); err != nil {
			return err
		}
		if info := workflow.GetInfo(ctx); info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > silencesRunLength {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			return workflow.NewContinueAsNewError(ctx, contract.SilencesWorkflowName, SilencesInput{Team: s.team, Silences: s.entries, Seq: s.seq})
		}
	}
}

func (s *silences) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, contract.SilenceListQuery, func() ([]silence.Silence, error) {
		out := make([]silence.Silence, len(s.entries))
		for i, e := range s.entries {
			out[i] = e.Silence
		}
		return out, nil
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.SilenceAddUpdate,
		func(ctx workflow.Context, req AddSilence) (silence.Silence, error) {
			if req.Team != nil && req.Team.Name == s.team.Name {
				if loc, err := teamLocation(*req.Team); err == nil {
					s.team, s.loc = req.Team.Slim(), loc
				}
			}
			s.seq++
			sl := s.newSilence(workflow.Now(ctx), req)
			sl.ID = fmt.Sprintf("s%d", s.seq)
			s.entries = append(s.entries, SilenceEntry{Silence: sl})
			s.changed = true
			s.logger.Info("silence set", "silence", sl.ID, "until", sl.Until)
			return sl, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req AddSilence) error {
			return s.newSilence(workflow.Now(ctx), req).Check(workflow.Now(ctx))
		}}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, contract.SilenceRemoveUpdate,
		func(ctx workflow.Context, req RemoveSilence) (silence.Silence, error) {
			e := &s.entries[s.find(req.ID)]
			e.Ended, e.RemovedBy, e.RemovedByChat = workflow.Now(ctx), req.By, req.ByChat
			s.changed = true
			s.logger.Info("silence removed", "silence", e.ID)
			return e.Silence, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req RemoveSilence) error {
			i := s.find(req.ID)
			switch {
			case i < 0:
				return fmt.Errorf("team %s has no silence %q", s.team.Name, req.ID)
			case !workflow.Now(ctx).Before(s.entries[i].End()):
				return fmt.Errorf("silence %s of team %s has ended already", req.ID, s.team.Name)
			}
			return nil
		}})
}

func (s *silences) newSilence(now time.Time, req AddSilence) silence.Silence {
	return silence.Silence{
		Team: s.team.Name, Matchers: req.Matchers, From: now, Until: now.Add(req.For),
		Note: req.Note, By: req.By, ByChat: req.ByChat,
	}
}

func (s *silences) find(id string) int {
	return slices.IndexFunc(s.entries, func(e SilenceEntry) bool { return e.ID == id })
}

// prune drops silences that ended over a week ago and were said.
func (s *silences) prune(now time.Time) {
	s.entries = slices.DeleteFunc(s.entries, func(e SilenceEntry) bool {
		return e.EndSaid && now.Sub(e.End()) > keepEndedSilences
	})
}

// nextEnd is the next instant after now at which a silence ends.
func (s *silences) nextEnd(now time.Time) (time.Time, bool) {
	var next time.Time
	for _, e := range s.entries {
		if end := e.End(); end.After(now) && (next.IsZero() || end.Before(next)) {
			next = end
		}
	}
	return next, !next.IsZero()
}

// deliver says and tells what each silence owes, in order; it reports
// whether everything tried went out.
func (s *silences) deliver(ctx workflow.Context) bool {
	ok := true
	done := func(sent bool) bool { ok = ok && sent; return sent }
	for i := range s.entries {
		e := &s.entries[i]
		now := workflow.Now(ctx)
		ended := !now.Before(e.End())
		if !e.SetSaid {
			e.SetSaid = done(s.say(ctx, e.ID+"/set", e.SetText(s.loc), e.From))
		}
		if !e.SetTold && !ended {
			e.SetTold = done(s.tell(ctx, e.Silence))
		}
		if ended && !e.EndSaid {
			e.EndSaid = done(s.say(ctx, e.ID+"/ended", e.EndedText(s.loc), e.End()))
		}
		// An incident ends its hold at the silence's time by itself: only
		// a removal is news to it.
		if ended && !e.Ended.IsZero() && !e.EndTold {
			e.EndTold = done(s.tell(ctx, e.Silence))
		}
	}
	return ok
}

// say posts a line in the team's channel, once per key.
func (s *silences) say(ctx workflow.Context, key, text string, since time.Time) bool {
	err := workflow.ExecuteActivity(rosterActivity(ctx, "Tell the channel of silence "+key), a.PostMessage, activities.PostMessageInput{
		Channel: s.team.Slack.Channel, Text: text, Since: since.Add(-time.Hour),
		Key: "silence/" + s.team.Name + "/" + key,
	}).Get(ctx, nil)
	if err != nil {
		s.logger.Warn("could not tell the channel of a silence", "key", key, "error", err)
	}
	return err == nil
}

// tell signals the silence to the team's open incidents.
func (s *silences) tell(ctx workflow.Context, sl silence.Silence) bool {
	var r activities.TellSilenceResult
	err := workflow.ExecuteActivity(rosterActivity(ctx, "Tell the open incidents of silence "+sl.ID), a.TellSilence,
		activities.TellSilenceInput{Silence: sl}).Get(ctx, &r)
	if err != nil {
		s.logger.Warn("could not tell the open incidents of a silence", "silence", sl.ID, "error", err)
	}
	return err == nil
}
