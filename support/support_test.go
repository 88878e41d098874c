package support

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
)

var opened = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func newRequest() Request {
	return Request{ID: contract.SupportMessageID("data", "C0HELP", "1796630400.000100"), Team: "data",
		Channel: "C0HELP", TS: "1796630400.000100", ThreadTS: "1796630400.000100", Asker: "UASKER", Via: ViaReaction,
		Text: "is the orders table late?", Opened: opened, State: StateNew}
}

func TestTheRulesOfARequest(t *testing.T) {
	bob := Act{Action: ActTake, By: "bob", ByChat: "UBOB"}
	carol := Act{Action: ActTake, By: "carol", ByChat: "UCAROL"}
	done := func(by, chat string) Act { return Act{Action: ActDone, By: by, ByChat: chat} }

	r := newRequest()
	if err := r.Check(bob); err != nil {
		t.Fatalf("Take of a new request: %v", err)
	}
	r, msg := r.Apply(bob, opened.Add(10*time.Minute))
	if r.State != StateTaken || r.Taken.By != "bob" || !strings.Contains(msg, "yours") {
		t.Fatalf("after Take: %+v %q", r, msg)
	}
	if got := r.FirstResponse(); !got.Equal(opened.Add(10 * time.Minute)) {
		t.Errorf("first response %s", got)
	}
	// A second Take: refused, by the taker and by anyone else, saying who has it.
	for _, c := range []struct {
		act  Act
		want string
	}{
		{bob, "you took it already"},
		{carol, "already taken by <@UBOB>"},
		{Act{Action: "reassign", By: "carol"}, `"reassign" is not an action`},
	} {
		var refusal Refusal
		if err := r.Check(c.act); !errors.As(err, &refusal) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v on a taken request: %v, want %q", c.act, err, c.want)
		}
	}
	// Done by anyone of the team (not only the taker).
	if err := r.Check(done("carol", "UCAROL")); err != nil {
		t.Fatalf("Done of a taken request: %v", err)
	}
	r, _ = r.Apply(done("carol", "UCAROL"), opened.Add(time.Hour))
	if r.State != StateDone || r.Open() || !r.DoneAt().Equal(opened.Add(time.Hour)) || !r.FirstResponse().Equal(opened.Add(10*time.Minute)) {
		t.Fatalf("after Done: %+v", r)
	}
	for _, act := range []Act{bob, done("bob", "UBOB")} {
		if err := r.Check(act); err == nil || !strings.Contains(err.Error(), "already done by <@UCAROL>") {
			t.Errorf("%+v on a done request: %v", act, err)
		}
	}

	// Done before Take is fine, and is the first response too.
	r = newRequest()
	if err := r.Check(done("bob", "")); err != nil {
		t.Fatal(err)
	}
	r, _ = r.Apply(done("bob", ""), opened.Add(5*time.Minute))
	if r.State != StateDone || !r.FirstResponse().Equal(opened.Add(5*time.Minute)) || r.Taken != nil {
		t.Errorf("Done without Take: %+v", r)
	}
}

func TestRemindersComeOncePerPeriodAndOnlyWhileNobodyTookIt(t *testing.T) {
	r := newRequest()
	if got := r.ReminderDue(2 * time.Hour); !got.Equal(opened.Add(2 * time.Hour)) {
		t.Errorf("first reminder due %s", got)
	}
	r.Reminded = opened.Add(3 * time.Hour) // held for the morning, say
	if got := r.ReminderDue(2 * time.Hour); !got.Equal(opened.Add(5 * time.Hour)) {
		t.Errorf("second reminder due %s, want a period after the first", got)
	}
	r, _ = r.Apply(Act{Action: ActTake, By: "bob"}, opened.Add(4*time.Hour))
	if got := r.ReminderDue(2 * time.Hour); !got.IsZero() {
		t.Errorf("a taken request reminds at %s", got)
	}
}

