package chat_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/internal/fakeslack"
)

// Slack names the bot's workspace through auth.test; a Slack that is down
// is a failure to retry, never an empty workspace.
func TestSlackSelf(t *testing.T) {
	srv, s := newSlack(t)
	self, err := s.Self(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if self.TeamID != fakeslack.TeamID || self.EnterpriseID != "" || self.UserID == "" {
		t.Errorf("self %+v, want workspace %s outside Grid", self, fakeslack.TeamID)
	}
	srv.FailNext("auth.test", 1, http.StatusServiceUnavailable)
	self, err = s.Self(context.Background())
	requireRetryable(t, err)
	if self.TeamID != "" {
		t.Errorf("a failed auth.test named workspace %q", self.TeamID)
	}
}

// The console is no workspace: it names none, so requests are not
// compared with one.
func TestConsoleSelf(t *testing.T) {
	c, err := chat.NewConsole(&nopWriter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	self, err := c.Self(context.Background())
	if err != nil || self.TeamID != "" {
		t.Errorf("console self %+v, %v: want no workspace", self, err)
	}
}

type nopWriter struct{}

func (*nopWriter) Write(p []byte) (int, error) { return len(p), nil }
