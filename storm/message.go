package storm

import (
	"fmt"
	"strings"
	"time"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
)

// listMost bounds the alerts a group's message lists, and headlineMost
// each one's headline, so that the message stays well within Slack's
// limits (50 blocks, 40,000 characters) however many alerts come: the
// rest are counted, and each alert's page is in the thread.
const (
	listMost     = 60
	headlineMost = 150
)

var stateMark = map[string]string{
	contract.StateTriggered:    ":red_circle:",
	contract.StateHeld:         ":white_circle:",
	contract.StateAcknowledged: ":large_yellow_circle:",
	contract.StateMitigated:    ":large_blue_circle:",
	contract.StateResolved:     ":large_green_circle:",
	contract.StateClosed:       ":large_green_circle:",
}

// Text is the group's message in mrkdwn, its alerts' text escaped; loc is
// the team's zone. Open alerts come first, in the order they came.
func (g *Group) Text(team string, loc *time.Location) string {
	var b strings.Builder
	waiting := 0
	for _, m := range g.Members {
		if m.State == contract.StateTriggered {
			waiting++
		}
	}
	what := fmt.Sprintf("*Storm: %d alerts for team %s since %s*", len(g.Members), mrkdwn.Line(team), g.Started.In(loc).Format("15:04:05"))
	if g.Key != "" {
		what = fmt.Sprintf("*%d alerts of %s for team %s*", len(g.Members), mrkdwn.Line(g.Key), mrkdwn.Line(team))
	}
	fmt.Fprintf(&b, ":rotating_light: %s, %d not acknowledged. Each is its own incident, paged and escalated as usual; its page and buttons are in this thread.\n", what, waiting)
	listed := 0
	for _, pass := range []bool{true, false} {
		for _, m := range g.Members {
			if m.Open() != pass || listed == listMost {
				continue
			}
			listed++
			fmt.Fprintf(&b, "%s %s %s", stateMark[m.State], mrkdwn.Code(m.Severity), mrkdwn.Cut(mrkdwn.Line(m.Headline), headlineMost, "…"))
			if m.State != contract.StateTriggered {
				fmt.Fprintf(&b, " (%s", mrkdwn.Line(m.State))
				if who := m.by(); who != "" {
					b.WriteString(" by " + who)
				}
				b.WriteString(")")
			}
			b.WriteString("\n")
		}
	}
	if rest := len(g.Members) - listed; rest > 0 {
		fmt.Fprintf(&b, "…and %d more, each in the thread.\n", rest)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (m Member) by() string {
	if m.ByChat != "" {
		return mrkdwn.User(m.ByChat)
	}
	return mrkdwn.Line(m.By)
}

// AnyTriggered reports whether a member waits for an acknowledgement.
func (g *Group) AnyTriggered() bool {
	for _, m := range g.Members {
		if m.State == contract.StateTriggered {
			return true
		}
	}
	return false
}

// Buttons are the group's message's: Acknowledge all while a member waits
// for one.
func (g *Group) Buttons(team string) []chat.Button {
	if !g.AnyTriggered() {
		return nil
	}
	return []chat.Button{{
		ActionID: contract.StormAckAllAction, Text: "Acknowledge all", Style: "primary",
		Value: contract.StormGroupValue(team, g.Number),
	}}
}