func TestARemindersWaitsForWorkingHoursInThePersonsZone(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	la, _ := time.LoadLocation("America/Los_Angeles")
	office := &team.WorkingHours{Start: "09:00", End: "17:00", Days: []string{"mon", "tue", "wed", "thu", "fri"}}
	at := func(loc *time.Location, s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		name      string
		person    team.Person
		due, want time.Time
	}{
		{"in working hours: at once", team.Person{ID: "a", WorkingHours: office}, at(berlin, "2026-12-08 11:00"), at(berlin, "2026-12-08 11:00")},
		{"in the evening: the next morning", team.Person{ID: "a", WorkingHours: office}, at(berlin, "2026-12-08 19:30"), at(berlin, "2026-12-09 09:00")},
		{"on Friday night: Monday morning", team.Person{ID: "a", WorkingHours: office}, at(berlin, "2026-12-11 23:00"), at(berlin, "2026-12-14 09:00")},
		{"the team's zone for one who gives none", team.Person{ID: "a"}, at(berlin, "2026-12-08 07:00"), at(berlin, "2026-12-08 09:00")},
		{"far away: Tokyo's morning", team.Person{ID: "a", TimeZone: "Asia/Tokyo", WorkingHours: office}, at(berlin, "2026-12-08 11:00"), at(tokyo, "2026-12-09 09:00")},
		{"Los Angeles, still working at Berlin's night", team.Person{ID: "a", TimeZone: "America/Los_Angeles", WorkingHours: office}, at(berlin, "2026-12-08 23:00"), at(berlin, "2026-12-08 23:00")},
		{"across spring's DST change: 09:00 on the wall", team.Person{ID: "a", WorkingHours: office}, at(berlin, "2027-03-26 18:00"), at(berlin, "2027-03-29 09:00")},
		{"across autumn's DST change in LA", team.Person{ID: "a", TimeZone: "America/Los_Angeles", WorkingHours: office}, at(la, "2026-10-30 20:00"), at(la, "2026-11-02 09:00")},
	} {
		if got := RemindAt(c.person, berlin, c.due); !got.Equal(c.want) {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestAPostEscapesAndBoundsWhatWasAsked(t *testing.T) {
	v := View{Team: "data", Group: "data-oncall", Loc: time.UTC}
	r := newRequest()
	r.Text = "<!channel> *urgent* <https://evil.example|click> & " + strings.Repeat("x", 2*shownMost)
	post := v.Post(r)
	for _, want := range []string{"<!subteam^data-oncall>", "<@UASKER>", "&lt;!channel&gt;", "&amp;", "🔴 *New*", "> "} {
		if !strings.Contains(post, want) {
			t.Errorf("post lacks %q:\n%s", want, post)
		}
	}
	if strings.Contains(post, "<!channel>") || strings.Contains(post, "<https://evil") || strings.Count(post, "x") > shownMost {
		t.Errorf("post lets text from outside be markup, or is not bounded:\n%s", post)
	}
	if b := v.Buttons(r); len(b) != 2 || b[0].ActionID != contract.SupportTakeAction || b[1].ActionID != contract.SupportDoneAction || b[0].Value != r.ID {
		t.Errorf("buttons of a new request: %+v", b)
	}

	r, _ = r.Apply(Act{Action: ActTake, By: "bob", ByChat: "UBOB"}, opened.Add(2*time.Minute))
	if post := v.Post(r); !strings.Contains(post, "🟡 *Taken* by <@UBOB> at Mon 7 Dec 10:02 UTC") || strings.Contains(post, "subteam") {
		t.Errorf("taken post:\n%s", post)
	}
	if b := v.Buttons(r); len(b) != 1 || b[0].ActionID != contract.SupportDoneAction {
		t.Errorf("buttons of a taken request: %+v", b)
	}
	r, _ = r.Apply(Act{Action: ActDone, By: "carol", ByChat: "UCAROL"}, opened.Add(time.Hour))
	if post := v.Post(r); !strings.Contains(post, "🟢 *Done* by <@UCAROL> at Mon 7 Dec 11:00 UTC (taken by <@UBOB> at Mon 7 Dec 10:02 UTC).") {
		t.Errorf("done post:\n%s", post)
	}
	if b := v.Buttons(r); len(b) != 0 {
		t.Errorf("a done request has buttons: %+v", b)
	}

	r = newRequest()
	r.Link = "https://fake.slack.com/archives/C0HELP/p1"
	dm := v.Reminder(r, 2*time.Hour)
	for _, want := range []string{"*data*", "<@UASKER>", "<#C0HELP>", "waited 2h", "<https://fake.slack.com/archives/C0HELP/p1|its thread>", "> is the orders table late?"} {
		if !strings.Contains(dm, want) {
			t.Errorf("reminder lacks %q:\n%s", want, dm)
		}
	}
	r.Text = strings.Repeat("é", TextMost)
	if m := r.Memo(); len([]rune(m.Text)) != MemoTextMost || len([]rune(r.Text)) != TextMost {
		t.Errorf("memo text of %d characters", len([]rune(m.Text)))
	}
}
