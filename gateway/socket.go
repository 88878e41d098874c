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
//   - anything else (events_api, types Slack may add): acknowledged, and
//     nothing done.

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
		press, err := parseInteractionPayload(env.Payload, "the envelope's payload")
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

	default:
		// events_api (Baton subscribes to none), or a type Slack added:
		// acknowledged so that Slack does not deliver it again.
		ack(nil)
		log.Debug("a Slack envelope Baton does not act on was acknowledged", "type", env.Kind)
	}
}
