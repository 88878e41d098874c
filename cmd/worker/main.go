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
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/worker"
)

func main() {
	flag.Usage = func() {
		out := flag.CommandLine.Output()
		fmt.Fprintf(out, "Usage: worker\n\nRuns Baton's worker and gateway. Settings come from the environment:\n\n")
		_ = config.PrintUsage(out)
	}
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run() error {
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
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	opts.Logger = log.NewStructuredLogger(logger)
	c, err := client.Dial(opts)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s (TEMPORAL_ADDRESS): %w", cfg.TemporalAddress, err)
	}
	defer c.Close()

	w, err := worker.Start(cfg, c, teams, worker.Local{Out: os.Stdout})
	if err != nil {
		return err
	}
	logger.Info("baton worker running", "temporal", cfg.TemporalAddress, "namespace", cfg.TemporalNamespace,
		"gateway", w.GatewayAddr, "chat", w.Chat, "pager", w.Pager, "phone", w.Phone, "phone_answers", w.Answers, "tickets", w.Tickets, "teams", teams.Names())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return w.Stop(shutdown)
}
