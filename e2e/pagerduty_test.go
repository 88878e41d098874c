package e2e

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/internal/fakepagerduty"
	"github.com/baton-oncall/baton/worker"
	"github.com/baton-oncall/baton/workflows"
)

// A team whose pager is a PagerDuty schedule, through a real worker: the
// worker builds its PagerDuty client from PAGERDUTY_API_TOKEN and
// PAGERDUTY_API_URL, and the handover and the incident ask it who is on
// call.

const carolPhone = "+4915100000003"

// pagerDutyTeam: the schedule PDATA01 says who is on call; the team file
// only lists the people. lead backs every shift up at level 2 of the
// escalation policy, which must not put lead on call.
func pagerDutyTeam() string {
	return fmt.Sprintf(`
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: S0DATA}
    pager: {pagerduty_schedule: PDATA01}
    # No test page: the handover ends without waiting for an acceptance,
    # and the only SMS is the incident's.
    handover: {${data_handover}, test_page: none}
    people:
      - {id: alice, email: alice@example.com, phone: "%s"}
      - {id: bob, email: bob@example.com, phone: "%s"}
      - {id: carol, email: carol@example.com, phone: "%s"}
      - {id: lead, email: lead@example.com, phone: "%s"}
    incidents:
      escalation:
        default: {steps: [{after: 2s, action: sms}]}
`, alicePhone, bobPhone, carolPhone, leadPhone)
}

// newPagerDutyStack starts a worker whose PagerDuty is a fake, with the
// given token, and whose Slack knows alice, carol and zoe, a
// contractor the team file does not list.
func newPagerDutyStack(t *testing.T, token string) (*incidentStack, *fakepagerduty.Server) {
	t.Helper()
	pd := fakepagerduty.New(t)
	s := newIncidentStack(t, pagerDutyTeam(), func(s *incidentStack) {
		s.cfg.PagerDutyAPIToken, s.cfg.PagerDutyAPIURL = token, pd.URL()
	})
	for _, u := range []string{"carol", "zoe"} { // startHandover adds bob and lead
		s.slack.AddUser("U"+strings.ToUpper(u), u+"@example.com")
	}
	return s, pd
}

// weeks is the shift under way, the one before and the one after.
func weeks() (last, this, next fakepagerduty.Shift) {
	shift := dataShift()
	last = fakepagerduty.Shift{From: shift.AddDate(0, 0, -7), To: shift}
	this = fakepagerduty.Shift{From: shift, To: shift.AddDate(0, 0, 7)}
	next = fakepagerduty.Shift{From: shift.AddDate(0, 0, 7), To: shift.AddDate(0, 0, 14)}
	return last, this, next
}

func TestHandoverFromPagerDuty(t *testing.T) {
	s, pd := newPagerDutyStack(t, fakepagerduty.Token)
	last, this, next := weeks()
	last.Emails, this.Emails, next.Emails = []string{"alice@example.com"}, []string{"BOB@example.com"}, []string{"zoe@example.com"}
	backup := fakepagerduty.Shift{From: last.From, To: next.To, Emails: []string{"lead@example.com"}, Level: 2}
	pd.AddSchedule("PDATA01", last, backup, this, next)

	var res workflows.HandoverResult
	if err := s.startHandover(t).Get(context.Background(), &res); err != nil {
		t.Fatal(err)
	}
	// bob is in the team file (matched without regard to case), lead's
	// level 2 is a backup, and zoe, whom the file does not list, is still
	// found in Slack by her email.
	if res.Status != workflows.HandoverDone || !reflect.DeepEqual(res.Outgoing, []string{"alice"}) ||
		!reflect.DeepEqual(res.OnCall, []string{"bob"}) || !reflect.DeepEqual(res.Next, []string{"zoe@example.com"}) {
		t.Fatalf("handover: %+v", res)
	}
	if got := s.slack.GroupMembers("S0DATA"); !slices.Equal(got, []string{"UBOB"}) {
		t.Errorf("group = %v, want bob alone", got)
	}
	for _, want := range []string{"<@UALICE> hands the pager to <@UBOB>", "Next: <@UZOE>"} {
		if !s.channelHas(want) {
			t.Errorf("no post says %q: %+v", want, s.slack.Messages("C0DATA"))
		}
	}
	reqs := pd.Requests()
	if len(reqs) != 3 {
		t.Fatalf("PagerDuty asked %d times, want 3 (before, now, next)", len(reqs))
	}
	for _, q := range reqs {
		if q.Get("schedule_ids[]") != "PDATA01" || q.Get("include[]") != "users" {
			t.Errorf("PagerDuty asked %v", q)
		}
	}
	waitForVisibility(t, s.client, `WorkflowType = "Handover" AND BatonTeam = "data" AND BatonOnCall = "bob"`)
}

func TestPagerDutyTeamPagesWhomTheScheduleNames(t *testing.T) {
	s, pd := newPagerDutyStack(t, fakepagerduty.Token)
	_, this, next := weeks()
	this.Emails, next.Emails = []string{"carol@example.com"}, []string{"alice@example.com"}
	backup := fakepagerduty.Shift{From: this.From, To: next.To, Emails: []string{"lead@example.com"}, Level: 2}
	pd.AddSchedule("PDATA01", backup, this, next)

	id := s.fireAlertmanager(t, "fp-pagerduty")
	eventually(t, "the page naming carol", 20*time.Second, func() bool { p, _ := s.page(); return strings.Contains(p.Text, "<@UCAROL>") })
	eventually(t, "an SMS", 20*time.Second, func() bool { return len(s.twilio.Messages()) > 0 })
	if to := s.twilio.Messages()[0].To; to != carolPhone {
		t.Errorf("the SMS went to %s, want carol", to)
	}
	if p, _ := s.page(); strings.Contains(p.Text, "<@ULEAD>") {
		t.Errorf("the page names lead, PagerDuty's level-2 backup:\n%s", p.Text)
	}
	st := s.status(t, id)
	if len(st.Summary.OnCall) != 1 || st.Summary.OnCall[0] != "carol" || st.Failing["pager"] != "" {
		t.Errorf("status: on call %v, failing %v", st.Summary.OnCall, st.Failing)
	}
	if pd.Count() == 0 {
		t.Error("PagerDuty was never asked")
	}
}

func TestHandoverWithABadPagerDutyTokenFailsAtOnce(t *testing.T) {
	s, pd := newPagerDutyStack(t, "wrong-token")
	pd.AddSchedule("PDATA01")
	err := s.startHandover(t).Get(context.Background(), nil)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() {
		t.Fatalf("want a non-retryable failure, got %v", err)
	}
	for _, want := range []string{`team "data"`, `"PDATA01"`, "PAGERDUTY_API_TOKEN"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "wrong-token") {
		t.Errorf("error %q gives the token away", err)
	}
	if n := pd.Count(); n != 1 {
		t.Errorf("want one request, no retries, got %d", n)
	}
	if n := len(s.slack.Calls("usergroups.users.update")); n != 0 {
		t.Errorf("the group was touched: %d", n)
	}
}

func TestWorkerRefusesPagerDutyTeamWithoutToken(t *testing.T) {
	teams, err := parseTeams(t, pagerDutyTeam())
	if err != nil {
		t.Fatal(err)
	}
	_, err = worker.Start(config.Config{HTTPAddr: "127.0.0.1:0", TeamsFile: "teams.yaml"}, nil, teams, worker.Options{})
	if err == nil || !strings.Contains(err.Error(), `team "data"`) || !strings.Contains(err.Error(), "PAGERDUTY_API_TOKEN") {
		t.Fatalf("got %v", err)
	}
}
