package gateway

// Tests of who may act from Slack, and from where (authz.go), over the
// helpers of handlers_test.go and commands_test.go: the team file of
// scTeams (data: alice by slack_id U0ALICE, bob by email only; platform:
// dana by slack_id U0DANA), a *mocks.Client with no expectation unless a
// test sets one, so that a refused request that reached Temporal panics.
//
// Identifiers here start with "az" so that they cannot collide with the
// package's other test files.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// azOwn is the bot's own workspace in these tests: the one scForm and
// scPress send from.
var azOwn = Workspace{TeamID: "T0TEAM"}

// azPress is a press of a button by user, made in workspace teamID, with
// edit applied to the payload.
func azPress(t *testing.T, actionID, value, responseURL, user, teamID string, edit ...func(map[string]any)) []byte {
	t.Helper()
	p := map[string]any{
		"type":         "block_actions",
		"team":         map[string]any{"id": teamID, "domain": "example"},
		"user":         map[string]any{"id": user, "username": "someone", "team_id": teamID},
		"enterprise":   nil,
		"api_app_id":   "A0BATON",
		"container":    map[string]any{"type": "message", "message_ts": "1796378400.000300", "channel_id": "C0DATA"},
		"channel":      map[string]any{"id": "C0DATA", "name": "data-team"},
		"trigger_id":   "1.2.3",
		"response_url": responseURL,
		"actions": []any{map[string]any{
			"action_id": actionID, "block_id": "incident", "type": "button", "value": value, "action_ts": "1796378411.123456",
		}},
	}
	for _, e := range edit {
		e(p)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return htSlackForm(b)
}

// azFixture is scGateway knowing its workspace, and finding bob, who has
// no slack_id, by email as U0BOB, over a response server of its own and a
// Temporal mock with no expectation unless a test sets one.
type azFixture struct {
	*htSlackFixture
	c *mocks.Client
	g *Gateway
	// lookups counts the look-ups in chat.
	lookups int
}

func newAZ(t *testing.T) *azFixture {
	t.Helper()
	z := &azFixture{htSlackFixture: newHTSlackFixture(t), c: &mocks.Client{}}
	z.g = z.scGateway(t, z.c, htSecret, scOnCall)
	z.g.opts.Workspace = func() (Workspace, bool) { return azOwn, true }
	var mu sync.Mutex
	z.g.opts.People = NewPeople(func(_ context.Context, people []team.Person) (map[string]string, error) {
		mu.Lock()
		defer mu.Unlock()
		z.lookups++
		out := map[string]string{}
		for _, p := range people {
			if p.Email == "bob@example.com" {
				out[p.ID] = "U0BOB"
			}
		}
		return out, nil
	})
	return z
}

// press serves user's press of actionID with value, made in azOwn, with
// edit applied to the payload.
func (z *azFixture) press(t *testing.T, actionID, value, user string, edit ...func(map[string]any)) *httptest.ResponseRecorder {
	t.Helper()
	return htServe(t, z.g, htSlackRequest(htSecret, scNow, azPress(t, actionID, value, z.responseURL(), user, azOwn.TeamID, edit...)))
}

// command serves /baton text typed by user, and returns the answer.
func (z *azFixture) command(t *testing.T, text, user string) scMessage {
	t.Helper()
	return scAnswer(t, htServe(t, z.g, scRequest(htSecret, scNow, scForm(text, z.responseURL(), func(v url.Values) { v.Set("user_id", user) }))))
}

// acks checks that user's press of Ack on the incident id acknowledges
// it as the person the gateway found (U0ALICE is alice), and says so.
func (z *azFixture) acks(t *testing.T, id, user string) {
	t.Helper()
	h := scUpdate(t, z.c, id, workflows.FromChat(workflows.ActionAck, user, strings.ToLower(strings.TrimPrefix(user, "U0"))), nil,
		workflows.ActionResult{State: workflows.StateAcknowledged, Message: "Acknowledged by <@" + user + "> via slack"}, nil)
	z.press(t, "incident.ack", id, user)
	if r := scReply(t, z.htSlackFixture); r.Text != "Acknowledged by <@"+user+"> via slack" {
		t.Errorf("%s on %s: reply %q", user, id, r.Text)
	}
	z.c.AssertExpectations(t)
	h.AssertExpectations(t)
}

// A stranger's press and /baton resolve are refused, say why, and reach
// no incident; a person of the team, by slack_id or by email, acts.
func TestOnlyPeopleOfTheTeamActOnItsIncidents(t *testing.T) {
	id := contract.IncidentWorkflowID("data", "orders_daily")
	const refusal = "Only people of team data may act on its incidents, and Baton's team file does not list you"

	t.Run("a stranger's press", func(t *testing.T) {
		z := newAZ(t)
		for _, action := range []string{"incident.ack", "incident.resolve", "incident.escalate", "incident.mitigate"} {
			if rec := z.press(t, action, id, "U0MALLORY"); rec.Code != http.StatusOK {
				t.Fatalf("%s: status %d", action, rec.Code)
			}
			if r := scReply(t, z.htSlackFixture); !strings.HasPrefix(r.Text, refusal) || !strings.HasSuffix(r.Text, "nothing changed.") {
				t.Errorf("%s: reply %q, want %q…", action, r.Text, refusal)
			}
		}
		htNoCalls(t, z.c)
	})
	t.Run("a stranger's /baton resolve and ack", func(t *testing.T) {
		z := newAZ(t)
		for _, text := range []string{"resolve " + id, "ack " + id} {
			if m := z.command(t, text, "U0MALLORY"); !strings.HasPrefix(m.Text, refusal) {
				t.Errorf("%s: answer %q, want %q…", text, m.Text, refusal)
			}
		}
		htNoCalls(t, z.c)
		scNoReplies(t, z.htSlackFixture)
	})
	t.Run("people of the team act", func(t *testing.T) {
		for _, user := range []string{"U0ALICE", "U0BOB"} {
			newAZ(t).acks(t, id, user)
		}
	})
	t.Run("a person of another team", func(t *testing.T) {
		z := newAZ(t)
		z.press(t, "incident.ack", id, "U0DANA")
		if r := scReply(t, z.htSlackFixture); !strings.HasPrefix(r.Text, refusal) {
			t.Errorf("reply %q, want %q…", r.Text, refusal)
		}
		htNoCalls(t, z.c)
	})
	t.Run("chat is asked again at most once a minute", func(t *testing.T) {
		z := newAZ(t)
		for range 3 {
			z.press(t, "incident.ack", id, "U0MALLORY")
			scReply(t, z.htSlackFixture)
		}
		if z.lookups != 1 {
			t.Errorf("data's people were looked up in chat %d times for three presses of a stranger, want 1", z.lookups)
		}
		htNoCalls(t, z.c)
	})
	t.Run("chat cannot be asked", func(t *testing.T) {
		z := newAZ(t)
		z.g.opts.People = NewPeople(func(context.Context, []team.Person) (map[string]string, error) {
			return nil, errors.New("slack is down")
		})
		z.press(t, "incident.ack", id, "U0BOB")
		if r := scReply(t, z.htSlackFixture); !strings.HasPrefix(r.Text, "Baton could not look you up in Slack") || !strings.Contains(r.Text, "Try again") {
			t.Errorf("reply %q, want one saying to try again", r.Text)
		}
		htNoCalls(t, z.c)
		// alice is known by slack_id: no look-up needed.
		z.acks(t, id, "U0ALICE")
	})
}

// A team with responders: all_teams takes actions from every team's
// people; a team without it does not.
func TestRespondersAllTeamsLetsAnotherTeamAct(t *testing.T) {
	yaml := strings.Replace(scTeamsYAML, "    handover: {weekday: monday, time: \"09:00\"}\n",
		"    handover: {weekday: monday, time: \"09:00\"}\n    incidents: {responders: all_teams}\n", 1)
	teams, err := team.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := teams.Team("data"); d.Incidents.Responders != team.RespondersAllTeams {
		t.Fatalf("the test's team file: data's responders %q", d.Incidents.Responders)
	}
	dataID := contract.IncidentWorkflowID("data", "orders_daily")
	platformID := contract.IncidentWorkflowID("platform", "api")

	z := newAZ(t)
	z.g.opts.Teams = teams
	z.acks(t, dataID, "U0DANA")

	// Platform keeps its incidents to its own people.
	z.press(t, "incident.ack", platformID, "U0ALICE")
	if r := scReply(t, z.htSlackFixture); !strings.HasPrefix(r.Text, "Only people of team platform may act on its incidents") {
		t.Errorf("alice on platform's incident: reply %q", r.Text)
	}
	// Someone of no team is still refused.
	z.press(t, "incident.ack", dataID, "U0MALLORY")
	if r := scReply(t, z.htSlackFixture); !strings.HasPrefix(r.Text, "Only people of Baton's teams may act on the incidents of data") {
		t.Errorf("a stranger on data's incident: reply %q", r.Text)
	}
	z.c.AssertExpectations(t)
}

// A press or an acting command from another workspace or organisation is
// refused, and so is one before Baton knows its own; who and help stay
// open while it does not.
func TestRequestsFromAnotherWorkspaceAreRefused(t *testing.T) {
	id := contract.IncidentWorkflowID("data", "orders_daily")
	for _, tc := range []struct {
		name string
		own  Workspace
		edit func(map[string]any)
	}{
		{"another workspace", azOwn, func(p map[string]any) {
			p["team"] = map[string]any{"id": "T0OTHER"}
			p["user"] = map[string]any{"id": "U0ALICE", "team_id": "T0OTHER"}
		}},
		{"a Slack Connect user of another workspace", azOwn, func(p map[string]any) {
			p["user"] = map[string]any{"id": "U0ALICE", "team_id": "T0OTHER"}
		}},
		{"another organisation", Workspace{TeamID: "T0TEAM", EnterpriseID: "E0OWN"}, func(p map[string]any) {
			p["enterprise"] = map[string]any{"id": "E0OTHER"}
		}},
		{"no workspace named", azOwn, func(p map[string]any) {
			delete(p, "team")
			p["user"] = map[string]any{"id": "U0ALICE"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := newAZ(t)
			z.g.opts.Workspace = func() (Workspace, bool) { return tc.own, true }
			if rec := z.press(t, "incident.ack", id, "U0ALICE", tc.edit); rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			if r := scReply(t, z.htSlackFixture); r.Text != refusedOtherWorkspace {
				t.Errorf("reply %q, want %q", r.Text, refusedOtherWorkspace)
			}
			htNoCalls(t, z.c)
		})
	}

	t.Run("a command from another workspace", func(t *testing.T) {
		z := newAZ(t)
		for _, text := range []string{"ack " + id, "page data disk full", "who", "help"} {
			m := scAnswer(t, htServe(t, z.g, scRequest(htSecret, scNow, scForm(text, z.responseURL(), func(v url.Values) { v.Set("team_id", "T0OTHER") }))))
			if m.Text != refusedOtherWorkspace {
				t.Errorf("%s: answer %q, want %q", text, m.Text, refusedOtherWorkspace)
			}
		}
		// The documented example comes from an Enterprise Grid
		// organisation: refused by a workspace outside Grid.
		cmd, err := ParseSlashCommand([]byte(scDocumentedExample))
		if err != nil {
			t.Fatal(err)
		}
		cmd.TeamID = azOwn.TeamID
		if got := z.g.dispatch(cmd)(context.Background()); got.Text != refusedOtherWorkspace {
			t.Errorf("a command of organisation E0001: answer %q", got.Text)
		}
		htNoCalls(t, z.c)
	})

	t.Run("before Baton knows its workspace", func(t *testing.T) {
		z := newAZ(t)
		z.g.opts.Workspace = func() (Workspace, bool) { return Workspace{}, false }
		z.press(t, "incident.ack", id, "U0ALICE")
		if r := scReply(t, z.htSlackFixture); r.Text != refusedWorkspaceUnknown || !strings.Contains(r.Text, "Try again") {
			t.Errorf("reply %q, want %q", r.Text, refusedWorkspaceUnknown)
		}
		if m := z.command(t, "resolve "+id, "U0ALICE"); m.Text != refusedWorkspaceUnknown {
			t.Errorf("/baton resolve: answer %q", m.Text)
		}
		if m := z.command(t, "help", "U0ALICE"); !strings.Contains(m.Text, "/baton who") {
			t.Errorf("/baton help: answer %q, want the usage", m.Text)
		}
		htNoCalls(t, z.c)
	})
}

// azQuota expects one page of key counted for user in the person's
// PageQuota workflow, started if need be, answered with getErr.
func azQuota(t *testing.T, c *mocks.Client, user, teamName, key string, getErr error) *mocks.WorkflowUpdateHandle {
	t.Helper()
	c.On("NewWithStartWorkflowOperation", mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == contract.PageQuotaWorkflowID(user) && o.TaskQueue == contract.TaskQueue &&
			o.WorkflowIDConflictPolicy == enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
	}), contract.PageQuotaWorkflowName, workflows.PageQuotaInput{}).Return(nil).Once()
	h := &mocks.WorkflowUpdateHandle{}
	h.On("Get", mock.Anything, mock.Anything).Return(getErr).Once()
	c.On("UpdateWithStartWorkflow", htCtxWithDeadline(), mock.MatchedBy(func(o client.UpdateWithStartWorkflowOptions) bool {
		u := o.UpdateOptions
		return u.UpdateName == contract.PageQuotaTakeUpdate && u.WaitForStage == client.WorkflowUpdateStageCompleted &&
			reflect.DeepEqual(u.Args, []any{workflows.TakePage{Key: key, Team: teamName}})
	})).Return(h, nil).Once()
	return h
}

