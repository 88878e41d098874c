package slack_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/activities/chat/slack"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/internal/texttest"
)

// A token Slack refuses ends RunSocketMode with an error that names the
// setting, and not the token; nothing is handed to the handler.
func TestSocketModeRefusedToken(t *testing.T) {
	srv := fakeslack.New(t)
	const appToken = "xapp-1-A0BATONAPP-1-s3cret-app-token"
	srv.EnableSocketMode(appToken)
	logs := &texttest.Log{}
	handled := func(context.Context, chat.Envelope, func(any) error) { t.Error("an envelope was handled") }
	const wrong = "xapp-1-A0BATONAPP-1-not-the-token"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := slack.SocketMode{AppToken: wrong, BotToken: fakeslack.Token, APIURL: srv.URL(), Logger: slog.New(slog.NewTextHandler(logs, nil))}
	err := slack.RunSocketMode(ctx, opts, handled)
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
		t.Fatalf("RunSocketMode: %v, want invalid_auth naming SLACK_APP_TOKEN", err)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(logs.String(), wrong) {
		t.Errorf("the token is given away: %v\n%s", err, logs)
	}
	if calls := srv.Calls("apps.connections.open"); len(calls) != 1 {
		t.Errorf("apps.connections.open called %d times, want 1", len(calls))
	}

	// A bot token is not tried at all.
	opts.AppToken = fakeslack.Token
	if err := slack.RunSocketMode(ctx, opts, handled); err == nil || !strings.Contains(err.Error(), "xapp-") {
		t.Errorf("with a bot token: %v, want a refusal naming xapp-", err)
	}
	if srv.SocketConnections() != 0 {
		t.Error("a connection was opened")
	}
}
