package workflows

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/tickets"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

// DefaultNotesWait is how long the outgoing person has to leave
// retrospective notes before the retrospective is filed.
const DefaultNotesWait = 24 * time.Hour

// SummaryInput is one team's weekly summary.
type SummaryInput struct {
	// Team is the team's configuration as it was when the run started.
	Team team.Team
	// ShiftEnd is the end of the shift summed up. Zero means the latest
	// handover at or before the run's start: the shift that just ended.
	ShiftEnd time.Time
	// NotesWait is how long the outgoing person has for retrospective
	// notes; zero means DefaultNotesWait.
	NotesWait time.Duration
}

// SummaryResult is what a summary run found and did.
type SummaryResult struct {
	Report summary.Report `json:"report"`
	// Link is the summary post's link.
	Link string `json:"link"`
	// Retrospective is the retrospective ticket, once filed.
	Retrospective tickets.Ticket `json:"retrospective"`
	// Notes counts the retrospective notes left.
	Notes int `json:"notes"`
}

// SummaryRequest is the activity input that computes the summary of the
// team's shift ending at end: the shift's bounds, the shift before for
// the trend, and where their handover records are. The workflow and the
// starter both use it.
func SummaryRequest(t team.Team, end time.Time) (activities.SummaryInput, error) {
	loc, err := t.Location()
	if err != nil {
		return activities.SummaryInput{}, err
	}
	start, err := t.Handover.Previous(loc, end.Add(-time.Nanosecond))
	if err != nil {
		return activities.SummaryInput{}, err
	}
	prevStart, err := t.Handover.Previous(loc, start.Add(-time.Nanosecond))
	if err != nil {
		return activities.SummaryInput{}, err
	}
	return activities.SummaryInput{
		Team:               t,
		Shift:              summary.Shift{Start: start.In(loc), End: end.In(loc), Week: summary.WeekOf(start, loc)},
		Previous:           summary.Shift{Start: prevStart.In(loc), End: start.In(loc), Week: summary.WeekOf(prevStart, loc)},
		HandoverWorkflowID: contract.HandoverWorkflowID(t.Name, start),
	}, nil
}

// ShiftEndOfWeek is the end of the team's shift that starts in an ISO week
// such as "2026-W47", in the team's zone.
func ShiftEndOfWeek(t team.Team, week string) (time.Time, error) {
	y, w, ok := strings.Cut(week, "-W")
	year, err1 := strconv.Atoi(y)
	num, err2 := strconv.Atoi(w)
	if !ok || err1 != nil || err2 != nil || num < 1 || num > 53 {
		return time.Time{}, fmt.Errorf("%q is not an ISO week such as 2026-W47", week)
	}
	loc, err := t.Location()
	if err != nil {
		return time.Time{}, err
	}
	// ISO week 1 is the week with January 4th in it.
	jan4 := time.Date(year, time.January, 4, 0, 0, 0, 0, loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(num-1))
	if _, got := monday.ISOWeek(); got != num {
		return time.Time{}, fmt.Errorf("%d has no ISO week %d", year, num)
	}
	start, err := t.Handover.Next(loc, monday.Add(-time.Nanosecond))
	if err != nil {
		return time.Time{}, err
	}
	return t.Handover.Next(loc, start)
}

// WeeklySummary computes what the shift that ended cost the team, posts it
// with its chart in the team channel, asks the outgoing person for notes,
// and files the summary and the notes as the retrospective.
func WeeklySummary(ctx workflow.Context, in SummaryInput) (SummaryResult, error) {
	var res SummaryResult
	loc, err := teamLocation(in.Team)
	if err != nil {
		return res, err
	}
	end := in.ShiftEnd
	if end.IsZero() {
		if end, err = in.Team.Handover.Previous(loc, workflow.Now(ctx)); err != nil {
			return res, badTeam(err)
		}
	}
	req, err := SummaryRequest(in.Team, end)
	if err != nil {
		return res, badTeam(err)
	}
	logger := log.With(workflow.GetLogger(ctx), "team", in.Team.Name, "week", req.Shift.Week)
	if err := workflow.SetQueryHandler(ctx, contract.SummaryReportQuery, func() (SummaryResult, error) { return res, nil }); err != nil {
		return res, err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, contract.TeamKey.ValueSet(in.Team.Name)); err != nil {
		return res, err
	}
	key := func(what string) string { return fmt.Sprintf("summary/%s/%s/%s", in.Team.Name, req.Shift.Week, what) }

	var computed activities.SummaryResult
	// Listing a busy week's incidents takes longer than a chat call.
	long := workflow.WithStartToCloseTimeout(withActivity(ctx, "Compute the summary of "+req.Shift.Week), 5*time.Minute)
	if err := workflow.ExecuteActivity(long, a.ComputeSummary, req).Get(ctx, &computed); err != nil {
		return res, err
	}
	res.Report = computed.Report

	var post activities.PostSummaryResult
	err = workflow.ExecuteActivity(withActivity(ctx, "Post the summary and its chart"), a.PostSummary, activities.PostSummaryInput{
		Channel: in.Team.Slack.Channel, Key: key("post"), Since: end.Add(-time.Hour), Report: res.Report,
	}).Get(ctx, &post)
	if err != nil {
		return res, err
	}
	res.Link = post.Link
	if err := workflow.UpsertMemo(ctx, map[string]any{contract.SummaryLinkMemoKey: post.Link}); err != nil {
		return res, err
	}
	logger.Info("summary posted", "incidents", res.Report.Incidents.Total)

	asked, err := askForNotes(ctx, in.Team, computed.Outgoing, post.Link, key, in.NotesWait)
	if err != nil {
		return res, err
	}
	notes, err := collectNotes(ctx, in.Team, asked)
	if err != nil {
		return res, err
	}
	res.Notes = len(notes)
	return res, fileRetrospective(ctx, in.Team, post, key, &res, notes)
}

