package chat_test

import (
	"context"
	"testing"

	"github.com/baton-oncall/baton/activities/chat"
)

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