// /baton page is for people of some team; a press over the person's quota
// says so, and pages nothing.
func TestBatonPageNeedsAPersonWithPagesLeft(t *testing.T) {
	t.Run("a stranger", func(t *testing.T) {
		z := newAZ(t)
		m := z.command(t, "page data disk full", "U0MALLORY")
		if !strings.HasPrefix(m.Text, "Only people of Baton's teams may page with /baton page") || len(m.Blocks) != 0 {
			t.Errorf("answer %q, want a refusal without buttons", m.Text)
		}
		// A press of a prompt made for someone else is refused too.
		value, _ := json.Marshal(pageValue{Team: "data", Summary: "disk full", By: "U0ALICE", Key: "slack-20261203T100000-abcdef"})
		z.press(t, "baton.page.critical", string(value), "U0MALLORY")
		if r := scReply(t, z.htSlackFixture); !strings.HasPrefix(r.Text, "Only people of Baton's teams may page") {
			t.Errorf("press: reply %q", r.Text)
		}
		htNoCalls(t, z.c)
	})
	t.Run("a person of another team pages data", func(t *testing.T) {
		z := newAZ(t)
		scButtons(t, z.command(t, "page data disk full", "U0DANA"))
		htNoCalls(t, z.c)
	})
	t.Run("over the quota", func(t *testing.T) {
		z := newAZ(t)
		const reason = "/baton page takes at most 5 pages an hour from one person, and you have declared 5 in the last hour: nothing was paged. The next is possible in 12 minutes"
		h := azQuota(t, z.c, "U0ALICE", "data", "slack-20261203T100000-abcdef", temporal.NewApplicationError(reason, ""))
		value, _ := json.Marshal(pageValue{Team: "data", Summary: "disk full", By: "U0ALICE", Key: "slack-20261203T100000-abcdef"})
		z.press(t, "baton.page.critical", string(value), "U0ALICE")
		if r := scReply(t, z.htSlackFixture); r.Text != reason || *r.ReplaceOriginal {
			t.Errorf("reply %q (replace_original %v), want the quota's reason, the buttons kept", r.Text, *r.ReplaceOriginal)
		}
		z.c.AssertExpectations(t) // and no SignalWithStartWorkflow: nothing paged
		h.AssertExpectations(t)
	})
}

