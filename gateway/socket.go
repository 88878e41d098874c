package gateway

// Socket Mode: button presses and /baton that Slack pushes over the
// connection Baton opens (activities/chat/slack runs it), answered as the
// HTTP endpoints answer them:
//
//   - interactive (block_actions): acknowledged at once, then run as
//     /slack/interactions runs it (pressWork); the outcome goes to the
//     presser through response_url.
//   - slash_commands: answered as /slack/commands answers (runCommand),
//     the message riding in the acknowledgement's payload; slower work
//     answers "Working on it" and follows through response_url.
//   - interactive (message_action, the "Ask on-call" shortcut):
//     acknowledged at once, then run as over HTTP (shortcutWork).
//   - events_api: handled as /slack/events handles it (eventWork), then
//     acknowledged; one that could not be handled now (Temporal did not
//     answer) is left unacknowledged, so that Slack delivers it again.
//   - anything else (types Slack may add): acknowledged, and nothing
//     done.

import (
	"context"
	"errors"
	"time"

	"github.com/baton-oncall/baton/activities/chat"
)

// SocketEnvelope acknowledges one envelope, with the answer Slack shows
// for a slash command, and does what it asks, as its HTTP endpoint would.
// It is a chat.EnvelopeHandler. The work outlives ctx, as it outlives an
// HTTP request.
func (g *Gateway) SocketEnvelope(ctx context.Context, env chat.Envelope, ack func(payload any) error) {
	start := time.Now()
	log := g.opts.Logger.With("slack", "socket mode")
	switch env.Kind {
	case chat.EnvelopePress:
		in, err := parseInteractionJSON(env.Payload, "the envelope's payload")
		var run func(context.Context)
		if err == nil {
			run, err = g.interactionWork(in)
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

	case chat.EnvelopeCommand:
		cmd, err := parseSlashCommandPayload(env.Payload)
		if err != nil {
			// Over HTTP a 400; here the user at least reads why.
			log.Warn("a Slack slash command over Socket Mode could not be read", "error", err)
			ack(ephemeral(oneLine("Baton could not read that command: " + err.Error())))
			g.opts.Metrics.SlackInteraction(time.Since(start))
			return
		}
		msg := g.runCommand(ctx, cmd)
		answered := env.AcceptsResponse && ack(msg) == nil
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

	case chat.EnvelopeEvent:
		ev, err := parseEventPayload(env.Payload, "the envelope's payload")
		if err != nil {
			// Over HTTP a 400; here it is acknowledged, or Slack would
			// deliver what Baton cannot read again.
			ack(nil)
			log.Warn("a Slack event over Socket Mode could not be read", "error", err)
			return
		}
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), eventAnswerWithin)
		did, err := g.eventWork(wctx, ev)
		cancel()
		if err != nil {
			log.Warn("a Slack event over Socket Mode was not handled; left unacknowledged, Slack delivers it again", "event_id", ev.EventID, "error", err)
			return
		}
		ack(nil)
		log.Debug("a Slack event over Socket Mode was handled", "event_id", ev.EventID, "outcome", did)

	default:
		// A type Slack added: acknowledged so that Slack does not deliver
		// it again.
		ack(nil)
		log.Debug("a Slack envelope Baton does not act on was acknowledged", "type", env.Kind)
	}
}
