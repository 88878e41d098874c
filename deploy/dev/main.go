// Command dev runs Baton locally in one process: an embedded Temporal server
// on SQLite, the Temporal Web UI, Baton's worker and its gateway. With no
// credentials set, chat goes to the console and the pager is the team
// file's own rotation.
//
//	go run ./deploy/dev
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
	_ "time/tzdata"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/deploy/devstack"
	"github.com/baton-oncall/baton/internal/localphone"
	"github.com/baton-oncall/baton/metrics"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/temporaladmin"
	"github.com/baton-oncall/baton/worker"
)

// defaultTeamsFile is the example shipped beside this file.
func defaultTeamsFile() string {
	_, file, _, ok := runtime.Caller(0)
	if ok {
		if p := filepath.Join(filepath.Dir(file), "teams.yaml"); fileExists(p) {
			return p
		}
	}
	return filepath.Join("deploy", "dev", "teams.yaml")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func main() {
	dataDir := flag.String("data-dir", ".baton-dev", "where the Temporal server keeps its SQLite database and log")
	inMemory := flag.Bool("in-memory", false, "keep everything in memory: nothing survives a restart")
	frontendPort := flag.Int("port", 7233, "Temporal frontend (gRPC) port")
	uiPort := flag.Int("ui-port", 8233, "Temporal Web UI port")
	flag.Usage = func() {
		out := flag.CommandLine.Output()
		fmt.Fprintf(out, "Usage: go run ./deploy/dev [flags]\n\n"+
			"Runs Baton locally: an embedded Temporal server, its Web UI, the worker and the gateway.\n\nFlags:\n")
		flag.PrintDefaults()
		fmt.Fprintf(out, "\nSettings come from the environment (TEMPORAL_ADDRESS is the embedded server's here):\n\n")
		_ = config.PrintUsage(out)
	}
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *dataDir, *inMemory, *frontendPort, *uiPort, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dataDir string, inMemory bool, frontendPort, uiPort int, out io.Writer) error {
	if os.Getenv("BATON_TEAMS_FILE") == "" {
		os.Setenv("BATON_TEAMS_FILE", defaultTeamsFile())
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if cfg.WebhookToken == "" {
		// The webhooks need a token; locally a fresh one per start does.
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		cfg.WebhookToken = hex.EncodeToString(b)
	}
	teams, err := team.Load(cfg.TeamsFile)
	if err != nil {
		return err
	}

	fmt.Fprintln(out, "Starting the embedded Temporal server...")
	srv, err := devstack.Start(ctx, devstack.Options{
		DataDir: dataDir, InMemory: inMemory,
		FrontendPort: frontendPort, UIPort: uiPort,
		Namespace: cfg.TemporalNamespace,
	})
	if err != nil {
		return err
	}
	defer srv.Stop()
	cfg.TemporalAddress = srv.FrontendAddr
	if cfg.TemporalUIURL == "" {
		cfg.TemporalUIURL = srv.UIURL
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m := metrics.New()
	c, err := client.Dial(client.Options{
		HostPort:       srv.FrontendAddr,
		Namespace:      cfg.TemporalNamespace,
		Logger:         log.NewStructuredLogger(logger),
		MetricsHandler: m.SDKHandler(),
	})
	if err != nil {
		return fmt.Errorf("connect to the embedded server: %w", err)
	}
	defer c.Close()
	if _, err := temporaladmin.EnsureNamespace(ctx, c, cfg.TemporalNamespace); err != nil {
		return err
	}

	consoleState := ""
	if !inMemory {
		// Remember what the console "posted", so a rerun after a restart
		// stays quiet as it would in Slack.
		consoleState = filepath.Join(dataDir, "console-chat.json")
	}
	local := worker.Options{Out: out, ChatState: consoleState, Metrics: m}
	if cfg.TwilioAccountSID == "" {
		// The console phone's answers are signed like Twilio's, with a
		// token of this run that `starter phone` reads from the data
		// directory.
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		local.PhoneToken = hex.EncodeToString(b)
	}
	w, err := worker.Start(cfg, c, teams, local)
	if err != nil {
		return err
	}
	if local.PhoneToken != "" {
		file, err := localphone.Write(dataDir, localphone.Gateway{URL: "http://" + w.GatewayAddr, Token: local.PhoneToken})
		if err != nil {
			return err
		}
		defer os.Remove(file)
	}
	storage := "in memory (nothing survives a restart)"
	if !inMemory {
		abs, _ := filepath.Abs(dataDir)
		storage = abs + " (log: " + srv.LogFile + ")"
	}
	fmt.Fprintf(out, `
Baton is running.
  Temporal Web UI:  %s/namespaces/%s/workflows
  Temporal server:  %s  (namespace %s; the temporal CLI and SDKs connect here)
  Gateway:          http://%s  (GET /healthz, /metrics)
  Worker:           task queues "baton" and "baton-phone"; chat: %s; pager: %s; phone: %s; tickets: %s
  Pages answered:   %s
  Teams:            %v from %s
  Data:             %s

Try it, in another terminal:
  go run ./starter handover --team %s
  go run ./starter schedules apply
  go run ./starter summary --team %s
  curl -H 'Authorization: Bearer %s' -d '{"team":"%s","dedup_key":"try-1","summary":"Disk almost full","severity":"critical"}' http://%s/webhooks/generic

Press Ctrl-C to stop.
`, srv.UIURL, cfg.TemporalNamespace, srv.FrontendAddr, cfg.TemporalNamespace, w.GatewayAddr, w.Chat, w.Pager, w.Phone, w.Tickets, w.Answers,
		teams.Names(), cfg.TeamsFile, storage, teams.Teams[0].Name, teams.Teams[0].Name,
		cfg.WebhookToken, teams.Teams[0].Name, w.GatewayAddr)

	<-ctx.Done()
	fmt.Fprintln(out, "\nStopping...")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return w.Stop(shutdown)
}
