package team

import (
	"strings"
	"testing"
)

func TestGroupByNamesAnAlertsGroup(t *testing.T) {
	f, err := Parse([]byte(goodFile + "    incidents:\n      group_by: [alertname, cluster]\n"))
	if err != nil {
		t.Fatal(err)
	}
	tm := f.Teams[0]
	for _, tc := range []struct {
		name      string
		alertName string
		details   map[string]string
		want      string // "" for no group
	}{
		{"both labels", "DiskFull", map[string]string{"cluster": "eu-1", "host": "a"}, "alertname=DiskFull, cluster=eu-1"},
		{"another host, same group", "DiskFull", map[string]string{"cluster": "eu-1", "host": "b"}, "alertname=DiskFull, cluster=eu-1"},
		{"no cluster label", "DiskFull", map[string]string{"host": "a"}, ""},
		{"no alert name", "", map[string]string{"cluster": "eu-1"}, ""},
	} {
		got, ok := tm.GroupKey("warehouse", tc.alertName, tc.details)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: %q %v, want %q", tc.name, got, ok, tc.want)
		}
	}
	if _, ok := (Team{}).GroupKey("s", "a", nil); ok {
		t.Error("a team without group_by grouped an alert")
	}
}

func TestGroupByIsChecked(t *testing.T) {
	_, err := Parse([]byte(goodFile + "    incidents:\n      group_by: [alertname, \"\", alertname, a, b, c]\n"))
	if err == nil {
		t.Fatal("a bad group_by parsed")
	}
	for _, want := range []string{
		"incidents.group_by: names 6 labels; at most 5",
		"incidents.group_by: label 2 is empty",
		`incidents.group_by: names "alertname" twice`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}
}