// notesThread is a DM asking one person for retrospective notes.
type notesThread struct {
	Person  team.Person
	Channel string
	TS      string
}

// askForNotes DMs the outgoing people and waits for their notes.
func askForNotes(ctx workflow.Context, t team.Team, outgoing []string, link string, key func(string) string, wait time.Duration) ([]notesThread, error) {
	if wait <= 0 {
		wait = DefaultNotesWait
	}
	var people []team.Person
	for _, id := range outgoing {
		p, ok := t.Person(id)
		if !ok {
			p = team.Person{ID: id, Email: id}
		}
		people = append(people, p)
	}
	if len(people) == 0 {
		return nil, nil
	}
	var users activities.ResolveChatUsersResult
	if err := workflow.ExecuteActivity(withActivity(ctx, "Find the outgoing people in chat"),
		a.ResolveChatUsers, activities.ResolveChatUsersInput{People: people}).Get(ctx, &users); err != nil {
		return nil, err
	}
	deadline := workflow.Now(ctx).Add(wait)
	loc, _ := t.Location()
	var asked []notesThread
	for _, p := range people {
		user, ok := users.UserIDs[p.ID]
		if !ok {
			continue
		}
		var r activities.PostMessageResult
		err := workflow.ExecuteActivity(withActivity(ctx, "Ask "+p.Label()+" for retrospective notes"),
			a.SendDM, activities.SendDMInput{
				User: user, Key: key("notes/" + p.ID), Since: workflow.Now(ctx).Add(-time.Hour),
				Text: fmt.Sprintf("Thank you for your shift on call for %s. The week's summary: %s\n"+
					"What hurt, what was noise, what should change? Reply in this thread before %s: Baton files your notes with the summary as the retrospective.",
					t.Name, link, deadline.In(loc).Format("Mon 2 Jan 15:04 MST")),
			}).Get(ctx, &r)
		if err != nil {
			return nil, err
		}
		asked = append(asked, notesThread{Person: p, Channel: r.Channel, TS: r.TS})
	}
	if len(asked) == 0 {
		return nil, nil
	}
	return asked, workflow.NewTimerWithOptions(ctx, wait, workflow.TimerOptions{Summary: "Wait for retrospective notes"}).Get(ctx, nil)
}

// collectNotes reads the replies to each request, as "Name: text" lines.
func collectNotes(ctx workflow.Context, t team.Team, asked []notesThread) ([]string, error) {
	var notes []string
	for _, q := range asked {
		var r activities.RetroNotesResult
		if err := workflow.ExecuteActivity(withActivity(ctx, "Read the notes of "+q.Person.Label()),
			a.RetroNotes, activities.RetroNotesInput{Channel: q.Channel, TS: q.TS}).Get(ctx, &r); err != nil {
			return nil, err
		}
		for _, n := range r.Notes {
			notes = append(notes, q.Person.Label()+": "+n.Text)
		}
	}
	return notes, nil
}

// fileRetrospective files the summary and the notes as the retrospective
// ticket in the team's Jira project, and says where in the summary's
// thread; a team without a project gets the notes in the thread.
func fileRetrospective(ctx workflow.Context, t team.Team, post activities.PostSummaryResult, key func(string) string, res *SummaryResult, notes []string) error {
	var b strings.Builder
	if len(notes) == 0 {
		b.WriteString("No notes were left.\n")
	}
	for _, n := range notes {
		b.WriteString("- " + n + "\n")
	}
	reply := "Retrospective notes:\n" + b.String()
	if project := t.Incidents.JiraProject; project != "" {
		sh := res.Report.Shift
		err := workflow.ExecuteActivity(withActivity(ctx, "File the retrospective ticket"), a.FileTicket, tickets.Issue{
			Project: project, DedupKey: key("retrospective"), Labels: []string{"baton", "retrospective"},
			Summary:     fmt.Sprintf("On-call retrospective of %s, %s (%s to %s)", t.Name, sh.Week, sh.Start.Format("2 Jan"), sh.End.Format("2 Jan")),
			Description: res.Report.Text() + "\n## Notes from the shift\n" + b.String(),
		}).Get(ctx, &res.Retrospective)
		if err != nil {
			return err
		}
		reply = fmt.Sprintf("Retrospective filed: %s (%d notes)", cmp.Or(res.Retrospective.URL, res.Retrospective.Key), len(notes))
	}
	return workflow.ExecuteActivity(withActivity(ctx, "Say where the retrospective is"), a.PostMessage, activities.PostMessageInput{
		Channel: post.Channel, ThreadTS: post.TS, Key: key("retrospective"), Since: workflow.Now(ctx).Add(-48 * time.Hour), Text: reply,
	}).Get(ctx, nil)
}
