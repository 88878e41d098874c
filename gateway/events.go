package gateway

// Slack's Events API, POST /slack/events: what happens in the workspace
// that Baton subscribes to (the manifest's bot_events), as Slack
// documents it (api.slack.com/apis/events-api):
//
//   - Every request is signed as interactions and commands are, and is
//     verified the same way, within the same window; an unverified one is
//     a 401 that reaches nothing.
//   - url_verification, sent when the Request URL is set, is answered with
//     its challenge.
//   - event_callback wraps one event. Baton acts on reaction_added (the
//     team's reaction on a message of its support channel opens a support
//     request) and answers 200 to every other event, which it ignores.
//   - Slack wants a 2xx within 3 seconds, else it delivers the event
//     again, up to three times (at once, after a minute, after five),
//     with X-Slack-Retry-Num and X-Slack-Retry-Reason. Baton answers once
//     Temporal has the request, within eventAnswerWithin: a delivery
//     again, or a second gateway, opens nothing twice, since a request's
//     ID is made from its message. When Temporal does not answer in time
//     the answer is a 503, so that Slack delivers the event again.
//
// Over Socket Mode the same event_callback arrives in an events_api
// envelope (socket.go) and is handled by eventWork too.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Slack's headers on an event it delivers again.
const (
	slackRetryNumHeader    = "X-Slack-Retry-Num"
	slackRetryReasonHeader = "X-Slack-Retry-Reason"
)

// eventAnswerWithin bounds the work of one event before it is answered:
// within Slack's 3 seconds, with room for the network. A variable so that
// tests need not wait that long.
var eventAnswerWithin = 2500 * time.Millisecond

// SlackEvent is one delivery of the Events API: a url_verification, or an
// event_callback wrapping an event, of which Baton reads reaction_added.
type SlackEvent struct {
	// Type is the delivery's: url_verification, event_callback, or
	// another Slack may send (app_rate_limited), which is ignored.
	Type string
	// Challenge is url_verification's, to be sent back.
	Challenge string
	// TeamID and EnterpriseID are the workspace and organisation the
	// event happened in; EventID is Slack's ID of the event, the same in
	// every delivery of it.
	TeamID, EnterpriseID, EventID string
	// Event is the event an event_callback wraps.
	Event InnerEvent
}

// InnerEvent is the part of an event Baton reads: a reaction_added's
// reaction, who added it, and the item it was added to.
type InnerEvent struct {
	Type     string
	User     string
	Reaction string
	// ItemUser wrote the item; empty for a message no person wrote.
	ItemUser string
	// ItemType is "message" for a reaction on a message; ItemChannel and
	// ItemTS name the message.
	ItemType, ItemChannel, ItemTS string
}

// slackEventPayload is the Events API's JSON, as much as Baton reads:
// https://api.slack.com/apis/events-api#callback-field and
// https://api.slack.com/events/reaction_added
type slackEventPayload struct {
	Type         string  `json:"type"`
	Challenge    *string `json:"challenge"`
	TeamID       string  `json:"team_id"`
	EnterpriseID string  `json:"enterprise_id"`
	EventID      string  `json:"event_id"`
	Event        *struct {
		Type     string `json:"type"`
		User     string `json:"user"`
		Reaction string `json:"reaction"`
		ItemUser string `json:"item_user"`
		Item     *struct {
			Type    string `json:"type"`
			Channel string `json:"channel"`
			TS      string `json:"ts"`
		} `json:"item"`
	} `json:"event"`
}

// ParseEvent reads an Events API request body, a JSON object. What is
// wrong with a body Baton cannot read is said: not JSON, no type, a
// url_verification without its challenge, an event_callback without an
// event, a reaction_added on a message that names no channel or
// timestamp.
//
// Verify the body with VerifySlackSignature first.
func ParseEvent(body []byte) (SlackEvent, error) {
	return parseEventPayload(body, "the body")
}

