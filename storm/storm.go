// Package storm is the rule of a team's channel in a storm. Slack takes
// about one post a second in a channel, so forty alerts that arrive within
// seconds (a warehouse outage fails every DAG) would put the fortieth page
// in the channel forty seconds late, under thirty-nine others. Instead,
// once more pages arrive than the channel can take, the alerts that follow
// go in a group: one message lists them, and is edited in place as more
// come and as each is acknowledged or resolves (an edit takes no turn of
// the channel's posting limit), with Acknowledge all; each alert's own
// page, with its buttons, goes in that message's thread, at the pace the
// channel allows. A team may also group alerts on purpose by labels
// (incidents.group_by), as Alertmanager does. Each alert stays its own
// incident: its own escalation, its own phone steps.
//
// A desk is plain data with pure methods that take the instant: the
// StormDesk workflow keeps each team's desk in Temporal, so that every
// worker groups into the same message and a restart forgets nothing, and
// the rule is tested without an engine.
package storm

import (
	"fmt"
	"slices"
	"time"

	"github.com/baton-oncall/baton/contract"
)

const (
	// Window and AloneMost: once AloneMost pages were posted alone within
	// Window, more than the channel can take with their threads, the next
	// alert starts a storm group.
	Window    = 10 * time.Second
	AloneMost = 3
	// Quiet is how long a storm group takes new alerts after its last:
	// an alert that comes later is posted alone again (or starts a new
	// storm).
	Quiet = time.Minute
	// aloneFor is how long the desk remembers an incident it let post
	// alone, so that a join asked again (an activity's retry) gets the
	// same answer.
	aloneFor = 10 * time.Minute
)

// Join is an incident about to post its page.
type Join struct {
	Team    string `json:"team"`
	Channel string `json:"channel"`
	// Zone is the team's time zone, in which the message tells the time.
	Zone string `json:"zone,omitempty"`
	// Incident is the incident's workflow ID.
	Incident string `json:"incident"`
	// Headline is the page's headline, plain text from outside: the desk
	// escapes it.
	Headline string    `json:"headline"`
	Severity string    `json:"severity"`
	State    string    `json:"state"`
	At       time.Time `json:"at"`
	// GroupKey is the group the team's group_by puts the alert in, or "".
	GroupKey string `json:"group_key,omitempty"`
}

// Joined answers a Join: Group 0 posts the page alone; otherwise the page
// goes in the group's thread, ThreadTS, which the desk sends the incident
// (a Thread) once the group's message is posted, when it is not yet.
type Joined struct {
	Group int `json:"group,omitempty"`
	// Storm: the group is a storm's, not one of the team's group_by.
	Storm    bool   `json:"storm,omitempty"`
	ThreadTS string `json:"thread_ts,omitempty"`
}

// Thread tells a grouped incident where its page goes.
type Thread struct {
	Group    int    `json:"group"`
	Storm    bool   `json:"storm,omitempty"`
	ThreadTS string `json:"thread_ts"`
}

// MemberState is a grouped incident's news: its state, and who acted.
type MemberState struct {
	Incident string `json:"incident"`
	State    string `json:"state"`
	// ByChat is the chat user who acknowledged or resolved, when known;
	// else By names them.
	ByChat string `json:"by_chat,omitempty"`
	By     string `json:"by,omitempty"`
}

// Member is an incident in a group.
type Member struct {
	Incident string    `json:"incident"`
	Headline string    `json:"headline"`
	Severity string    `json:"severity"`
	State    string    `json:"state"`
	ByChat   string    `json:"by_chat,omitempty"`
	By       string    `json:"by,omitempty"`
	At       time.Time `json:"at"`
	// Told: the incident was sent the group's thread.
	Told bool `json:"told,omitempty"`
}

// Open reports whether the member still needs a person.
func (m Member) Open() bool {
	return m.State != contract.StateResolved && m.State != contract.StateClosed
}

// Group is one message's alerts.
type Group struct {
	Number int `json:"number"`
	// Key is the group_by values of a label group; "" for a storm.
	Key      string    `json:"key,omitempty"`
	Started  time.Time `json:"started"`
	LastJoin time.Time `json:"last_join"`
	// TS is the group's message, once posted.
	TS      string   `json:"ts,omitempty"`
	Members []Member `json:"members"`
	// Stale: the message shows less than the members say.
	Stale   bool      `json:"stale,omitempty"`
	Updated time.Time `json:"updated,omitzero"`
}

