package worker

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/gateway"
	"github.com/baton-oncall/baton/team"
)

// How the gateway learns the bot's own Slack workspace: a first auth.test
// at start, waited for briefly so that a stack that has just started takes
// presses; when it fails, again in the background, backing off, until it
// answers. Paging never waits for it: until it answers the gateway only
// refuses presses and commands that act, with "try again".
const (
	workspaceFirstTry = 5 * time.Second
	workspaceRetryMin = 2 * time.Second
	workspaceRetryMax = 2 * time.Minute
)

// gatewayWorkspace is the gateway's Options.Workspace for chat c: nil when
// c has no workspace to compare requests with (the console).
func (w *Worker) gatewayWorkspace(c chat.Chat) func() (gateway.Workspace, bool) {
	id, ok := c.(chat.Identifier)
	if !ok {
		return nil
	}
	first, cancel := context.WithTimeout(context.Background(), workspaceFirstTry)
	self, err := id.Self(first)
	cancel()
	if err == nil && self.TeamID == "" {
		return nil
	}
	known := &knownWorkspace{}
	if err == nil {
		known.set(self)
		return known.get
	}
	slog.Warn("Slack's auth.test failed: until it answers, presses and commands that act are refused with \"try again\"; retrying", "error", err)
	ctx, stop := context.WithCancel(context.Background())
	w.workspaceStop = stop
	go known.learn(ctx, id)
	return known.get
}

// knownWorkspace is the bot's workspace, once auth.test has said it.
type knownWorkspace struct {
	mu    sync.Mutex
	ws    gateway.Workspace
	known bool
}

func (k *knownWorkspace) set(self chat.Self) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ws, k.known = gateway.Workspace{TeamID: self.TeamID, EnterpriseID: self.EnterpriseID, BotUserID: self.UserID}, true
}

func (k *knownWorkspace) get() (gateway.Workspace, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.ws, k.known
}

// learn asks until the answer comes or ctx ends, backing off.
func (k *knownWorkspace) learn(ctx context.Context, id chat.Identifier) {
	wait := workspaceRetryMin
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		actx, cancel := context.WithTimeout(ctx, workspaceFirstTry)
		self, err := id.Self(actx)
		cancel()
		if err == nil {
			k.set(self)
			slog.Info("Slack's auth.test answered: presses and commands are taken from the bot's workspace", "team_id", self.TeamID)
			return
		}
		if ctx.Err() != nil {
			return
		}
		wait = min(2*wait, workspaceRetryMax)
		slog.Warn("Slack's auth.test failed again; retrying", "error", err, "retry_in", wait)
	}
}

// chatPeople finds Slack users' team persons for the gateway as the
// roster and the handover do, with the ResolveChatUsers activity's code.
func chatPeople(acts *activities.Activities) *gateway.People {
	return gateway.NewPeople(func(ctx context.Context, people []team.Person) (map[string]string, error) {
		res, err := acts.ResolveChatUsers(ctx, activities.ResolveChatUsersInput{People: people})
		return res.UserIDs, err
	})
}

// channelIDs tells the gateway the ID of a channel the team file names
// "#name", through chat, which caches the look-up; nil for a chat that
// cannot.
func channelIDs(c chat.Chat) func(context.Context, string) (string, error) {
	if r, ok := c.(chat.ChannelResolver); ok {
		return r.ChannelID
	}
	return nil
}
