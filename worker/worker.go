// Package worker assembles Baton's worker: vendor clients chosen by which
// credentials are set, the Temporal worker with every workflow and activity
// registered, and the HTTP gateway. The worker binary and the dev stack both
// run it.
package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/activities/chat/slack"
	"github.com/baton-oncall/baton/activities/checks/pgsql"
	"github.com/baton-oncall/baton/activities/pager/opsgenie"
	"github.com/baton-oncall/baton/activities/pager/pagerduty"
	"github.com/baton-oncall/baton/activities/phone"
	"github.com/baton-oncall/baton/activities/phone/twilio"
	"github.com/baton-oncall/baton/activities/tickets"
	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/gateway"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/metrics"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// Worker is a running worker and gateway.
type Worker struct {
	temporal sdkworker.Worker
	// phone polls PhoneTaskQueue: the escalation's SMS and calls.
	phone  sdkworker.Worker
	http   *http.Server
	served chan error
	// metrics serves /metrics and the probes on BATON_METRICS_ADDR, when
	// set; metricsServed says it has stopped.
	metrics       *http.Server
	metricsServed chan error
	// socketStop ends Socket Mode, when it runs; socketDone says it has.
	socketStop context.CancelFunc
	socketDone chan error
	// workspaceStop ends the retries of auth.test, when they run.
	workspaceStop context.CancelFunc
	// syncStop ends the sync of the heartbeat monitors and the checks'
	// schedules with the team file, when it runs, and waits for it.
	syncStop func()
	// GatewayAddr is where the gateway listens (host:port).
	GatewayAddr string
	// MetricsAddr is where /metrics and the probes listen apart from the
	// gateway (host:port); "" when they share the gateway's port.
	MetricsAddr string
	// Chat, Pager, Phone and Tickets say which providers run: "slack" or
	// "console"; "opsgenie" or "team file"; "twilio" or "console"; "jira"
	// or "console".
	Chat, Pager, Phone, Tickets string
	// Answers says how a person answers an SMS or a call.
	Answers string
	// Role is what this process runs (RoleAll, RoleWorker, RoleGateway).
	Role string
}

// Roles: one process may run the Temporal worker, the HTTP gateway, or
// both, so that the gateway can scale apart from the worker.
const (
	RoleAll     = "all"
	RoleWorker  = "worker"
	RoleGateway = "gateway"
)

// Options are what a worker needs besides its settings.
type Options struct {
	// Role is RoleAll (the default), RoleWorker or RoleGateway. Every role
	// serves /livez, /readyz and /metrics on BATON_HTTP_ADDR, or /metrics
	// and the probes on BATON_METRICS_ADDR when it is set.
	Role string
	// Metrics, if set, is served at /metrics and fed by the activities and
	// the gateway; give its SDKHandler to the Temporal client too.
	Metrics *metrics.Metrics
	// Out is where the stand-ins for Slack, Twilio and Jira print when
	// their credentials are not set.
	Out io.Writer
	// ChatState, if set, is a file that keeps the console chat's memory
	// across restarts.
	ChatState string
	// PhoneToken, if set while Twilio is not, lets the console phone be
	// answered: the gateway takes replies and key presses signed with it,
	// as Twilio signs them, over its own address, and the console prints
	// the starter command that sends one (starter phone).
	PhoneToken string
}

