package storm

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
)

var t0 = time.Date(2026, 3, 30, 3, 12, 0, 0, time.UTC)

func join(id string, at time.Time) Join {
	return Join{Team: "data", Channel: "#data", Incident: id, Headline: "[HIGH] " + id + " failed", Severity: "high", State: contract.StateTriggered, At: at}
}

func TestAStormGroupsWhatTheChannelCannotTake(t *testing.T) {
	var d Desk
	// Forty alerts in eleven seconds: the first AloneMost go alone, the
	// rest in one group.
	for i := range 40 {
		now := t0.Add(time.Duration(i) * 275 * time.Millisecond)
		got := d.Join(now, join(fmt.Sprintf("inc-%d", i), now))
		if want := i >= AloneMost; (got.Group != 0) != want {
			t.Fatalf("alert %d: group %d, want grouped %v", i, got.Group, want)
		}
	}
	if len(d.Groups) != 1 || len(d.Groups[0].Members) != 40-AloneMost || d.Groups[0].Key != "" {
		t.Fatalf("groups %+v: want one storm of %d", d.Groups, 40-AloneMost)
	}
	// Asking again gives the same answer, alone or grouped.
	if got := d.Join(t0.Add(time.Minute), join("inc-0", t0)); got.Group != 0 {
		t.Errorf("inc-0 asked again: %+v", got)
	}
	if got := d.Join(t0.Add(time.Minute), join("inc-39", t0)); got.Group != 1 || len(d.Groups[0].Members) != 40-AloneMost {
		t.Errorf("inc-39 asked again: %+v, %d members", got, len(d.Groups[0].Members))
	}
	// The storm takes alerts until it is quiet for a minute.
	last := d.Groups[0].LastJoin
	if got := d.Join(last.Add(Quiet-time.Second), join("late", last)); got.Group != 1 {
		t.Errorf("an alert within the storm's quiet went alone: %+v", got)
	}
	if got := d.Join(last.Add(3*Quiet), join("after", last)); got.Group != 0 {
		t.Errorf("an alert after the storm was grouped: %+v", got)
	}
	// Pages the channel takes, one every 5 s, never start a storm.
	var calm Desk
	for i := range 20 {
		now := t0.Add(time.Duration(i) * 5 * time.Second)
		if got := calm.Join(now, join(fmt.Sprintf("c-%d", i), now)); got.Group != 0 {
			t.Fatalf("alert %d of one every 5 s grouped", i)
		}
	}
}

func TestGroupByLabelsGroupsOnPurpose(t *testing.T) {
	var d Desk
	a, b := join("a", t0), join("b", t0)
	a.GroupKey, b.GroupKey = "alertname=DiskFull", "alertname=DiskFull"
	ja, jb := d.Join(t0, a), d.Join(t0.Add(time.Hour), b)
	if ja.Group == 0 || jb.Group != ja.Group || len(d.Groups) != 1 || d.Groups[0].Key != a.GroupKey || ja.Storm {
		t.Fatalf("label group: %+v %+v, groups %+v", ja, jb, d.Groups)
	}
	// Once every member resolved, the next alert of the key starts anew.
	d.Member(MemberState{Incident: "a", State: contract.StateResolved})
	d.Member(MemberState{Incident: "b", State: contract.StateResolved})
	g, _ := d.Group(ja.Group)
	g.TS, g.Stale = "1.0", false
	d.Forget()
	c := join("c", t0)
	c.GroupKey = a.GroupKey
	if jc := d.Join(t0.Add(2*time.Hour), c); jc.Group == ja.Group || jc.Group == 0 {
		t.Errorf("after its group resolved: %+v", jc)
	}
}

func TestTheMessageListsEachAlertEscapedAndBounded(t *testing.T) {
	var d Desk
	for i := range 80 {
		j := join(fmt.Sprintf("inc-%d", i), t0)
		j.Headline = fmt.Sprintf("[HIGH] <!channel> *orders_%d* %s", i, strings.Repeat("x", 400))
		j.GroupKey = "alertname=<@U1>"
		d.Join(t0, j)
	}
	g := d.Groups[0]
	d.Member(MemberState{Incident: "inc-3", State: contract.StateAcknowledged, ByChat: "U0BOB"})
	if !g.Stale {
		t.Error("news did not make the message stale")
	}
	text := g.Text("data", time.UTC)
	for _, want := range []string{
		"80 alerts of alertname=&lt;@U1&gt; for team data*, 79 not acknowledged",
		"&lt;!channel&gt; *orders_0*",
		":large_yellow_circle: `high` [HIGH] &lt;!channel&gt; *orders_3*",
		"(acknowledged by <@U0BOB>)",
		"…and 20 more, each in the thread.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("message lacks %q:\n%.600s", want, text)
		}
	}
	if strings.Contains(text, "<!channel>") || strings.Contains(text, "<@U1>") {
		t.Error("text from outside became markup")
	}
	if n := len([]rune(text)); n > mrkdwn.MessageLimit/2 {
		t.Errorf("message of %d characters", n)
	}
	if b := g.Buttons("data"); len(b) != 1 || b[0].Value != "storm-data/1" {
		t.Errorf("buttons %+v", b)
	}
	for i := range 80 {
		d.Member(MemberState{Incident: fmt.Sprintf("inc-%d", i), State: contract.StateAcknowledged, By: "bob"})
	}
	if b := g.Buttons("data"); b != nil {
		t.Errorf("Acknowledge all with nothing to acknowledge: %+v", b)
	}
}
