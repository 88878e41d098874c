package team

import (
	"fmt"
	"slices"
	"strings"
)

// Service is one of the team's services or data assets, with what depends
// on it downstream: an incident for the service names its downstream on
// its page and tells each downstream stakeholder channel, and the status
// page lists it.
type Service struct {
	// Name matches the alerts' service (their BatonService).
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Runbook is shown on the page of an incident for the service whose
	// alert names no runbook of its own.
	Runbook    string       `yaml:"runbook,omitempty" json:"runbook,omitempty"`
	Downstream []Downstream `yaml:"downstream,omitempty" json:"downstream,omitempty"`
}

// Downstream is what an incident of a service affects: a dashboard, a data
// asset, a team. A stakeholder channel, when set, is told when such an
// incident opens and when it resolves.
type Downstream struct {
	Name               string `yaml:"name" json:"name"`
	URL                string `yaml:"url,omitempty" json:"url,omitempty"`
	StakeholderChannel string `yaml:"stakeholder_channel,omitempty" json:"stakeholder_channel,omitempty"`
}

// StatusPage is what the team shows on the gateway's status page.
type StatusPage struct {
	// ShowOnCall names who is on call on the team's status page; off by
	// default, since the page may be read outside the team.
	ShowOnCall bool `yaml:"show_on_call,omitempty" json:"show_on_call,omitempty"`
}

// Bounds on services, as the page and the status page show them.
const (
	maxServices   = 100
	maxDownstream = 20
)

// Service returns the team's service of that name.
func (t Team) Service(name string) (Service, bool) {
	i := slices.IndexFunc(t.Services, func(s Service) bool { return s.Name == name })
	if name == "" || i < 0 {
		return Service{}, false
	}
	return t.Services[i], true
}

// StakeholderChannels are the channels to tell of an incident of the
// service: the team's own stakeholder channel, then each downstream's,
// once each, in file order.
func (t Team) StakeholderChannels(service string) []string {
	var out []string
	add := func(ch string) {
		if ch != "" && !slices.Contains(out, ch) {
			out = append(out, ch)
		}
	}
	add(t.Slack.StakeholderChannel)
	if s, ok := t.Service(service); ok {
		for _, d := range s.Downstream {
			add(d.StakeholderChannel)
		}
	}
	return out
}

// validateServices checks services; bad reports a problem.
func (t Team) validateServices(bad func(field, format string, args ...any)) {
	if len(t.Services) > maxServices {
		bad("services", "lists %d services; at most %d", len(t.Services), maxServices)
	}
	for i, s := range t.Services {
		field := fmt.Sprintf("services[%d]", i)
		switch {
		case strings.TrimSpace(s.Name) == "":
			bad(field+".name", "missing (the service as alerts name it, such as orders)")
		case slices.IndexFunc(t.Services, func(o Service) bool { return o.Name == s.Name }) != i:
			bad(field+".name", "%q is listed twice", s.Name)
		}
		if s.Runbook != "" && !absoluteURL(s.Runbook) {
			bad(field+".runbook", "%q is not an absolute URL", s.Runbook)
		}
		if len(s.Downstream) > maxDownstream {
			bad(field+".downstream", "lists %d; at most %d", len(s.Downstream), maxDownstream)
		}
		for j, d := range s.Downstream {
			df := fmt.Sprintf("%s.downstream[%d]", field, j)
			if strings.TrimSpace(d.Name) == "" {
				bad(df+".name", "missing (what is affected, such as Revenue dashboard)")
			}
			if d.URL != "" && !absoluteURL(d.URL) {
				bad(df+".url", "%q is not an absolute URL", d.URL)
			}
		}
	}
}