// parseEventPayload reads an Events API payload, as a request body has
// it, or a Socket Mode envelope; where names it in the error.
func parseEventPayload(body []byte, where string) (SlackEvent, error) {
	var p slackEventPayload
	if err := decodeJSON(body, &p, false); err != nil {
		return SlackEvent{}, fmt.Errorf("%s: %w", where, err)
	}
	ev := SlackEvent{Type: p.Type, TeamID: p.TeamID, EnterpriseID: p.EnterpriseID, EventID: p.EventID}
	switch p.Type {
	case "":
		return SlackEvent{}, errors.New(`field "type" is missing: Slack's Events API sends url_verification or event_callback`)
	case "url_verification":
		if p.Challenge == nil || *p.Challenge == "" {
			return SlackEvent{}, errors.New(`url_verification without field "challenge"`)
		}
		ev.Challenge = *p.Challenge
		return ev, nil
	case "event_callback":
	default:
		return ev, nil
	}
	if p.Event == nil {
		return SlackEvent{}, errors.New(`event_callback without field "event"`)
	}
	e := p.Event
	if e.Type == "" {
		return SlackEvent{}, errors.New(`field "event.type" is missing`)
	}
	ev.Event = InnerEvent{Type: e.Type, User: e.User, Reaction: e.Reaction, ItemUser: e.ItemUser}
	if e.Type != "reaction_added" {
		return ev, nil
	}
	if e.Item == nil || e.Item.Type == "" {
		return SlackEvent{}, errors.New(`reaction_added without field "event.item.type"`)
	}
	ev.Event.ItemType, ev.Event.ItemChannel, ev.Event.ItemTS = e.Item.Type, e.Item.Channel, e.Item.TS
	if e.Item.Type == "message" && (e.Item.Channel == "" || e.Item.TS == "") {
		return SlackEvent{}, errors.New(`reaction_added on a message without "event.item.channel" and "event.item.ts"`)
	}
	if e.Reaction == "" || e.User == "" {
		return SlackEvent{}, errors.New(`reaction_added without "event.reaction" and "event.user"`)
	}
	return ev, nil
}

// errEventRetry is wrapped by eventWork's error when Slack should deliver
// the event again: Temporal or chat did not answer in time, or Baton
// does not know its own workspace yet.
var errEventRetry = errors.New("not handled now: deliver it again")

// slackEvent serves the Events API over HTTP.
func (g *Gateway) slackEvent(w http.ResponseWriter, r *http.Request) {
	ev, ok := readSigned(g, w, r, ParseEvent)
	if !ok {
		return
	}
	if ev.Type == "url_verification" {
		writeJSON(w, http.StatusOK, map[string]string{"challenge": ev.Challenge})
		return
	}
	log := g.opts.Logger.With("slack", "events", "event_id", ev.EventID)
	if n := r.Header.Get(slackRetryNumHeader); n != "" {
		// A delivery again: handled as the first, which opens nothing twice.
		log = log.With("retry", n, "retry_reason", r.Header.Get(slackRetryReasonHeader))
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), eventAnswerWithin)
	defer cancel()
	did, err := g.eventWork(ctx, ev)
	if err != nil {
		log.Warn("a Slack event was not handled; Slack is asked to deliver it again", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody(err.Error()))
		return
	}
	log.Debug("a Slack event was handled", "outcome", did)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "outcome": did})
}

// eventWork does what an event asks, within ctx, and says what it did;
// an error wrapping errEventRetry when it could not, and Slack should
// deliver the event again. However the event came, over HTTP or Socket
// Mode, it is handled here.
func (g *Gateway) eventWork(ctx context.Context, ev SlackEvent) (string, error) {
	switch {
	case ev.Type != "event_callback":
		return "ignored: a delivery of type " + ev.Type, nil
	case ev.Event.Type != "reaction_added":
		return "ignored: an event of type " + ev.Event.Type + ", to which Baton is not subscribed", nil
	case ev.Event.ItemType != "message":
		return "ignored: a reaction on a " + ev.Event.ItemType + ", not a message", nil
	}
	switch why := g.fromElsewhere(newOrigin(ev.EnterpriseID, ev.TeamID), true); why {
	case "":
	case refusedWorkspaceUnknown:
		return "", fmt.Errorf("%w: %s", errEventRetry, why)
	default:
		return "ignored: " + why, nil
	}
	return g.reactionAdded(ctx, ev.Event)
}

// reactionName is a reaction without its skin tone ("thumbsup::skin-tone-2"
// is a thumbsup), as the team file names it.
func reactionName(r string) string {
	name, _, _ := strings.Cut(r, "::")
	return name
}
