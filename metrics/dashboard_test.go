package metrics

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The Grafana dashboard queries only series Baton or the SDK serves.
func TestTheDashboardQueriesServedSeries(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "deploy", "grafana", "baton-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}

	m := New()
	m.AlertReceived("generic", "data")
	m.Notified("sms", "twilio", Sent)
	m.PageLatency(time.Second)
	m.EscalationLateness(time.Second)
	m.SlackInteraction(time.Second)
	served := scrape(t, m)

	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/sdk").Output()
	if err != nil {
		t.Fatalf("go list the SDK: %v", err)
	}
	sdkNames, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "internal", "common", "metrics", "constants.go"))
	if err != nil {
		t.Fatal(err)
	}

	series := regexp.MustCompile(`\b(baton|temporal)_[a-z_]+`)
	queried := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			for _, name := range series.FindAllString(target.Expr, -1) {
				queried++
				if strings.HasPrefix(name, "baton_") {
					if !strings.Contains(served, "\n"+name) {
						t.Errorf("panel %q queries %s, which /metrics does not serve", p.Title, name)
					}
					continue
				}
				// The SDK's name, without the suffix the adapter adds.
				base := regexp.MustCompile(`(_total|_seconds_bucket)$`).ReplaceAllString(name, "")
				sdk := strings.TrimPrefix(base, "temporal_")
				if !strings.Contains(string(sdkNames), `"`+sdk+`"`) && !strings.Contains(string(sdkNames), `Prefix + "`+sdk+`"`) && !strings.Contains(string(sdkNames), `+ "_`+strings.TrimPrefix(sdk, "request_")+`"`) {
					t.Errorf("panel %q queries %s: the SDK has no metric %s", p.Title, name, base)
				}
			}
		}
	}
	if queried < 8 {
		t.Errorf("only %d series queried: is the dashboard empty?", queried)
	}
}
