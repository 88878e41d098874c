package gateway

// Socket Mode: button presses and /baton over a WebSocket that the gateway
// opens to Slack, so that Slack needs no public URL to reach it (a laptop,
// a cluster without ingress). The HTTP endpoints keep working beside it.
//
// Slack delivers each press or command as an envelope, and wants it
// acknowledged, by its envelope_id, within 3 seconds:
//
//   - interactive (block_actions): acknowledged at once, then run as
//     /slack/interactions runs it (pressWork); the outcome goes to the
//     presser through response_url.
//   - slash_commands: answered as /slack/commands answers (runCommand),
//     the message riding in the acknowledgement's payload; slower work
//     answers "Working on it" and follows through response_url.
//   - anything else (events_api, types Slack may add): acknowledged, and
//     nothing done.
//
// The WebSocket is opened with the app-level token, so an envelope needs
// no signature: it comes from Slack or from nobody. Connecting, pings and
// reconnecting (Slack refreshes connections every few hours, and says so
// with a disconnect message) are slack-go's socketmode client's.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode takes presses and /baton over Socket Mode until ctx ends,
// then returns nil once the envelopes it was acknowledging are (the
// actions they started go on, as those of HTTP requests do). appToken is
// the app-level token (xapp-…, scope connections:write) that opens the
// connection; botToken is the app's bot token; apiURL is the Web API base
// URL (SLACK_API_URL), where apps.connections.open is called. It returns an
// error, logged too, when it cannot go on: a token Slack refuses for good.
// Failures Slack may recover from are retried with backoff, and logged.
func (g *Gateway) RunSocketMode(ctx context.Context, appToken, botToken, apiURL string) error {
	if !strings.HasPrefix(appToken, "xapp-") {
		return errors.New("Slack Socket Mode needs an app-level token, starting xapp- (SLACK_APP_TOKEN)")
	}
	api := slack.New(botToken, slack.OptionAppLevelToken(appToken), slack.OptionAPIURL(apiURL))
	sm := socketmode.New(api)
	log := g.opts.Logger.With("slack", "socket mode")
	// secretless keeps the tokens out of whatever is logged.
	secretless := func(err error) string {
		s := err.Error()
		for _, tok := range []string{appToken, botToken} {
			if tok != "" {
				s = strings.ReplaceAll(s, tok, "[token]")
			}
		}
		return s
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- sm.RunContext(runCtx) }()

	var envelopes sync.WaitGroup
	defer envelopes.Wait()
	connected := false
	for {
		var evt socketmode.Event
		select {
		case err := <-ran:
			cancel()
			if ctx.Err() != nil {
				log.Info("Slack Socket Mode stopped")
				return nil
			}
			msg := secretless(err)
			log.Error("Slack Socket Mode gave up: buttons and /baton now arrive only over HTTP", "error", msg)
			return fmt.Errorf("Slack Socket Mode: %s: is SLACK_APP_TOKEN an app-level token of this app, with the connections:write scope?", msg)
		case evt = <-sm.Events:
		}

		switch evt.Type {
		case socketmode.EventTypeConnecting:
			if connected {
				// Slack asked for a fresh connection, or this one dropped.
				log.Info("Slack Socket Mode disconnected; reconnecting")
				connected = false
			}
		case socketmode.EventTypeConnectionError:
			if e, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
				log.Warn("Slack Socket Mode cannot connect; retrying", "attempt", e.Attempt, "retry_in", e.Backoff.Round(time.Millisecond), "error", secretless(e.ErrorObj))
			}
		case socketmode.EventTypeInvalidAuth:
			log.Error("Slack refused SLACK_APP_TOKEN for Socket Mode")
		case socketmode.EventTypeHello:
			connected = true
			args := []any{}
			if r := evt.Request; r != nil {
				args = append(args, "app_id", r.ConnectionInfo.AppID, "connections", r.NumConnections)
			}
			log.Info("Slack Socket Mode connected: buttons and /baton arrive over it", args...)
		case socketmode.EventTypeIncomingError:
			if e, ok := evt.Data.(*slack.IncomingEventError); ok {
				log.Debug("Slack Socket Mode read failed", "error", secretless(e.ErrorObj))
			}
		case socketmode.EventTypeErrorWriteFailed:
			if e, ok := evt.Data.(*socketmode.ErrorWriteFailed); ok && e.Response != nil {
				log.Warn("could not acknowledge a Slack envelope: Slack will show an error", "envelope_id", e.Response.EnvelopeID, "error", secretless(e.Cause))
			}
		case socketmode.EventTypeErrorBadMessage:
			// slack-go could not read it into its own types (a type it
			// does not know, a field of an unexpected kind): read it as
			// Baton does, from the envelope itself.
			e, ok := evt.Data.(*socketmode.ErrorBadMessage)
			if !ok {
				break
			}
			var req socketmode.Request
			if err := json.Unmarshal(e.Message, &req); err != nil || req.EnvelopeID == "" {
				log.Warn("a Socket Mode message that is no envelope was ignored", "error", e.Cause)
				break
			}
			envelopes.Go(func() { g.socketEnvelope(runCtx, sm, log, req) })
		case socketmode.EventTypeInteractive, socketmode.EventTypeSlashCommand, socketmode.EventTypeEventsAPI:
			if evt.Request != nil {
				req := *evt.Request
				envelopes.Go(func() { g.socketEnvelope(runCtx, sm, log, req) })
			}
		}
	}
}

