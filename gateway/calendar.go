package gateway

// Calendar feeds: who is on call, as iCalendar a calendar app subscribes
// to.
//
//	GET /calendar/{team}.ics?token=…           the team's shifts and overrides
//	GET /calendar/{team}/{person}.ics?token=…  only that person's
//
// A feed covers the stretch under way and the next calendarWeeks weeks,
// one event per stretch of team.Schedule (the rotation's shifts, cut
// where an override begins and ends). Event UIDs are stable across
// fetches, so a subscribed app moves or shortens an event rather than
// adding a second one.

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/baton-oncall/baton/calendar"
	"github.com/baton-oncall/baton/rosterclient"
	"github.com/baton-oncall/baton/team"
)

// calendarWeeks is how far ahead a calendar feed reaches.
const calendarWeeks = 12

// calendarWhen is how a feed's descriptions show an instant.
const calendarWhen = "Mon 2 Jan 15:04 MST"

// teamCalendar serves GET /calendar/{file}: {file} is "{team}.ics".
func (g *Gateway) teamCalendar(w http.ResponseWriter, r *http.Request) {
	g.serveCalendar(w, r, r.PathValue("file"), "")
}

// personCalendar serves GET /calendar/{team}/{file}: {file} is
// "{person}.ics".
func (g *Gateway) personCalendar(w http.ResponseWriter, r *http.Request) {
	g.serveCalendar(w, r, r.PathValue("team"), r.PathValue("file"))
}

