package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/internal/fakeslack"
)

const testSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// interactionBody is a form body as Slack posts it, holding payload.
func interactionBody(payload string) []byte {
	return []byte(url.Values{"payload": {payload}}.Encode())
}

func TestVerifySlackSignature(t *testing.T) {
	now := time.Unix(1772431300, 0)
	body := interactionBody(string(readTestdata(t, "slack_block_actions.json")))
	good := fakeslack.Sign(testSigningSecret, body, now)
	with := func(key, value string) http.Header {
		h := good.Clone()
		if value == "" {
			h.Del(key)
		} else {
			h.Set(key, value)
		}
		return h
	}
	t.Run("good", func(t *testing.T) {
		for _, sentAt := range []time.Time{now, now.Add(-SlackMaxSkew), now.Add(SlackMaxSkew)} {
			if err := VerifySlackSignature(testSigningSecret, fakeslack.Sign(testSigningSecret, body, sentAt), body, now); err != nil {
				t.Errorf("sent at now%+v: %v", sentAt.Sub(now), err)
			}
		}
	})
	t.Run("Slack's documented example", func(t *testing.T) {
		// https://api.slack.com/authentication/verifying-requests-from-slack
		body := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
		h := http.Header{}
		h.Set("X-Slack-Request-Timestamp", "1531420618")
		h.Set("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
		if err := VerifySlackSignature("8f742231b10e8888abcd99yyyzzz85a5", h, body, time.Unix(1531420618, 0).Add(time.Minute)); err != nil {
			t.Error(err)
		}
	})
	const unverified = "Slack request not verified: "
	for _, tc := range []struct {
		name   string
		secret string
		h      http.Header
		body   []byte
		want   string
	}{
		{"bad signature", testSigningSecret, with("X-Slack-Signature", "v0="+strings.Repeat("ab", 32)), body,
			unverified + "header X-Slack-Signature does not match the body; is SLACK_SIGNING_SECRET this Slack app's signing secret?"},
		{"another secret", "not-the-secret", good, body,
			unverified + "header X-Slack-Signature does not match the body; is SLACK_SIGNING_SECRET this Slack app's signing secret?"},
		{"body changed", testSigningSecret, good, append(body, '&'),
			unverified + "header X-Slack-Signature does not match the body; is SLACK_SIGNING_SECRET this Slack app's signing secret?"},
		{"stale: 6 minutes old", testSigningSecret, fakeslack.Sign(testSigningSecret, body, now.Add(-6*time.Minute)), body,
			unverified + "header X-Slack-Request-Timestamp is 6m0s old, more than 5m0s: a replay, or this server's clock is wrong"},
		{"from the future", testSigningSecret, fakeslack.Sign(testSigningSecret, body, now.Add(5*time.Minute+time.Second)), body,
			unverified + "header X-Slack-Request-Timestamp is 5m1s in the future, more than 5m0s: this server's clock is wrong"},
		{"no timestamp", testSigningSecret, with("X-Slack-Request-Timestamp", ""), body,
			unverified + "header X-Slack-Request-Timestamp is missing"},
		{"no signature", testSigningSecret, with("X-Slack-Signature", ""), body,
			unverified + "header X-Slack-Signature is missing"},
		{"no headers", testSigningSecret, http.Header{}, body,
			unverified + "header X-Slack-Request-Timestamp is missing"},
		{"timestamp not a number", testSigningSecret, with("X-Slack-Request-Timestamp", "yesterday"), body,
			unverified + `header X-Slack-Request-Timestamp is "yesterday", not Unix seconds`},
		{"signed timestamp", testSigningSecret, with("X-Slack-Request-Timestamp", "+1772431300"), body,
			unverified + `header X-Slack-Request-Timestamp is "+1772431300", not Unix seconds`},
		{"timestamp in milliseconds", testSigningSecret, with("X-Slack-Request-Timestamp", "1772431300000"), body,
			unverified + `header X-Slack-Request-Timestamp is "1772431300000", not Unix seconds`},
		{"other signature version", testSigningSecret, with("X-Slack-Signature", "v1="+strings.Repeat("ab", 32)), body,
			unverified + `header X-Slack-Signature does not start with "v0="; Baton knows only signature version v0`},
		{"signature not hex", testSigningSecret, with("X-Slack-Signature", "v0="+strings.Repeat("zz", 32)), body,
			unverified + `header X-Slack-Signature is not "v0=" followed by 64 hex digits`},
		{"signature too short", testSigningSecret, with("X-Slack-Signature", "v0=abcd"), body,
			unverified + `header X-Slack-Signature is not "v0=" followed by 64 hex digits`},
		{"empty secret", "", good, body,
			"no Slack signing secret is configured (SLACK_SIGNING_SECRET)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifySlackSignature(tc.secret, tc.h, tc.body, now)
			if err == nil {
				t.Fatal("verified")
			}
			if err.Error() != tc.want {
				t.Errorf("error\n%s\nwant\n%s", err, tc.want)
			}
			if tc.secret == "" {
				if !errors.Is(err, ErrSlackNoSigningSecret) || errors.Is(err, ErrSlackUnverified) {
					t.Errorf("%v: want ErrSlackNoSigningSecret alone", err)
				}
			} else if !errors.Is(err, ErrSlackUnverified) {
				t.Errorf("%v: want ErrSlackUnverified", err)
			}
			if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

func TestParseInteraction(t *testing.T) {
	got, err := ParseInteraction(interactionBody(string(readTestdata(t, "slack_block_actions.json"))))
	if err != nil {
		t.Fatal(err)
	}
	want := SlackAction{
		ActionID:    "ack",
		Value:       "incident-data-orders_daily",
		UserID:      "UA8RXUSPL",
		UserName:    "alice",
		TeamID:      "T9TK3CUKW",
		UserTeamID:  "T9TK3CUKW",
		ChannelID:   "CBR2V3XEX",
		MessageTS:   "1772431213.000200",
		ThreadTS:    "1772431200.000100",
		ResponseURL: "https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209",
		TriggerID:   "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",
	}
	if got != want {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseInteractionFallbacks(t *testing.T) {
	// A select menu in a message of an org-wide app: no team, no channel
	// object, the value in selected_option, the user's name in name.
	payload := `{"type": "block_actions", "team": null,
		"user": {"id": "U1", "name": "bob", "team_id": "T1"},
		"container": {"type": "message", "message_ts": "1.2", "channel_id": "C1"},
		"message": {"ts": "9.9"},
		"actions": [{"action_id": "snooze", "type": "static_select", "selected_option": {"value": "30m"}}, {"action_id": "second"}]}`
	got, err := ParseInteraction(interactionBody(payload))
	if err != nil {
		t.Fatal(err)
	}
	want := SlackAction{ActionID: "snooze", Value: "30m", UserID: "U1", UserName: "bob", TeamID: "T1", UserTeamID: "T1", ChannelID: "C1", MessageTS: "1.2"}
	if got != want {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	// A Slack Connect user of another workspace, in an Enterprise Grid
	// organisation: both workspaces and the organisation are kept, for
	// the gateway to compare with its own.
	got, err = ParseInteraction(interactionBody(`{"type": "block_actions", "team": {"id": "T0OWN"}, "enterprise": {"id": "E0ORG", "name": "Org"},
		"user": {"id": "U2", "team_id": "T0OTHER"}, "actions": [{"action_id": "a"}]}`))
	if err != nil || got.TeamID != "T0OWN" || got.UserTeamID != "T0OTHER" || got.EnterpriseID != "E0ORG" {
		t.Errorf("got %+v, %v", got, err)
	}
	// Only the message's ts.
	got, err = ParseInteraction(interactionBody(`{"type": "block_actions", "message": {"ts": "9.9"}, "actions": [{"action_id": "a"}]}`))
	if err != nil || got.MessageTS != "9.9" {
		t.Errorf("got %+v, %v", got, err)
	}
}

func TestParseInteractionRejects(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
		unsupported      bool
	}{
		{"empty body", ``, `form field "payload" is missing; Slack sends interactions as payload=<JSON>`, false},
		{"bad form", `payload=%zz`, `the body is not form-encoded (application/x-www-form-urlencoded): invalid URL escape "%zz"`, false},
		{"JSON body", `{"type": "block_actions"}`, `form field "payload" is missing; Slack sends interactions as payload=<JSON>`, false},
		{"payload not JSON", string(interactionBody(`type=block_actions`)), `form field "payload": invalid JSON at byte 2: invalid character 'y' in literal true (expecting 'r')`, false},
		{"payload not an object", string(interactionBody(`["block_actions"]`)), `form field "payload": the body must be a JSON object, not an array`, false},
		{"no type", string(interactionBody(`{"actions": [{"action_id": "a"}]}`)), `payload field "type" is missing`, false},
		{"view_submission", string(interactionBody(`{"type": "view_submission", "view": {}}`)),
			`unsupported Slack interaction type "view_submission": Baton handles only "block_actions" and "message_action"`, true},
		{"shortcut", string(interactionBody(`{"type": "shortcut"}`)),
			`unsupported Slack interaction type "shortcut": Baton handles only "block_actions" and "message_action"`, true},
		{"no actions", string(interactionBody(`{"type": "block_actions", "actions": []}`)), `payload field "actions" is missing or empty`, false},
		{"no action_id", string(interactionBody(`{"type": "block_actions", "actions": [{"value": "v"}]}`)), `payload field "actions[0].action_id" is missing`, false},
		{"actions not an array", string(interactionBody(`{"type": "block_actions", "actions": {"action_id": "a"}}`)),
			`form field "payload": field "actions" holds an object where Baton expects an array`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseFails(t, ParseInteraction, tc.body, tc.want); errors.Is(err, ErrUnsupportedInteraction) != tc.unsupported {
				t.Errorf("errors.Is(err, ErrUnsupportedInteraction) = %v", !tc.unsupported)
			}
		})
	}
}
