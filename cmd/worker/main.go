// Command worker runs Baton's Temporal worker and its HTTP gateway against a
// Temporal server it connects to (it does not contain one: for a local
// server, run the dev stack).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	// The workflows read team time zones; a container without tzdata must
	// not change what they compute.
	_ "time/tzdata"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/metrics"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/worker"
)

func main() {
	role := flag.String("role", worker.RoleAll, "what this process runs: all, worker (the Temporal worker) or gateway (the HTTP endpoints), so that the gateway can scale apart")
	flag.Usage = func() {
		out := flag.CommandLine.Output()
		fmt.Fprintf(out, "Usage: worker [--role all|worker|gateway]\n\nRuns Baton's worker and gateway. Every role serves /livez, /readyz and /metrics\n(on BATON_METRICS_ADDR, apart from the gateway's port, when it is set).\n\nFlags:\n")
		flag.PrintDefaults()
		fmt.Fprintf(out, "\nSettings come from the environment:\n\n")
		_ = config.PrintUsage(out)
	}
	flag.Parse()
	if err := run(*role); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run(role string) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	teams, err := team.Load(cfg.TeamsFile)
	if err != nil {
		return err
	}
	opts, err := cfg.ClientOptions()
	if err != nil {
		return err
	}
	logger := cfg.Logger(os.Stderr)
	slog.SetDefault(logger)
	opts.Logger = log.NewStructuredLogger(logger)
	m := metrics.New()
	opts.MetricsHandler = m.SDKHandler()
	c, err := client.Dial(opts)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s (TEMPORAL_ADDRESS): %w", cfg.TemporalAddress, err)
	}
	defer c.Close()

	w, err := worker.Start(cfg, c, teams, worker.Options{Out: os.Stdout, Role: role, Metrics: m})
	if err != nil {
		return err
	}
	logger.Info("baton worker running", "role", w.Role, "temporal", cfg.TemporalAddress, "namespace", cfg.TemporalNamespace,
		"gateway", w.GatewayAddr, "chat", w.Chat, "pager", w.Pager, "phone", w.Phone, "phone_answers", w.Answers, "tickets", w.Tickets, "teams", teams.Names())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return w.Stop(shutdown)
}
