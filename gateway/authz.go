package gateway

// Who may act from Slack, and from where.
//
// A press or a command that changes something (acknowledge, escalate,
// mitigate, resolve and the other incident actions, /baton page, cover
// and swap presses, a handover's Accept) is taken only:
//
//   - from Baton's own Slack workspace and Enterprise Grid organisation,
//     as the bot's auth.test named them (Options.Workspace); and
//   - from a person of the team it acts for: its people, permanent
//     members included, or every team's people for the incidents of a
//     team that says incidents.responders: all_teams. A Slack user is a
//     person by the slack_id the team file gives, else by email through
//     chat (Options.People), the way the roster and the handover find
//     people (activities.ResolveChatUsers).
//
// Anyone else is told why, and nothing changes. /baton who and help
// change nothing and stay open to the workspace. The checks are the same
// over HTTP and Socket Mode: pressWork and dispatch make them.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/team"
)

// Workspace is the Slack workspace (team) and Enterprise Grid
// organisation Baton's bot belongs to, as Slack's auth.test names them.
type Workspace struct {
	TeamID string
	// EnterpriseID is empty outside Enterprise Grid.
	EnterpriseID string
	// BotUserID is Baton's own user: a reaction on its posts opens no
	// support request.
	BotUserID string
}

// slackOrigin is where a Slack request says it comes from: the workspaces
// it names (the one it was made in, and the user's own, which differ for a
// Slack Connect user), and the organisation.
type slackOrigin struct {
	teamIDs      []string
	enterpriseID string
}

func newOrigin(enterpriseID string, teamIDs ...string) slackOrigin {
	o := slackOrigin{enterpriseID: enterpriseID}
	for _, id := range teamIDs {
		if id != "" {
			o.teamIDs = append(o.teamIDs, id)
		}
	}
	return o
}

// admits reports whether a request from o comes from this workspace. An
// app installed across a whole Grid organisation gets the organisation's
// ID as its team ID from auth.test; it admits every workspace of the
// organisation.
func (ws Workspace) admits(o slackOrigin) bool {
	if o.enterpriseID != "" && o.enterpriseID != ws.EnterpriseID {
		return false
	}
	if ws.EnterpriseID != "" && ws.TeamID == ws.EnterpriseID {
		return o.enterpriseID == ws.EnterpriseID
	}
	if len(o.teamIDs) == 0 {
		return false
	}
	for _, id := range o.teamIDs {
		if id != ws.TeamID {
			return false
		}
	}
	return true
}

// The answers to a request refused for where it comes from.
const (
	refusedWorkspaceUnknown = "Baton does not know its own Slack workspace yet (Slack's auth.test has not answered it), " +
		"so it cannot tell where this came from: nothing changed. Try again in a minute."
	refusedOtherWorkspace = "Baton takes this only from its own Slack workspace, and this came from another workspace " +
		"or organisation: nothing changed."
)

// fromElsewhere says why a request from o is refused for where it comes
// from; "" when it may go on. Until Baton knows its workspace, requests
// that act are refused, and the others (who, help) go on.
func (g *Gateway) fromElsewhere(o slackOrigin, acting bool) string {
	if g.opts.Workspace == nil {
		return "" // no Slack workspace to compare: the console chat
	}
	ws, known := g.opts.Workspace()
	switch {
	case !known && acting:
		return refusedWorkspaceUnknown
	case !known:
		return ""
	case ws.admits(o):
		return ""
	}
	g.opts.Logger.Info("refused a Slack request from another workspace", "team_ids", o.teamIDs, "enterprise_id", o.enterpriseID)
	return refusedOtherWorkspace
}

// People finds which person of a team a chat user is: by the slack_id of
// the team file, else by the chat user that person's email finds, looked
// up through chat and kept. A chat user it does not know sends it to chat
// again, at most once a minute per team, so that a person just added to
// Slack is found and a stranger pressing away costs little.
type People struct {
	resolve func(ctx context.Context, people []team.Person) (map[string]string, error)

	mu    sync.Mutex
	teams map[string]*chatUsers
}

// chatUsers are a team's people found in chat: person ID -> chat user.
type chatUsers struct {
	ids   map[string]string
	asked time.Time
}

// peopleRefresh is how long a team's look-up in chat stands before a chat
// user it does not know sends it to chat again.
const peopleRefresh = time.Minute

// NewPeople returns People that look people up with resolve, which maps
// person IDs to chat users as activities.ResolveChatUsers does.
func NewPeople(resolve func(ctx context.Context, people []team.Person) (map[string]string, error)) *People {
	return &People{resolve: resolve, teams: map[string]*chatUsers{}}
}

