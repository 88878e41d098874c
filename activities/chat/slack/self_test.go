package slack_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/baton-oncall/baton/internal/activitytest"
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
	srv.On("auth.test").FailNext(1, http.StatusServiceUnavailable)
	self, err = s.Self(context.Background())
	activitytest.RequireRetryable(t, err)
	if self.TeamID != "" {
		t.Errorf("a failed auth.test named workspace %q", self.TeamID)
	}
}
