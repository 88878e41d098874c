package fakeslack

import (
	"encoding/json"
	"net/url"
)

// Shortcut is a use of a message shortcut, as a test describes it: which
// shortcut, who used it, and on which message of which channel.
type Shortcut struct {
	CallbackID string
	// User used it, from workspace TeamID (the fake's when empty).
	User, TeamID string
	// Channel and ChannelName are where the message is.
	Channel, ChannelName string
	// TS, ThreadTS, Author and Text are the message's; Text in Slack's
	// markup.
	TS, ThreadTS, Author, Text string
	ResponseURL                string
}

// MessageAction is the interaction payload Slack sends when someone uses
// a message shortcut on a message (type message_action), as its shortcut
// payload reference documents it
// (api.slack.com/reference/interaction-payloads/shortcuts): callback_id,
// trigger_id, response_url, user, channel, team, and the message with
// its full structure.
func MessageAction(s Shortcut) []byte {
	team := s.TeamID
	if team == "" {
		team = TeamID
	}
	msg := map[string]any{"type": "message", "user": s.Author, "ts": s.TS, "text": s.Text, "team": team}
	if s.ThreadTS != "" {
		msg["thread_ts"] = s.ThreadTS
	}
	b, _ := json.Marshal(map[string]any{
		"type": "message_action", "token": "XXYYZZ", "action_ts": "1796630500.000001",
		"team":                  map[string]any{"id": team, "domain": "baton-test"},
		"user":                  map[string]any{"id": s.User, "name": "someone", "team_id": team},
		"channel":               map[string]any{"id": s.Channel, "name": s.ChannelName},
		"is_enterprise_install": false, "enterprise": nil,
		"callback_id": s.CallbackID, "trigger_id": "13345224609.738474920.8088930838d88f008e0",
		"response_url": s.ResponseURL, "message_ts": s.TS, "message": msg,
	})
	return b
}

// InteractionForm is an interaction payload as Slack POSTs it to the
// Request URL: a form with the JSON in its payload field.
func InteractionForm(payload []byte) []byte {
	return []byte(url.Values{"payload": {string(payload)}}.Encode())
}
