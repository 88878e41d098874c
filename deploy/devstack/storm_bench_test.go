// Benchmarks of paging under load (issue #8), on the embedded server with
// a real gateway and worker, fakes of Slack and Twilio:
//
//	go test ./deploy/devstack -run '^$' -bench 'Storm|Paging|Flapping|Floor' -benchtime 1x
//
// BenchmarkStorm: 10,000 deliveries of 100 alerts (100 each, interleaved)
// for 10 teams, from 16 senders, through the generic webhook. It reports
// the pages (want exactly 100), the deliveries refused, how long after the
// last delivery was answered the last page landed, and the most Slack
// posts one alert cost (the page and its thread) once things settle.
//
// BenchmarkPaging: b.N alerts at 10 a second, one per team across 100
// teams (each its own channel and person, as Slack limits posts per
// channel and Baton phones per person), each with an SMS due 5 s after it
// fired. It reports webhook-to-page p50/p99 and the escalation's lateness
// (the SMS's arrival at Twilio minus its planned instant) p50/p99.
// BenchmarkIntake does the same with the alerts sent as fast as 16
// senders can, and reports alerts/s from the first POST to the last page,
// to set beside BenchmarkFloor's workflows/s.
//
// BenchmarkFlapping: one alert delivered 20,000 times from 8 senders; the
// incident continues as new at the server's suggestion (4,096 events). It
// reports deliveries/s, the runs, and the Slack posts the alert cost.

package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/internal/faketwilio"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/worker"
	"github.com/baton-oncall/baton/workflows"
)

// loadStack is a worker and gateway on the embedded server for `teams`
// teams t0, t1, ...: team i posts in channel C<i>, and its person p<i>
// alone holds the pager, with an SMS `smsAfter` after the page.
type loadStack struct {
	c      client.Client
	slack  *fakeslack.Server
	twilio *faketwilio.Server
	teams  *team.File
	// teamsYAML is the team file the teams were read from.
	teamsYAML string
	webhook   string
	hc        *http.Client
}

func newLoadStack(b *testing.B, teams int, smsAfter string) *loadStack {
	b.Helper()
	c := startBenchServer(b)
	s := newLoadFakes(b, c, teams, smsAfter)
	w, err := worker.Start(s.config(), c, s.teams, worker.Options{Out: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = w.Stop(context.Background()) })
	s.webhook = "http://" + w.GatewayAddr + "/webhooks/generic"
	return s
}

// newLoadFakes is a load stack without its worker: the fakes, the team
// file and the HTTP client of the senders.
func newLoadFakes(b *testing.B, c client.Client, teams int, smsAfter string) *loadStack {
	b.Helper()
	sl := fakeslack.New(b)
	tw := faketwilio.New(b)
	var yaml strings.Builder
	yaml.WriteString("teams:\n")
	for i := range teams {
		sl.AddChannel(fmt.Sprintf("C%d", i), fmt.Sprintf("team-%d", i), "")
		sl.AddUser(fmt.Sprintf("UP%d", i), fmt.Sprintf("p%d@example.com", i))
		sl.AddUserGroup(fmt.Sprintf("S%d", i), fmt.Sprintf("t%d-oncall", i), fmt.Sprintf("UP%d", i))
		fmt.Fprintf(&yaml, `  - name: t%[1]d
    timezone: Europe/Berlin
    slack: {channel: C%[1]d, user_group: S%[1]d}
    pager:
      rotation: {members: [p%[1]d], shift: 1w, start: "2026-01-05T09:00"}
    handover: {weekday: monday, time: "09:00"}
    people:
      - {id: p%[1]d, email: p%[1]d@example.com, phone: "+49151%07[1]d"}
    incidents:
      escalation:
        default: {steps: [{after: %[2]s, action: sms}]}
`, i, smsAfter)
	}
	tf, err := team.Parse([]byte(yaml.String()))
	if err != nil {
		b.Fatal(err)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: benchConcurrency}
	b.Cleanup(transport.CloseIdleConnections)
	return &loadStack{c: c, slack: sl, twilio: tw, teams: tf, teamsYAML: yaml.String(),
		hc: &http.Client{Transport: transport, Timeout: 30 * time.Second}}
}

