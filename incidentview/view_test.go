package incidentview

import (
	"strings"
	"testing"
	"time"
)

func testView() View {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	return View{
		ID: "incident-data-fp1", Severity: "critical", Summary: "orders_daily DAG failed", Service: "airflow",
		Source: "alertmanager", SourceURL: "http://prometheus:9090/graph", RunbookURL: "https://wiki.example.com/rb",
		State: "triggered", Paged: true, Group: "S0DATA",
		OnCall:     []Person{{Name: "alice", ChatID: "UALICE"}, {Name: "bob"}},
		Deliveries: 3, LastDelivery: time.Date(2026, 11, 24, 14, 3, 0, 0, berlin), Loc: berlin, ChannelName: "#data-team",
	}
}

func TestTheSlackPageUsesMentionsAndLinks(t *testing.T) {
	got := testView().Slack()
	for _, want := range []string{
		":red_circle: *[CRITICAL] orders_daily DAG failed*",
		"<!subteam^S0DATA>: on call <@UALICE>, bob",
		"*Source:* <http://prometheus:9090/graph|alertmanager> · <https://wiki.example.com/rb|Runbook>",
		"Delivered 3 times, last at Tue 24 Nov 14:03 CET",
		"`incident-data-fp1`",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Slack page lacks %q:\n%s", want, got)
		}
	}
}

func TestThePlainPageHasNoMarkup(t *testing.T) {
	v := testView()
	v.Group = "data-oncall"
	got := v.Plain()
	for _, want := range []string{"[CRITICAL] orders_daily DAG failed", "@data-oncall: on call alice, bob", "Source: alertmanager (http://prometheus:9090/graph) · Runbook (https://wiki.example.com/rb)"} {
		if !strings.Contains(got, want) {
			t.Errorf("plain page lacks %q:\n%s", want, got)
		}
	}
	for _, markup := range []string{"<@", "<!", "*", "`", ":red_circle:"} {
		if strings.Contains(got, markup) {
			t.Errorf("plain page holds %q:\n%s", markup, got)
		}
	}
}

func TestThePageSaysWhileThePagerIsAsked(t *testing.T) {
	v := testView()
	v.OnCall, v.LookingUp = nil, true
	if got := v.Slack(); !strings.Contains(got, "on call (asking the pager)") {
		t.Errorf("%s", got)
	}
	v.LookingUp = false
	if got := v.Slack(); !strings.Contains(got, "on call nobody") {
		t.Errorf("%s", got)
	}
	v.State = "acknowledged"
	if got := v.Slack(); strings.Contains(got, "on call") {
		t.Errorf("an acknowledged page still tags the group:\n%s", got)
	}
}

func TestShortCode(t *testing.T) {
	a, b := ShortCode("incident-data-fp1"), ShortCode("incident-data-fp2")
	if len(a) != 3 || strings.ToUpper(a) != a || a != ShortCode("incident-data-fp1") || a == b {
		t.Errorf("codes %q and %q", a, b)
	}
}