// serveCalendar answers a feed: the team's, or with personFile set, that
// person's. The ".ics" is on the last part of the path, whichever it is.
func (g *Gateway) serveCalendar(w http.ResponseWriter, r *http.Request, teamPart, personFile string) {
	if g.opts.CalendarToken == "" {
		writeJSON(w, http.StatusNotFound, errorBody("calendar feeds are off: set BATON_CALENDAR_TOKEN to turn them on"))
		return
	}
	// Checked before anything is looked up, so that without the token
	// nobody learns which teams or people exist. Never echoed.
	if subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("token")), []byte(g.opts.CalendarToken)) != 1 {
		g.opts.Logger.Warn("calendar feed refused: missing or wrong token", "path", r.URL.Path)
		writeJSON(w, http.StatusForbidden, errorBody("missing or wrong token: the feed's URL ends in ?token= and the value of BATON_CALENDAR_TOKEN"))
		return
	}
	teamName, personID, ok := teamPart, "", true
	if personFile == "" {
		teamName, ok = strings.CutSuffix(teamPart, ".ics")
	} else {
		personID, ok = strings.CutSuffix(personFile, ".ics")
	}
	if !ok || teamName == "" || (personFile != "" && personID == "") {
		writeJSON(w, http.StatusNotFound, errorBody(fmt.Sprintf("%q is not a calendar feed: feeds are /calendar/{team}.ics and /calendar/{team}/{person}.ics", r.URL.Path)))
		return
	}

	t, ok := g.opts.Teams.Team(teamName)
	if !ok {
		writeJSON(w, http.StatusNotFound, errorBody(fmt.Sprintf("unknown team %q: the team file has %s", teamName, strings.Join(g.opts.Teams.Names(), ", "))))
		return
	}
	if t.Pager.Rotation == nil {
		writeJSON(w, http.StatusNotFound, errorBody(fmt.Sprintf(
			"team %q has no rotation in the team file: its on-call schedule lives in its pager, so subscribe to the pager's own calendar", t.Name)))
		return
	}
	if personID != "" {
		if _, ok := t.Person(personID); !ok {
			writeJSON(w, http.StatusNotFound, errorBody(fmt.Sprintf("team %q has no person %q (people[].id in the team file)", t.Name, personID)))
			return
		}
	}

	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	overrides, err := rosterclient.List(ctx, g.opts.Temporal, t.Name)
	if err != nil {
		g.opts.Logger.Error("calendar feed: cannot read the overrides", "team", t.Name, "error", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody(fmt.Sprintf("cannot read the overrides of team %q from Temporal; try again: %v", t.Name, err)))
		return
	}
	now := g.opts.Now()
	events, err := calendarEvents(t, overrides, personID, now)
	if err != nil {
		g.opts.Logger.Error("calendar feed: cannot work out the schedule", "team", t.Name, "error", err)
		writeJSON(w, http.StatusInternalServerError, errorBody(err.Error()))
		return
	}
	title, file := "On call: "+t.Name, t.Name+".ics"
	if personID != "" {
		title, file = fmt.Sprintf("On call: %s (%s)", personID, t.Name), personID+".ics"
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="`+file+`"`)
	// The URL carries the token: no shared cache keeps the answer.
	w.Header().Set("Cache-Control", "private, no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(calendar.Feed(title, events, now))
}

// calendarEvents are the events of a team's feed (of one person's, with
// person set): the stretch of team.Schedule under way at now and every
// one that starts in the next calendarWeeks weeks, overrides included.
//
// The window starts where the stretch holding now starts, not at now, so
// that the event under way keeps its start, and its UID, from one fetch
// to the next; it ends with the shift under way calendarWeeks weeks on,
// so that the last event is not cut short. Stretches that ended before
// now are left out.
func calendarEvents(t team.Team, overrides []team.Override, person string, now time.Time) ([]calendar.Event, error) {
	if t.Pager.Rotation == nil {
		return nil, fmt.Errorf("team %q takes its on-call from its pager, not a rotation", t.Name)
	}
	loc, err := t.Location()
	if err != nil {
		return nil, err
	}
	from, to := now, now.AddDate(0, 0, 7*calendarWeeks)
	s, ok, err := t.Pager.Rotation.ShiftAt(loc, from)
	if err != nil {
		return nil, err
	}
	if ok {
		from = s.Start
	}
	if o, ok := team.OverrideAt(overrides, now); ok && o.From.Before(from) {
		from = o.From
	}
	if s, ok, err := t.Pager.Rotation.ShiftAt(loc, to); err != nil {
		return nil, err
	} else if ok {
		to = s.End
	}
	segs, err := t.Schedule(overrides, from, to)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]team.Override, len(overrides))
	for _, o := range overrides {
		byID[o.ID] = o
	}
	var out []calendar.Event
	for _, seg := range segs {
		if !seg.To.After(now) || (person != "" && seg.Person != person) {
			continue
		}
		out = append(out, calendarEvent(t, loc, seg, byID[seg.Override]))
	}
	return out, nil
}

// calendarEvent is one stretch as an event: "On call: carol (data)", or
// for an override "On call: carol (data, covering; dentist)".
func calendarEvent(t team.Team, loc *time.Location, seg team.Segment, o team.Override) calendar.Event {
	who := seg.Person
	if p, ok := t.Person(seg.Person); ok && p.Name != "" {
		who = fmt.Sprintf("%s (%s)", p.Name, p.ID)
	}
	summary := fmt.Sprintf("On call: %s (%s)", seg.Person, t.Name)
	desc := []string{fmt.Sprintf("%s holds the %s pager from %s to %s.",
		who, t.Name, seg.From.In(loc).Format(calendarWhen), seg.To.In(loc).Format(calendarWhen))}
	if seg.Override != "" {
		covering := "covering"
		if o.Note != "" {
			covering += "; " + o.Note
		}
		summary = fmt.Sprintf("On call: %s (%s, %s)", seg.Person, t.Name, covering)
		line := "Override " + seg.Override
		if s, ok, err := t.Pager.Rotation.ShiftAt(loc, seg.From); err == nil && ok && s.Member != seg.Person {
			line += ", covering for " + s.Member
		}
		if o.By != "" {
			line += ", added by " + o.By
		}
		if o.Note != "" {
			line += ": " + o.Note
		}
		desc = append(desc, line+".")
	}
	return calendar.Event{
		UID:         calendar.UID(t.Name, seg.Person, seg.From, seg.Override),
		Summary:     summary,
		Description: strings.Join(desc, "\n"),
		Start:       seg.From,
		End:         seg.To,
	}
}