// config is the worker's configuration on the stack's fakes.
func (s *loadStack) config() config.Config {
	return config.Config{
		SlackBotToken: fakeslack.Token, SlackAPIURL: s.slack.URL(),
		TwilioAccountSID: faketwilio.AccountSID, TwilioAuthToken: faketwilio.AuthToken,
		TwilioFromNumber: "+15005550006", TwilioAPIURL: s.twilio.URL(),
		WebhookToken: benchToken, HTTPAddr: "127.0.0.1:0",
	}
}

// deliver posts one firing alert; it returns the incident, or an error for
// an answer other than 202.
func (s *loadStack) deliver(teamName, key string) (string, error) {
	body, _ := json.Marshal(map[string]string{
		"team": teamName, "dedup_key": key, "summary": "load " + key, "severity": string(workflows.SeverityCritical),
	})
	req, err := http.NewRequest(http.MethodPost, s.webhook, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+benchToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var res struct{ Incidents []string }
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusAccepted || len(res.Incidents) != 1 {
		return "", fmt.Errorf("webhook: %s %+v %v", resp.Status, res, err)
	}
	return res.Incidents[0], nil
}

// posts counts, by incident, its pages (in the channel, or in a storm
// group's thread) and all its posts, from the keys Baton puts in each
// post's metadata.
func (s *loadStack) posts(teams int) (pages map[string]time.Time, all map[string]int) {
	pages, all = map[string]time.Time{}, map[string]int{}
	for i := range teams {
		for _, m := range s.slack.Messages(fmt.Sprintf("C%d", i)) {
			key, _ := m.MetadataPayload["key"].(string)
			id, _, _ := strings.Cut(key, "/")
			all[id]++
			if strings.HasSuffix(key, "/page") {
				pages[id] = slackTime(m.TS)
			}
		}
	}
	return pages, all
}

func (s *loadStack) terminate(ids []string) {
	fanOut(len(ids), benchConcurrency, func(i int) {
		_ = s.c.TerminateWorkflow(context.Background(), ids[i], "", "benchmark over")
	})
}

func BenchmarkStorm(b *testing.B) {
	const teams, alerts, deliveries = 10, 100, 10000
	for range b.N {
		s := newLoadStack(b, teams, "1h")
		run := strconv.FormatInt(time.Now().UnixNano(), 36)
		var refused atomic.Int64
		ids := make([]string, alerts)
		b.ResetTimer()
		start := time.Now()
		fanOut(deliveries, benchConcurrency, func(i int) {
			a := i % alerts
			id, err := s.deliver(fmt.Sprintf("t%d", a%teams), fmt.Sprintf("storm-%s-%d", run, a))
			if err != nil {
				refused.Add(1)
				return
			}
			ids[a] = id
		})
		lastDelivery := time.Now()
		deadline := lastDelivery.Add(benchWait)
		pages, _ := s.posts(teams)
		for len(pages) < alerts && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			pages, _ = s.posts(teams)
		}
		b.StopTimer()
		var lastPage time.Time
		for _, at := range pages {
			if at.After(lastPage) {
				lastPage = at
			}
		}
		// Let the threads settle before counting what each alert cost.
		time.Sleep(30 * time.Second)
		_, all := s.posts(teams)
		most := 0
		for _, n := range all {
			most = max(most, n)
		}
		b.ReportMetric(float64(len(pages)), "pages")
		b.ReportMetric(float64(refused.Load()), "refused")
		b.ReportMetric(float64(deliveries)/lastDelivery.Sub(start).Seconds(), "deliveries/s")
		b.ReportMetric(lastPage.Sub(lastDelivery).Seconds(), "last-page-after-last-delivery-s")
		b.ReportMetric(float64(most), "most-posts-per-alert")
		s.terminate(ids)
	}
}

func BenchmarkPaging(b *testing.B) { pageAlerts(b, 10) }

func BenchmarkIntake(b *testing.B) { pageAlerts(b, 0) }

