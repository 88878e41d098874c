package summary

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/support"
)

// The summary counts the shift's support requests, the median and p90
// of the time to the first response (Take, or Done without it) and to
// Done, and who asked most: mentions in Slack, IDs in text.
func TestSupportRequestsAreCountedTimedAndTheirAskersNamed(t *testing.T) {
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return start.Add(d) }
	req := func(asker string, opened, taken, done time.Duration, reminders int) support.Request {
		r := support.Request{Asker: asker, Opened: at(opened), State: support.StateNew, Reminders: reminders}
		if taken > 0 {
			r.Taken, r.State = &support.Answer{By: "bob", At: at(opened + taken)}, support.StateTaken
		}
		if done > 0 {
			r.Finished, r.State = &support.Answer{By: "bob", At: at(opened + done)}, support.StateDone
		}
		return r
	}
	r := Compute(Input{Team: testTeam, Shift: Shift{Start: start, End: start.AddDate(0, 0, 7)}, Support: []support.Request{
		req("U0CAROL", time.Hour, 10*time.Minute, 2*time.Hour, 0),
		req("U0CAROL", 2*time.Hour, 0, 30*time.Minute, 0), // Done without Take: the first response too
		req("U0DAVE", 3*time.Hour, 20*time.Minute, 0, 0),  // taken, still open
		req("U0ERIN", 4*time.Hour, 0, 0, 2),               // nobody took it: reminded twice
		req("U0CAROL", 5*time.Hour, 40*time.Minute, 4*time.Hour, 1),
		req("U0FRANK", 6*time.Hour, 5*time.Minute, 10*time.Minute, 0),
		req("", 7*time.Hour, 5*time.Minute, 10*time.Minute, 0), // asked by no person chat knew
	}})
	s := r.Support
	if s.Requests != 7 || s.Done != 5 || s.Open != 2 || s.Reminders != 3 {
		t.Errorf("counts %+v", s)
	}
	// First responses: 5, 5, 10, 20, 30, 40 minutes; done: 10, 10, 30 minutes, 2h, 4h.
	if f := s.TimeToFirstResponse; f.Count != 6 || f.MedianSeconds != 15*60 || f.P90Seconds != 40*60 {
		t.Errorf("time to first response %+v, want 6, median 15m, p90 40m", f)
	}
	if d := s.TimeToDone; d.Count != 5 || d.MedianSeconds != 30*60 || d.P90Seconds != 4*3600 {
		t.Errorf("time to done %+v, want 5, median 30m, p90 4h", d)
	}
	if want := []Asker{{"U0CAROL", 3}, {"U0DAVE", 1}, {"U0ERIN", 1}}; !reflect.DeepEqual(s.TopAskers, want) {
		t.Errorf("top askers %+v, want %+v (most first, then by ID; three at most)", s.TopAskers, want)
	}
	const line = "Support requests: 7, 5 done, 2 open; first response median 15m00s, p90 40m00s; done median 30m00s, p90 4h00m; 3 reminders to the person on call; asked most: "
	if text := r.Text(); !strings.Contains(text, line+"U0CAROL 3, U0DAVE 1, U0ERIN 1\n") {
		t.Errorf("the text does not count the requests, with IDs:\n%s", text)
	}
	if post := Slack(r); !strings.Contains(post, line+"<@U0CAROL> 3, <@U0DAVE> 1, <@U0ERIN> 1\n") {
		t.Errorf("the Slack post does not count the requests, with mentions:\n%s", post)
	}

	empty := Compute(Input{Team: testTeam, Shift: Shift{Start: start, End: start.AddDate(0, 0, 7)}})
	if strings.Contains(empty.Text(), "Support requests") || empty.Support.TopAskers == nil {
		t.Error("a shift without requests mentions them, or lists null")
	}
}
