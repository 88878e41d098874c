package gateway

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Slack's request-signing headers and scheme, v0:
// https://api.slack.com/authentication/verifying-requests-from-slack
const (
	slackTimestampHeader = "X-Slack-Request-Timestamp"
	slackSignatureHeader = "X-Slack-Signature"
	slackSignatureV0     = "v0"
	// SlackMaxSkew is how far a request's timestamp may be from now, either
	// way: Slack's advice, so that a captured request cannot be replayed
	// later, while clocks a little apart still agree.
	SlackMaxSkew = 5 * time.Minute
)

// ErrSlackUnverified is wrapped by every VerifySlackSignature error that
// means "this request is not provably from Slack" (answer 401), as opposed
// to ErrSlackNoSigningSecret, Baton's own misconfiguration (answer 503).
var ErrSlackUnverified = errors.New("Slack request not verified")

// ErrSlackNoSigningSecret is returned when Baton has no signing secret to
// check requests with: every request would otherwise have to be refused, or
// worse, trusted.
var ErrSlackNoSigningSecret = errors.New("no Slack signing secret is configured (SLACK_SIGNING_SECRET)")

// ErrUnsupportedInteraction is wrapped by ParseInteraction's error for an
// interaction type Baton does not handle (view_submission, shortcut, ...).
var ErrUnsupportedInteraction = errors.New("unsupported Slack interaction type")

// VerifySlackSignature checks that body, with headers h, was signed by Slack
// with signingSecret, within SlackMaxSkew of now. body must be the raw
// request body, exactly as received: the signature covers its bytes, not
// the form it decodes to.
//
// The errors say which check failed, never the secret or the expected
// signature.
func VerifySlackSignature(signingSecret string, h http.Header, body []byte, now time.Time) error {
	if signingSecret == "" {
		return ErrSlackNoSigningSecret
	}
	ts, err := slackTimestamp(h.Get(slackTimestampHeader), now)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSlackUnverified, err)
	}
	got, err := slackSignature(h.Get(slackSignatureHeader))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSlackUnverified, err)
	}
	mac := hmac.New(sha256.New, []byte(signingSecret))
	mac.Write([]byte(slackSignatureV0 + ":" + ts + ":"))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("%w: header %s does not match the body; is SLACK_SIGNING_SECRET this Slack app's signing secret?", ErrSlackUnverified, slackSignatureHeader)
	}
	return nil
}

// slackTimestamp checks the timestamp header and returns it as sent, since
// the signature covers its text.
func slackTimestamp(ts string, now time.Time) (string, error) {
	if ts == "" {
		return "", fmt.Errorf("header %s is missing", slackTimestampHeader)
	}
	if strings.TrimLeft(ts, "0123456789") != "" || len(ts) > 12 {
		return "", fmt.Errorf("header %s is %q, not Unix seconds", slackTimestampHeader, ts)
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", fmt.Errorf("header %s is %q, not Unix seconds", slackTimestampHeader, ts)
	}
	switch age := now.Sub(time.Unix(secs, 0)); {
	case age > SlackMaxSkew:
		return "", fmt.Errorf("header %s is %s old, more than %s: a replay, or this server's clock is wrong", slackTimestampHeader, age.Round(time.Second), SlackMaxSkew)
	case age < -SlackMaxSkew:
		return "", fmt.Errorf("header %s is %s in the future, more than %s: this server's clock is wrong", slackTimestampHeader, (-age).Round(time.Second), SlackMaxSkew)
	}
	return ts, nil
}

// slackSignature decodes "v0=<64 hex digits>".
func slackSignature(sig string) ([]byte, error) {
	if sig == "" {
		return nil, fmt.Errorf("header %s is missing", slackSignatureHeader)
	}
	hexSig, ok := strings.CutPrefix(sig, slackSignatureV0+"=")
	if !ok {
		return nil, fmt.Errorf("header %s does not start with %q; Baton knows only signature version %s", slackSignatureHeader, slackSignatureV0+"=", slackSignatureV0)
	}
	b, err := hex.DecodeString(hexSig)
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("header %s is not %q followed by %d hex digits", slackSignatureHeader, slackSignatureV0+"=", 2*sha256.Size)
	}
	return b, nil
}

// SlackAction is a button press (or menu choice) in one of Baton's Slack
// messages: which control, its value, who pressed it and where.
type SlackAction struct {
	// ActionID and Value are the control's action_id and value, which
	// Baton set when it posted the message.
	ActionID, Value string
	// UserID and UserName are who pressed it.
	UserID, UserName string
	// TeamID is the workspace the press was made in; UserTeamID the
	// presser's own, which differs for a Slack Connect user;
	// EnterpriseID the Enterprise Grid organisation, if any.
	TeamID, UserTeamID, EnterpriseID string
	ChannelID                        string
	// MessageTS is the message holding the control; ThreadTS is its
	// thread's parent, empty if the message is not in a thread.
	MessageTS, ThreadTS string
	// ResponseURL takes a reply or an update to the message for 30
	// minutes; TriggerID opens a modal for 3 seconds.
	ResponseURL, TriggerID string
}