// errCannotTell: chat could not be asked, and no slack_id matched.
var errCannotTell = errors.New("could not look the user up in chat")

// find returns the person of one of teams that chat user user is; ok
// false when nobody is. It errs (errCannotTell) only when chat could not
// be asked who some team's people are.
func (p *People) find(ctx context.Context, user string, teams []team.Team) (team.Person, bool, error) {
	if user == "" {
		return team.Person{}, false, nil
	}
	for _, t := range teams {
		for _, person := range t.People {
			if person.SlackID == user {
				return person, true, nil
			}
		}
	}
	if p == nil || p.resolve == nil {
		return team.Person{}, false, nil
	}
	var failed error
	for _, refresh := range []bool{false, true} {
		for _, t := range teams {
			ids, err := p.chatUsers(ctx, t, refresh)
			if err != nil {
				failed = err
				continue
			}
			for id, chatID := range ids {
				if chatID == user {
					if person, ok := t.Person(id); ok {
						return person, true, nil
					}
				}
			}
		}
	}
	if failed != nil {
		return team.Person{}, false, fmt.Errorf("%w: %w", errCannotTell, failed)
	}
	return team.Person{}, false, nil
}

// chatUsers returns a team's people in chat: as last looked up, or looked
// up now when never done, or when refresh asks it and the last look-up is
// over peopleRefresh old. Only people without a slack_id are looked up.
func (p *People) chatUsers(ctx context.Context, t team.Team, refresh bool) (map[string]string, error) {
	p.mu.Lock()
	known := p.teams[t.Name]
	if known != nil && (!refresh || time.Since(known.asked) < peopleRefresh) {
		p.mu.Unlock()
		return known.ids, nil
	}
	var ask []team.Person
	for _, person := range t.People {
		if person.SlackID == "" && person.Email != "" {
			ask = append(ask, person)
		}
	}
	if len(ask) == 0 {
		known = &chatUsers{ids: map[string]string{}, asked: time.Now()}
		p.teams[t.Name] = known
		p.mu.Unlock()
		return known.ids, nil
	}
	p.mu.Unlock()
	ids, err := p.resolve(ctx, ask)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.teams[t.Name] = &chatUsers{ids: ids, asked: time.Now()}
	return ids, nil
}

// isPerson says why user may not act as a person of teams, for doing
// what; "" when they may. who names the people allowed, for the answer.
func (g *Gateway) isPerson(ctx context.Context, user string, teams []team.Team, who, what string) string {
	_, why := g.personOf(ctx, user, teams, who, what)
	return why
}

// personOf is the person of teams that user is, or why they are none, as
// isPerson says it.
func (g *Gateway) personOf(ctx context.Context, user string, teams []team.Team, who, what string) (team.Person, string) {
	p, ok, err := g.opts.People.find(ctx, user, teams)
	switch {
	case ok:
		return p, ""
	case err != nil:
		g.opts.Logger.Warn("could not look a Slack user up in chat", "user", user, "error", err)
		return p, fmt.Sprintf("Baton could not look you up in Slack to check that you are one of %s: nothing changed. Try again.", who)
	}
	return p, fmt.Sprintf("Only %s may %s, and Baton's team file does not list you (by slack_id, or by your Slack email): nothing changed.", who, what)
}

// mayActOnIncident is the person user is, who may act on the incident id,
// or why they may not: they must be a person of its team, or of any team
// when the team takes responders from all teams.
func (g *Gateway) mayActOnIncident(ctx context.Context, user, id string) (person, why string) {
	name, err := incidentclient.TeamOf(ctx, g.opts.Temporal, id)
	switch {
	case errors.Is(err, contract.ErrNotIncidentID):
		return "", "no such incident: " + escapeMrkdwn(id)
	case err != nil:
		return "", "Baton could not reach the incident to check who may act on it: nothing changed. Try again."
	}
	return g.mayActOnTeam(ctx, user, name)
}

// mayActOnTeam is the person user is, who may act on the incidents of
// team name, or why they may not (see mayActOnIncident).
func (g *Gateway) mayActOnTeam(ctx context.Context, user, name string) (person, why string) {
	t, ok := g.teams().Team(name)
	if !ok {
		return "", fmt.Sprintf("The incident's team %q is not in Baton's team file: nobody may act on it from Slack. Use the starter.", name)
	}
	teams, who, what := []team.Team{t}, "people of team "+t.Name, "act on its incidents"
	if t.Incidents.Responders == team.RespondersAllTeams {
		teams, who, what = g.teams().Teams, "people of Baton's teams", "act on the incidents of "+t.Name
	}
	p, why := g.personOf(ctx, user, teams, who, what)
	return p.ID, why
}