// Done reports whether the group may be forgotten: no member open, and
// its message says so.
func (g *Group) Done() bool {
	return g.TS != "" && !g.Stale && !slices.ContainsFunc(g.Members, Member.Open)
}

// Untold are the members not yet sent the group's thread.
func (g *Group) Untold() []Member {
	if g.TS == "" {
		return nil
	}
	return slices.DeleteFunc(slices.Clone(g.Members), func(m Member) bool { return m.Told })
}

// Desk is a team's channel: the pages lately posted alone, and the groups.
type Desk struct {
	Team    string `json:"team"`
	Channel string `json:"channel"`
	Zone    string `json:"zone,omitempty"`
	// Alone maps the incidents lately let post alone to when.
	Alone  map[string]time.Time `json:"alone,omitempty"`
	Groups []*Group             `json:"groups,omitempty"`
	// Last is the number of the last group started.
	Last int `json:"last"`
}

// Join places an incident about to post its page: in its label group, in
// the storm under way, in a new storm when AloneMost pages went alone
// within Window, else alone. Asking again gives the same answer.
func (d *Desk) Join(now time.Time, j Join) Joined {
	d.Team, d.Channel, d.Zone = j.Team, j.Channel, j.Zone
	if g, ok := d.memberOf(j.Incident); ok {
		return g.joined()
	}
	if _, ok := d.Alone[j.Incident]; ok {
		return Joined{}
	}
	for id, at := range d.Alone {
		if now.Sub(at) > aloneFor {
			delete(d.Alone, id)
		}
	}
	var g *Group
	if j.GroupKey != "" {
		g = d.find(func(g *Group) bool { return g.Key == j.GroupKey && slices.ContainsFunc(g.Members, Member.Open) })
	} else {
		g = d.find(func(g *Group) bool { return g.Key == "" && now.Sub(g.LastJoin) < Quiet })
		if g == nil && d.aloneWithin(now) < AloneMost {
			if d.Alone == nil {
				d.Alone = map[string]time.Time{}
			}
			d.Alone[j.Incident] = now
			return Joined{}
		}
	}
	if g == nil {
		d.Last++
		g = &Group{Number: d.Last, Key: j.GroupKey, Started: now}
		d.Groups = append(d.Groups, g)
	}
	g.LastJoin = now
	// One that joins a group already posted learns its thread here.
	g.Members = append(g.Members, Member{Incident: j.Incident, Headline: j.Headline, Severity: j.Severity, State: j.State, At: j.At, Told: g.TS != ""})
	g.Stale = true
	return g.joined()
}

func (g *Group) joined() Joined {
	return Joined{Group: g.Number, Storm: g.Key == "", ThreadTS: g.TS}
}

// aloneWithin counts the pages let post alone within Window of now.
func (d *Desk) aloneWithin(now time.Time) int {
	n := 0
	for _, at := range d.Alone {
		if now.Sub(at) < Window {
			n++
		}
	}
	return n
}

// Member records a grouped incident's news; news of an incident in no
// group (a group forgotten) changes nothing.
func (d *Desk) Member(s MemberState) {
	for _, g := range d.Groups {
		for i := range g.Members {
			m := &g.Members[i]
			if m.Incident != s.Incident {
				continue
			}
			if m.State != s.State || m.ByChat != s.ByChat || m.By != s.By {
				m.State, m.ByChat, m.By = s.State, s.ByChat, s.By
				g.Stale = true
			}
			return
		}
	}
}

// Group returns the group numbered n.
func (d *Desk) Group(n int) (*Group, bool) {
	g := d.find(func(g *Group) bool { return g.Number == n })
	return g, g != nil
}

// Forget drops the groups that are done.
func (d *Desk) Forget() {
	d.Groups = slices.DeleteFunc(d.Groups, (*Group).Done)
}

func (d *Desk) memberOf(incident string) (*Group, bool) {
	g := d.find(func(g *Group) bool {
		return slices.ContainsFunc(g.Members, func(m Member) bool { return m.Incident == incident })
	})
	return g, g != nil
}

func (d *Desk) find(match func(*Group) bool) *Group {
	for _, g := range d.Groups {
		if match(g) {
			return g
		}
	}
	return nil
}

// MessageKey is the idempotency key of a group's message in the channel:
// its start tells it from a group of the same number before a desk was
// started afresh.
func (g *Group) MessageKey() string { return fmt.Sprintf("storm/%d/%d", g.Number, g.Started.Unix()) }