// pageAlerts sends b.N alerts, one per team in turn across 100 teams, at
// perSecond a second, or as fast as benchConcurrency senders can when it
// is 0, and measures each from its POST to its page, and its SMS, due 5 s
// after it fired, against that instant.
func pageAlerts(b *testing.B, perSecond int) {
	const teams = 100
	s := newLoadStack(b, teams, "5s")
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	ids := make([]string, b.N)
	posted := make([]time.Time, b.N)
	send := func(i int) {
		posted[i] = time.Now()
		id, err := s.deliver(fmt.Sprintf("t%d", i%teams), fmt.Sprintf("paged-%s-%d", run, i))
		if err != nil {
			b.Error(err)
			return
		}
		ids[i] = id
	}
	b.ResetTimer()
	start := time.Now()
	if perSecond == 0 {
		fanOut(b.N, benchConcurrency, send)
	} else {
		tick := time.NewTicker(time.Second / time.Duration(perSecond))
		var sent sync.WaitGroup
		for i := range b.N {
			<-tick.C
			sent.Go(func() { send(i) })
		}
		tick.Stop()
		sent.Wait()
	}
	deadline := time.Now().Add(benchWait)
	pages, _ := s.posts(teams)
	for len(pages) < b.N && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		pages, _ = s.posts(teams)
	}
	var lastPage time.Time
	for _, at := range pages {
		if at.After(lastPage) {
			lastPage = at
		}
	}
	b.StopTimer()
	if b.Failed() {
		return
	}
	for len(s.twilio.Messages()) < b.N && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	lat := make([]time.Duration, 0, b.N)
	for i, id := range ids {
		if at, ok := pages[id]; ok {
			lat = append(lat, at.Sub(posted[i]))
		}
	}
	// Lateness: each SMS against its incident's planned instant, the
	// instant it began plus 5 s.
	sent := map[string]time.Time{}
	for _, m := range s.twilio.Messages() {
		sent[m.To] = m.DateCreated
	}
	var late []time.Duration
	for i, id := range ids {
		st, err := incidentclient.Status(context.Background(), s.c, id)
		if at, ok := sent[fmt.Sprintf("+49151%07d", i%teams)]; err == nil && ok {
			d := at.Sub(st.Summary.Triggered.Add(5 * time.Second))
			late = append(late, d)
			if d > time.Second {
				b.Logf("%s: its SMS went %s late", id, d)
			}
		}
	}
	b.ReportMetric(float64(b.N)/lastPage.Sub(start).Seconds(), "alerts/s")
	b.ReportMetric(float64(len(lat)), "pages")
	b.ReportMetric(ms(quantile(lat, 0.50)), "page-p50-ms")
	b.ReportMetric(ms(quantile(lat, 0.99)), "page-p99-ms")
	b.ReportMetric(ms(quantile(late, 0.50)), "sms-late-p50-ms")
	b.ReportMetric(ms(quantile(late, 0.99)), "sms-late-p99-ms")
	s.terminate(ids)
}

func BenchmarkFlapping(b *testing.B) {
	const deliveries = 20000
	for range b.N {
		s := newLoadStack(b, 1, "1h")
		tm, _ := s.teams.Team("t0")
		alert := workflows.Alert{Team: "t0", DedupKey: "flap-" + strconv.FormatInt(time.Now().UnixNano(), 36), Summary: "flapping",
			Severity: workflows.SeverityCritical, Source: workflows.SourceGeneric, Status: workflows.AlertFiring}
		var id atomic.Value
		b.ResetTimer()
		start := time.Now()
		fanOut(deliveries, 8, func(int) {
			got, err := incidentclient.Deliver(context.Background(), s.c, tm, alert)
			if err != nil {
				b.Error(err)
				return
			}
			id.Store(got)
		})
		elapsed := time.Since(start)
		incident, _ := id.Load().(string)
		deadline := time.Now().Add(benchWait)
		for time.Now().Before(deadline) {
			st, err := incidentclient.Status(context.Background(), s.c, incident)
			if err == nil && st.Summary.Deliveries == deliveries {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		b.StopTimer()
		runs, err := s.c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = %q", incident)})
		if err != nil {
			b.Fatal(err)
		}
		continued := 0
		for _, r := range runs.GetExecutions() {
			if r.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW {
				continued++
			}
		}
		_, all := s.posts(1)
		b.ReportMetric(float64(deliveries)/elapsed.Seconds(), "deliveries/s")
		b.ReportMetric(float64(continued), "continued-as-new")
		b.ReportMetric(float64(all[incident]), "slack-posts")
		s.terminate([]string{incident})
	}
}
