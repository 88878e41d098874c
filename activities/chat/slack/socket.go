package slack

// Socket Mode: button presses and /baton over a WebSocket that Baton opens
// to Slack, so that Slack needs no public URL to reach the gateway (a
// laptop, a cluster without ingress). The gateway's HTTP endpoints keep
// working beside it.
//
// Slack delivers each press or command as an envelope, and wants it
// acknowledged, by its envelope_id, within 3 seconds. What an envelope asks
// is the gateway's (chat.EnvelopeHandler); this file is the connection:
// opening it, reading envelopes, acknowledging them. Connecting, pings and
// reconnecting (Slack refreshes connections every few hours, and says so
// with a disconnect message) are slack-go's socketmode client's.

import (
	"cmp"
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

	"github.com/baton-oncall/baton/activities/chat"
)

// SocketMode is how to open the connection.
type SocketMode struct {
	// AppToken is the app-level token (xapp-…, scope connections:write)
	// that opens the connection (SLACK_APP_TOKEN).
	AppToken string
	// BotToken is the app's bot token.
	BotToken string
	// APIURL is the Web API base URL (SLACK_API_URL), where
	// apps.connections.open is called.
	APIURL string
	// Logger says what the connection does; no token is ever in it.
	Logger *slog.Logger
}

// RunSocketMode takes envelopes until ctx ends, hands each to handle, then
// returns nil once the envelopes being acknowledged are (the actions they
// started go on, as those of HTTP requests do). It returns an error, logged
// too, when it cannot go on: a token Slack refuses for good. Failures Slack
// may recover from are retried with backoff, and logged.
func RunSocketMode(ctx context.Context, opts SocketMode, handle chat.EnvelopeHandler) error {
	if !strings.HasPrefix(opts.AppToken, "xapp-") {
		return errors.New("Slack Socket Mode needs an app-level token, starting xapp- (SLACK_APP_TOKEN)")
	}
	log := cmp.Or(opts.Logger, slog.Default()).With("slack", "socket mode")
	api := slack.New(opts.BotToken, slack.OptionAppLevelToken(opts.AppToken), slack.OptionAPIURL(opts.APIURL))
	sm := socketmode.New(api)
	// secretless keeps the tokens out of whatever is logged.
	secretless := func(err error) string {
		s := err.Error()
		for _, tok := range []string{opts.AppToken, opts.BotToken} {
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
	deliver := func(req socketmode.Request) {
		envelopes.Go(func() { handle(runCtx, envelopeOf(req), acker(runCtx, sm, log, req)) })
	}
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
			deliver(req)
		case socketmode.EventTypeInteractive, socketmode.EventTypeSlashCommand, socketmode.EventTypeEventsAPI:
			if evt.Request != nil {
				deliver(*evt.Request)
			}
		}
	}
}

// envelopeOf is the envelope as Baton reads it.
func envelopeOf(req socketmode.Request) chat.Envelope {
	return chat.Envelope{Kind: req.Type, Payload: req.Payload, AcceptsResponse: req.AcceptsResponsePayload}
}

// acker acknowledges req, with the answer to show or nil. Past Slack's 3
// seconds an acknowledgement is of no use, so it waits no longer; an
// acknowledgement without an answer that fails is logged (one with an
// answer, the handler falls back from).
func acker(ctx context.Context, sm *socketmode.Client, log *slog.Logger, req socketmode.Request) func(payload any) error {
	return func(payload any) error {
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		err := sm.AckCtx(actx, req.EnvelopeID, payload)
		if err != nil && payload == nil {
			log.Warn("could not acknowledge a Slack envelope", "envelope_id", req.EnvelopeID, "type", req.Type, "error", err)
		}
		return err
	}
}