// socketAcker acknowledges envelopes: *socketmode.Client.
type socketAcker interface {
	AckCtx(ctx context.Context, envelopeID string, payload any) error
}

// socketEnvelope acknowledges one envelope, with the answer Slack shows
// for a slash command, and does what it asks, as its HTTP endpoint would.
// The work outlives ctx, as it outlives an HTTP request.
func (g *Gateway) socketEnvelope(ctx context.Context, sm socketAcker, log *slog.Logger, req socketmode.Request) {
	start := time.Now()
	ack := func(payload any) error {
		// Past Slack's 3 seconds an acknowledgement is of no use.
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		err := sm.AckCtx(actx, req.EnvelopeID, payload)
		if err != nil && payload == nil {
			log.Warn("could not acknowledge a Slack envelope", "envelope_id", req.EnvelopeID, "type", req.Type, "error", err)
		}
		return err
	}
	switch req.Type {
	case socketmode.RequestTypeInteractive:
		press, err := parseInteractionPayload(req.Payload, "the envelope's payload")
		var run func(context.Context)
		if err == nil {
			run, err = g.pressWork(press)
		}
		ack(nil) // block_actions take no response payload
		g.opts.Metrics.SlackInteraction(time.Since(start))
		switch {
		case errors.Is(err, ErrUnsupportedInteraction):
			log.Debug("a Slack interaction Baton does not handle was acknowledged", "error", err)
		case err != nil:
			log.Warn("a Slack button press over Socket Mode is not one Baton can act on", "error", err)
		default:
			// As over HTTP, the action is not held up by the gateway
			// stopping: it has its own timeout.
			go run(context.WithoutCancel(ctx))
		}

	case socketmode.RequestTypeSlashCommands:
		cmd, err := parseSlashCommandPayload(req.Payload)
		if err != nil {
			// Over HTTP a 400; here the user at least reads why.
			log.Warn("a Slack slash command over Socket Mode could not be read", "error", err)
			ack(ephemeral(oneLine("Baton could not read that command: " + err.Error())))
			g.opts.Metrics.SlackInteraction(time.Since(start))
			return
		}
		msg := g.runCommand(ctx, cmd)
		answered := req.AcceptsResponsePayload && ack(msg) == nil
		if !answered {
			// Too big for an acknowledgement (Slack drops those of
			// 20 KB), or not taken in one: acknowledge, and answer
			// through response_url instead.
			ack(nil)
		}
		g.opts.Metrics.SlackInteraction(time.Since(start))
		if !answered {
			go func() {
				pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				defer cancel()
				g.postResponse(pctx, cmd.ResponseURL, msg, false)
			}()
		}

	default:
		// events_api (Baton subscribes to none), or a type Slack added:
		// acknowledged so that Slack does not deliver it again.
		ack(nil)
		log.Debug("a Slack envelope Baton does not act on was acknowledged", "type", req.Type)
	}
}