// slackInteraction is the part of a block_actions payload Baton reads:
// https://api.slack.com/reference/interaction-payloads/block-actions
type slackInteraction struct {
	Type string `json:"type"`
	Team *struct {
		ID string `json:"id"`
	} `json:"team"`
	Enterprise *struct {
		ID string `json:"id"`
	} `json:"enterprise"`
	User *struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Name     string `json:"name"`
		TeamID   string `json:"team_id"`
	} `json:"user"`
	Channel *struct {
		ID string `json:"id"`
	} `json:"channel"`
	Container *struct {
		MessageTS string `json:"message_ts"`
		ChannelID string `json:"channel_id"`
	} `json:"container"`
	Message *struct {
		TS       string `json:"ts"`
		ThreadTS string `json:"thread_ts"`
	} `json:"message"`
	ResponseURL string `json:"response_url"`
	TriggerID   string `json:"trigger_id"`
	Actions     []struct {
		ActionID       string `json:"action_id"`
		Value          string `json:"value"`
		SelectedOption *struct {
			Value string `json:"value"`
		} `json:"selected_option"`
	} `json:"actions"`
}

// ParseInteraction reads a Slack interactivity request body: form-encoded,
// with the JSON in its "payload" field, of a press on a message's button
// or menu (block_actions); other types return an error wrapping
// ErrUnsupportedInteraction (the gateway reads a message shortcut,
// message_action, apart: support.go). Of several actions, the first is
// taken: Slack sends one per press.
//
// Verify the body with VerifySlackSignature first.
func ParseInteraction(body []byte) (SlackAction, error) {
	payload, err := interactionPayload(body)
	if err != nil {
		return SlackAction{}, err
	}
	return parseInteractionPayload(payload, `form field "payload"`)
}

// interactionPayload is the JSON payload of an interactivity request's
// form, where Slack sends it.
func interactionPayload(body []byte) ([]byte, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("the body is not form-encoded (application/x-www-form-urlencoded): %w", err)
	}
	payload := form.Get("payload")
	if payload == "" {
		return nil, errors.New(`form field "payload" is missing; Slack sends interactions as payload=<JSON>`)
	}
	return []byte(payload), nil
}

// parseInteractionPayload reads an interaction's JSON payload, as
// ParseInteraction finds it in a form and Socket Mode in an envelope;
// where names it in the error when it is not JSON.
func parseInteractionPayload(payload []byte, where string) (SlackAction, error) {
	var p slackInteraction
	if err := decodeJSON(payload, &p, false); err != nil {
		return SlackAction{}, fmt.Errorf("%s: %w", where, err)
	}
	switch p.Type {
	case "block_actions":
	case "":
		return SlackAction{}, errors.New(`payload field "type" is missing`)
	default:
		return SlackAction{}, fmt.Errorf("%w %q: Baton handles only %q and %q", ErrUnsupportedInteraction, p.Type, "block_actions", "message_action")
	}
	if len(p.Actions) == 0 {
		return SlackAction{}, errors.New(`payload field "actions" is missing or empty`)
	}
	act := p.Actions[0]
	if act.ActionID == "" {
		return SlackAction{}, errors.New(`payload field "actions[0].action_id" is missing`)
	}
	return p.toAction(), nil
}

// toAction flattens the payload, falling back where Slack puts a field in
// one place or another depending on the surface: the team is null for apps
// installed across an Enterprise Grid org, a select menu's value is in
// selected_option, the channel is in container for some messages.
func (p slackInteraction) toAction() SlackAction {
	act := p.Actions[0]
	a := SlackAction{
		ActionID:    act.ActionID,
		Value:       act.Value,
		ResponseURL: p.ResponseURL,
		TriggerID:   p.TriggerID,
	}
	if a.Value == "" && act.SelectedOption != nil {
		a.Value = act.SelectedOption.Value
	}
	if p.User != nil {
		a.UserID, a.UserName, a.TeamID, a.UserTeamID = p.User.ID, p.User.Username, p.User.TeamID, p.User.TeamID
		if a.UserName == "" {
			a.UserName = p.User.Name
		}
	}
	if p.Team != nil && p.Team.ID != "" {
		a.TeamID = p.Team.ID
	}
	if p.Enterprise != nil {
		a.EnterpriseID = p.Enterprise.ID
	}
	if p.Container != nil {
		a.MessageTS, a.ChannelID = p.Container.MessageTS, p.Container.ChannelID
	}
	if p.Channel != nil && p.Channel.ID != "" {
		a.ChannelID = p.Channel.ID
	}
	if p.Message != nil {
		if a.MessageTS == "" {
			a.MessageTS = p.Message.TS
		}
		a.ThreadTS = p.Message.ThreadTS
	}
	return a
}

// origin is where the press says it comes from.
func (a SlackAction) origin() slackOrigin {
	return newOrigin(a.EnterpriseID, a.TeamID, a.UserTeamID)
}