// Start checks that the team file's needs are met by the settings, then
// starts the Temporal worker and the gateway.
func Start(cfg config.Config, c client.Client, teams *team.File, local Options) (*Worker, error) {
	switch local.Role {
	case "":
		local.Role = RoleAll
	case RoleAll, RoleWorker, RoleGateway:
	default:
		return nil, fmt.Errorf("role %q: want all, worker or gateway", local.Role)
	}
	acts := &activities.Activities{Temporal: c, Namespace: cfg.TemporalNamespace, UIURL: cfg.TemporalUIURL, Metrics: local.Metrics, Teams: teams,
		SQL: pgsql.PgSQL{}, Retriers: retrierFor}
	w := &Worker{Chat: "console", Pager: "team file", Phone: "console", Tickets: "console", served: make(chan error, 1),
		Answers: "in Slack or with the starter (set BATON_PUBLIC_URL to answer SMS and calls from the phone)"}

	if cfg.OpsgenieAPIKey != "" {
		og, err := opsgenie.NewOpsgenie(cfg.OpsgenieAPIKey, cfg.OpsgenieAPIURL)
		if err != nil {
			return nil, err
		}
		acts.Opsgenie, acts.Alerts = og, og
		w.Pager = "opsgenie"
	} else if err := scheduleWithoutKey(teams, cfg.TeamsFile, "Opsgenie", "OPSGENIE_API_KEY", func(p team.Pager) string { return p.OpsgenieSchedule }); err != nil {
		return nil, err
	}
	if cfg.PagerDutyAPIToken != "" {
		acts.PagerDuty = pagerduty.NewPagerDuty(cfg.PagerDutyAPIToken, cfg.PagerDutyAPIURL)
		if w.Pager == "opsgenie" {
			w.Pager = "opsgenie, pagerduty"
		} else {
			w.Pager = "pagerduty"
		}
	} else if err := scheduleWithoutKey(teams, cfg.TeamsFile, "PagerDuty", "PAGERDUTY_API_TOKEN", func(p team.Pager) string { return p.PagerDutySchedule }); err != nil {
		return nil, err
	}
	if cfg.SlackBotToken != "" {
		acts.Chat = slack.NewSlack(cfg.SlackBotToken, cfg.SlackAPIURL)
		w.Chat = "slack"
	} else {
		console, err := chat.NewConsole(local.Out, local.ChatState)
		if err != nil {
			return nil, err
		}
		acts.Chat = console
	}
	// The console's lines are keyed by a fixed secret: its numbers ring
	// nobody. Twilio's auth token is a secret every worker of a
	// deployment shares.
	acts.Lines = activities.TemporalLines{Client: c, Secret: []byte("baton console phone")}
	if cfg.TwilioAccountSID != "" {
		acts.Lines = activities.TemporalLines{Client: c, Secret: []byte(cfg.TwilioAuthToken)}
		acts.Phone = twilio.NewTwilio(cfg.TwilioAccountSID, cfg.TwilioAuthToken, cfg.TwilioFromNumber, cfg.TwilioAPIURL, nil)
		acts.PublicURL = cfg.PublicURL
		w.Phone = "twilio"
		if cfg.PublicURL != "" {
			w.Answers = "by SMS reply and by key, through " + cfg.PublicURL + "/twilio/sms and /twilio/voice"
		}
	}
	if cfg.JiraURL != "" {
		acts.Tickets = tickets.NewJira(cfg.JiraURL, cfg.JiraUser, cfg.JiraAPIToken, nil)
		w.Tickets = "jira"
	} else {
		acts.Tickets = tickets.NewConsole(local.Out)
	}

	var teamTokens map[string]string
	if local.Role != RoleWorker {
		var err error
		if teamTokens, err = cfg.TeamWebhookTokens(teams, os.LookupEnv); err != nil {
			return nil, err
		}
	}
	var metricsListener net.Listener
	if cfg.MetricsAddr != "" {
		ml, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return nil, fmt.Errorf("metrics: BATON_METRICS_ADDR=%s: %w", cfg.MetricsAddr, err)
		}
		metricsListener, w.MetricsAddr = ml, ml.Addr().String()
	}
	l, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		if metricsListener != nil {
			metricsListener.Close()
		}
		return nil, fmt.Errorf("gateway: BATON_HTTP_ADDR=%s: %w", cfg.HTTPAddr, err)
	}
	w.GatewayAddr = l.Addr().String()
	twilioToken, publicURL := cfg.TwilioAuthToken, cfg.PublicURL
	if cfg.TwilioAccountSID == "" {
		var answer phone.LocalAnswer
		if local.PhoneToken != "" {
			twilioToken, publicURL = local.PhoneToken, "http://"+w.GatewayAddr
			acts.PublicURL = publicURL
			answer = localAnswer(teams)
			w.Answers = "in Slack, with the starter, or from the console phone: each SMS and call shows the starter phone command that answers it"
		}
		acts.Phone = phone.NewConsole(local.Out, answer)
	}

	acts.ChatProvider, acts.PhoneProvider = w.Chat, w.Phone
	w.Role = local.Role

	if local.Role != RoleGateway {
		if cfg.WorkflowCache > 0 {
			// The cache is the process's, sized when its first worker
			// starts: a size set while a worker runs waits for them all
			// to stop.
			sdkworker.SetStickyWorkflowCacheSize(int(cfg.WorkflowCache))
		}
		opts := sdkworker.Options{
			MaxConcurrentWorkflowTaskPollers: int(cfg.WorkflowPollers),
			MaxConcurrentActivityTaskPollers: int(cfg.ActivityPollers),
			StickyScheduleToStartTimeout:     time.Duration(cfg.StickyWait),
		}
		if cfg.PhoneHeartbeat > 0 {
			opts.Interceptors = []interceptor.WorkerInterceptor{&phoneHeartbeats{timeout: time.Duration(cfg.PhoneHeartbeat)}}
		}
		w.temporal = sdkworker.New(c, contract.TaskQueue, opts)
		workflows.Register(w.temporal, acts)
		incidentclient.Deliverer{Client: c}.Register(w.temporal)
		w.phone = sdkworker.New(c, contract.PhoneTaskQueue, opts)
		workflows.RegisterPhone(w.phone, acts)
		for _, tw := range []sdkworker.Worker{w.temporal, w.phone} {
			if err := tw.Start(); err != nil {
				w.stopWorkers()
				l.Close()
				if metricsListener != nil {
					metricsListener.Close()
				}
				return nil, fmt.Errorf("start the Temporal worker: %w", err)
			}
		}
		w.syncTeamFile(c, teams)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", livez)
	mux.Handle("GET /readyz", readyz(c))
	// /metrics tells how busy Baton is and who pages: on an internal
	// address of its own when one is set, not beside the public routes.
	internal := mux
	if metricsListener != nil {
		internal = http.NewServeMux()
		internal.HandleFunc("GET /livez", livez)
		internal.Handle("GET /readyz", readyz(c))
	}
	internal.Handle("GET /metrics", local.Metrics.Handler())
	if local.Role != RoleWorker {
		gw := gateway.New(gateway.Options{
			Temporal: c, Teams: teams,
			TeamWebhookTokens: teamTokens,
			WebhookToken:      cfg.WebhookToken, SlackSigningSecret: cfg.SlackSigningSecret,
			ResponseURLPrefixes: responseURLPrefixes(cfg.SlackAPIURL),
			TwilioAuthToken:     twilioToken, PublicURL: publicURL,
			Metrics: local.Metrics, OnCall: onCall(acts), CalendarToken: cfg.CalendarToken, StatusToken: cfg.StatusToken,
			Workspace: w.gatewayWorkspace(acts.Chat), People: chatPeople(acts), ChannelID: channelIDs(acts.Chat),
		})
		mux.Handle("/", gw)
		if internal != mux {
			internal.Handle("GET /healthz", gw)
		}
		if cfg.SlackAppToken != "" {
			// Presses and /baton also come over Socket Mode: no public
			// URL needed.
			ctx, cancel := context.WithCancel(context.Background())
			w.socketStop, w.socketDone = cancel, make(chan error, 1)
			sm := slack.SocketMode{AppToken: cfg.SlackAppToken, BotToken: cfg.SlackBotToken, APIURL: cfg.SlackAPIURL}
			go func() { w.socketDone <- slack.RunSocketMode(ctx, sm, gw.SocketEnvelope) }()
			w.Chat += " (Socket Mode)"
		}
	}
	w.http = newHTTPServer(mux, gatewayLimits)
	go func() { w.served <- w.http.Serve(l) }()
	if metricsListener != nil {
		w.metrics, w.metricsServed = newHTTPServer(internal, gatewayLimits), make(chan error, 1)
		go func() { w.metricsServed <- w.metrics.Serve(metricsListener) }()
	}
	return w, nil
}

