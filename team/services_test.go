package team

import (
	"slices"
	"strings"
	"testing"
)

// servicesFile is goodFile with a stakeholder channel, services and the
// status page's setting.
var servicesFile = strings.Replace(goodFile, "      user_group: data-oncall\n", "      user_group: data-oncall\n      stakeholder_channel: \"#data-news\"\n", 1) + `    status_page: {show_on_call: true}
    services:
      - name: orders
        description: Orders loaded hourly from the shop
        runbook: https://wiki.example.com/orders
        downstream:
          - {name: Revenue dashboard, url: "https://bi.example.com/d/revenue"}
          - {name: finance, stakeholder_channel: "#finance-data"}
          - {name: ops, stakeholder_channel: "#data-news"}
      - name: events
`

func TestServicesAndTheirStakeholders(t *testing.T) {
	f, err := Parse([]byte(servicesFile))
	if err != nil {
		t.Fatal(err)
	}
	tm := f.Teams[0]
	if s, ok := tm.Service("orders"); !ok || len(s.Downstream) != 3 || s.Downstream[0].URL != "https://bi.example.com/d/revenue" {
		t.Errorf("orders: %+v %v", s, ok)
	}
	if !tm.StatusPage.ShowOnCall {
		t.Error("status_page.show_on_call was not read")
	}
	if got, want := tm.StakeholderChannels("orders"), []string{"#data-news", "#finance-data"}; !slices.Equal(got, want) {
		t.Errorf("stakeholders of orders %q, want %q: the team's own first, each once", got, want)
	}
	if got := tm.StakeholderChannels("events"); !slices.Equal(got, []string{"#data-news"}) {
		t.Errorf("stakeholders of a service with nothing downstream %q", got)
	}
	if got := tm.StakeholderChannels("billing"); !slices.Equal(got, []string{"#data-news"}) {
		t.Errorf("stakeholders of a service the file does not list %q", got)
	}
	if _, ok := tm.Service(""); ok {
		t.Error("an alert without a service found one")
	}
}

func TestServicesAreChecked(t *testing.T) {
	base := servicesFile
	for name, c := range map[string]struct{ from, to, want string }{
		"a nameless service":    {"      - name: events\n", "      - description: x\n", "services[1].name: missing"},
		"a service twice":       {"      - name: events\n", "      - name: orders\n", `services[1].name: "orders" is listed twice`},
		"a relative runbook":    {"https://wiki.example.com/orders", "wiki/orders", `services[0].runbook: "wiki/orders" is not an absolute URL`},
		"a nameless downstream": {"{name: Revenue dashboard, ", "{", "services[0].downstream[0].name: missing"},
		"a bad downstream url":  {"https://bi.example.com/d/revenue", "bi/revenue", `services[0].downstream[0].url: "bi/revenue" is not an absolute URL`},
		"an unknown key":        {"        description:", "        descripton:", `unknown field "descripton"`},
	} {
		_, err := Parse([]byte(strings.Replace(base, c.from, c.to, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
}