// Cover and swap presses, and /baton cover, need a person of the team.
func TestRosterPressesNeedAPersonOfTheTeam(t *testing.T) {
	z := newAZ(t)
	const want = "Only people of team data may cover or swap its shifts"
	for _, action := range []string{contract.CoverTakeAction, contract.SwapAcceptAction, contract.SwapDeclineAction} {
		z.press(t, action, "data/c1", "U0DANA")
		if r := scReply(t, z.htSlackFixture); !strings.HasPrefix(r.Text, want) {
			t.Errorf("%s: reply %q, want %q…", action, r.Text, want)
		}
	}
	z.press(t, contract.CoverNeedAction, "data/1796378400/1796983200", "U0MALLORY")
	if r := scReply(t, z.htSlackFixture); !strings.HasPrefix(r.Text, want) {
		t.Errorf("Need cover: reply %q", r.Text)
	}
	if m := z.command(t, "cover 2026-12-08T18:00 2026-12-09T09:00", "U0MALLORY"); !strings.HasPrefix(m.Text, want) {
		t.Errorf("/baton cover: answer %q", m.Text)
	}
	htNoCalls(t, z.c)
}

// /baton why shows an incident's trail to the people of its team only: a
// stranger is refused without the incident being read; alice reads it,
// and what came from outside in it is escaped.
func TestOnlyPeopleOfTheTeamReadWhy(t *testing.T) {
	id := contract.IncidentWorkflowID("data", "orders_daily")
	t.Run("a stranger", func(t *testing.T) {
		z := newAZ(t)
		if m := z.command(t, "why "+id, "U0MALLORY"); !strings.HasPrefix(m.Text, "Only people of team data may act on its incidents") {
			t.Errorf("answer %q", m.Text)
		}
		htNoCalls(t, z.c)
	})
	t.Run("a person of the team", func(t *testing.T) {
		z := newAZ(t)
		st := workflows.IncidentStatus{
			WorkflowID: id, State: workflows.StateTriggered,
			Alert: workflows.Alert{Summary: "<!channel> orders late", Severity: workflows.SeverityHigh, Source: workflows.SourceAlertmanager},
			Why: &workflows.Why{TimeZone: "Europe/Berlin", OnCall: []string{"alice"}, Source: "the pager",
				Trail: workflows.Trail{Paging: "severity high pages", OnCall: "the pager: the team's rotation: alice's shift"}},
		}
		z.c.On("QueryWorkflow", mock.Anything, id, "", contract.IncidentStatusQuery).Return(ctValue{st}, nil).Once()
		m := z.command(t, "why `"+id+"`", "U0ALICE")
		if !strings.Contains(m.Text, "Why: severity high pages.\nOn call: alice, from the pager: the team's rotation: alice's shift.") ||
			!strings.Contains(m.Text, `"&lt;!channel&gt; orders late"`) || strings.Contains(m.Text, "<!channel>") {
			t.Errorf("answer:\n%s", m.Text)
		}
		z.c.AssertExpectations(t)
	})
}