// scheduleWithoutKey refuses, at start rather than at the team's first
// page, a team whose pager is a vendor's schedule when the vendor's key is
// not set; schedule is a team's schedule of that vendor, "" for none.
func scheduleWithoutKey(teams *team.File, teamsFile, vendor, keyEnv string, schedule func(team.Pager) string) error {
	for _, t := range teams.Teams {
		if s := schedule(t.Pager); s != "" {
			return fmt.Errorf("team %q: its pager is the %s schedule %q: set %s, or give the team a rotation in %s",
				t.Name, vendor, s, keyEnv, teamsFile)
		}
	}
	return nil
}

// serverLimits bound what one connection may take of the HTTP server.
type serverLimits struct {
	// readHeader and read bound reading a request's header, and the whole
	// request; write bounds the time from the header read to the answer
	// written; idle bounds a kept-alive connection between requests.
	readHeader, read, write, idle time.Duration
	maxHeaderBytes                int
}

// gatewayLimits are the server's limits. The public routes (webhooks,
// Slack, Twilio) are open to anyone on the internet: without them a slow
// body or a silent kept-alive connection would be held for ever, and
// enough of them would starve the routes that carry pages. Every route
// answers well within write (a webhook within 10 s); every honest body
// (at most 1 MiB) arrives well within read; and Slack's, Twilio's and
// Alertmanager's headers are a few KiB.
var gatewayLimits = serverLimits{
	readHeader:     10 * time.Second,
	read:           20 * time.Second,
	write:          30 * time.Second,
	idle:           60 * time.Second,
	maxHeaderBytes: 64 << 10,
}

