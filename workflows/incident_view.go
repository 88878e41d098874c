package workflows

import (
	"github.com/baton-oncall/baton/incidentview"
)

// view is the incident as the renderer needs it: typed facts, no markup.
func (inc *incident) view() incidentview.View {
	v := incidentview.View{
		ID: inc.id, Severity: string(inc.Alert.Severity), Summary: inc.Alert.Summary, Description: inc.Alert.Description,
		Service: inc.Alert.Service, Source: inc.Alert.Source, SourceURL: inc.Alert.SourceURL, RunbookURL: inc.Alert.RunbookURL,
		State: string(inc.State), Paged: inc.Summary.Paged, Group: inc.team.Slack.UserGroup,
		LookingUp: !inc.Responders.Known, Deliveries: inc.Summary.Deliveries, LastDelivery: inc.LastDelivery,
		Loc: inc.loc, ChannelName: inc.team.Slack.Channel, Drill: inc.drill(),
	}
	if s, ok := inc.team.Service(inc.Alert.Service); ok {
		if v.RunbookURL == "" {
			v.RunbookURL = s.Runbook
		}
		for _, d := range s.Downstream {
			v.Affects = append(v.Affects, incidentview.Affected{Name: d.Name, URL: d.URL})
		}
	}
	if h := inc.Silence; h.holds() {
		v.Silence = &incidentview.Silence{ID: h.ID, Until: h.Until, Note: h.Note}
	}
	for _, p := range inc.Responders.OnCall {
		v.OnCall = append(v.OnCall, incidentview.Person{Name: p.Label(), ChatID: inc.Responders.ChatIDs[p.ID]})
	}
	if inc.AckedBy != nil {
		v.AckedBy, v.AckedAt = inc.viewPerson(*inc.AckedBy), inc.Summary.Acknowledged
	}
	if inc.ResolvedBy != nil {
		v.ResolvedBy, v.ResolvedAt = inc.viewPerson(*inc.ResolvedBy), inc.Summary.Resolved
	} else if inc.State == StateResolved || inc.State == StateClosed {
		v.ResolvedBy, v.ResolvedAt = &incidentview.Person{Name: "the source"}, inc.Summary.Resolved
	}
	return v
}

// mention names the actor in the timeline and posts, as the view does:
// their chat user, else their name as text.
func (inc *incident) mention(a Actor) string {
	return inc.viewPerson(a).Mention()
}

func (inc *incident) viewPerson(a Actor) *incidentview.Person {
	name := a.Name
	if p, ok := inc.team.Person(a.Person); ok && name == "" {
		name = p.Label()
	}
	return &incidentview.Person{Name: name, ChatID: a.ChatID}
}
