package statuspage

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed page.html
var pageHTML string

// page is the HTML page: server-rendered, readable on a phone, and with no
// script. html/template escapes every text from outside (a headline, a
// service's description) for where it appears.
var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"label":  label,
	"banner": banner,
	"join":   func(names []string) string { return strings.Join(names, ", ") },
	"plural": plural,
	"oldest": func(h History) string { return plural(len(h.Days)-1, "day") + " ago" },
	"barLabel": func(h History) string {
		var down, degraded int
		for _, d := range h.Days {
			switch d.Status {
			case Down:
				down++
			case Degraded:
				degraded++
			}
		}
		return fmt.Sprintf("Last %d days: %s, %s down, %s degraded", len(h.Days),
			plural(h.Incidents, "incident"), plural(down, "day"), plural(degraded, "day"))
	},
}).Parse(pageHTML))

// label is a status as its pill says it.
func label(s Status) string {
	switch s {
	case Down:
		return "Down"
	case Degraded:
		return "Degraded"
	}
	return "Operational"
}

// banner is the page's status in a sentence.
func banner(s Status) string {
	switch s {
	case Down:
		return "Some services are down"
	case Degraded:
		return "Some services are degraded"
	}
	return "All services are operational"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// HTML writes the page. Its title and the time it was made say which page
// it is: a team's, in the team's zone, or every team's, in UTC.
func (p Page) HTML(w io.Writer) error {
	title, updated := "Status", p.GeneratedAt.UTC().Format("2 Jan 2006 15:04:05 MST")
	if len(p.Teams) == 1 {
		title = "Status: " + p.Teams[0].Name
		if loc, err := time.LoadLocation(p.Teams[0].TimeZone); err == nil {
			updated = p.GeneratedAt.In(loc).Format("2 Jan 2006 15:04:05 MST")
		}
	}
	return page.Execute(w, struct {
		Title, Updated string
		Page           Page
	}{title, updated, p})
}

// JSON is the page as JSON, for dashboards: the shape of Page.
func (p Page) JSON() ([]byte, error) {
	return json.MarshalIndent(p, "", "  ")
}