func newHTTPServer(h http.Handler, l serverLimits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.readHeader,
		ReadTimeout:       l.read,
		WriteTimeout:      l.write,
		IdleTimeout:       l.idle,
		MaxHeaderBytes:    l.maxHeaderBytes,
	}
}

// onCall is who is on call for a team at an instant, overrides included,
// for the gateway's /baton who: the answer pages and handovers get.
func onCall(acts *activities.Activities) func(context.Context, team.Team, time.Time) ([]team.Person, error) {
	return func(ctx context.Context, t team.Team, at time.Time) ([]team.Person, error) {
		return activities.OnCallAt(ctx, acts, t, at)
	}
}

// livez answers 200 while the process serves: a liveness probe must not
// restart Baton because Temporal is down.
func livez(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// readyz answers 200 when Temporal answers, 503 otherwise: a process that
// cannot reach Temporal can neither take alerts nor run workflows. Anyone
// reaching the port may ask, so Temporal's error (addresses, TLS details)
// goes to the log, not into the answer.
func readyz(c client.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			slog.Warn("readyz: Temporal does not answer", "error", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "unavailable")
			return
		}
		fmt.Fprintln(w, "ok")
	})
}

// Stop shuts the gateway down gracefully, then the worker.
func (w *Worker) Stop(ctx context.Context) error {
	if w.workspaceStop != nil {
		w.workspaceStop()
	}
	if w.syncStop != nil {
		w.syncStop()
	}
	if w.socketStop != nil {
		w.socketStop()
		<-w.socketDone // a refused token was logged when it happened
	}
	err := w.http.Shutdown(ctx)
	if serveErr := <-w.served; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	if w.metrics != nil {
		err = errors.Join(err, w.metrics.Shutdown(ctx))
		if serveErr := <-w.metricsServed; !errors.Is(serveErr, http.ErrServerClosed) {
			err = errors.Join(err, serveErr)
		}
	}
	w.stopWorkers()
	return err
}

func (w *Worker) stopWorkers() {
	for _, tw := range []sdkworker.Worker{w.phone, w.temporal} {
		if tw != nil {
			tw.Stop()
		}
	}
}

// localAnswer is how the console phone's SMS and calls are answered: the
// starter sends the reply or key press to the gateway, signed as Twilio
// signs it. The person is named by ID, which the starter looks up in the
// worker's team file, so that no phone number is printed.
func localAnswer(teams *team.File) phone.LocalAnswer {
	return func(to, answerURL string) string {
		if answerURL != "" {
			return fmt.Sprintf("go run ./starter phone key --url '%s' 1", answerURL)
		}
		for _, t := range teams.Teams {
			for _, p := range t.People {
				if p.Phone == to {
					return "go run ./starter phone reply --from " + p.ID + " 1"
				}
			}
		}
		return ""
	}
}

// responseURLPrefixes trusts Slack replies to the host the Slack API is
// configured on, when that is not Slack's own (GovSlack, a local fake).
func responseURLPrefixes(apiURL string) []string {
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" || u.Host == "slack.com" {
		return nil
	}
	return []string{u.Scheme + "://" + u.Host + "/"}
}
