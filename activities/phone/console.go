package phone

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// Console stands in for Twilio when no credentials are set: every SMS and
// call is printed as a readable line, with the number masked as it would be
// in a log. It remembers what it printed, in memory only, so that a retried
// activity prints nothing twice within one run of the worker.
type Console struct {
	mu   sync.Mutex
	out  io.Writer
	sent map[string]consoleSent // kind + to + key
	seq  int
	// answer, when set, says how to answer an SMS or a call locally.
	answer LocalAnswer
}

// LocalAnswer says how to answer what the console printed, as a command
// line to copy: for an SMS to a number (answerURL empty), or a call whose
// keys go to answerURL. Empty: there is no way.
type LocalAnswer func(to, answerURL string) string

// consoleSent is one message or call the console printed.
type consoleSent struct {
	sid string
	at  time.Time
}

// NewConsole prints to out. With answer, each SMS and call is followed by
// the command that answers it locally, as the person would from the phone.
func NewConsole(out io.Writer, answer LocalAnswer) *Console {
	return &Console{out: out, sent: map[string]consoleSent{}, answer: answer}
}

// SMS implements Phone.
func (c *Console) SMS(_ context.Context, to, body, key string, since time.Time) (string, error) {
	return c.once("sms", to, key, since, func() {
		fmt.Fprintf(c.out, "[sms] to %s: %s\n", Mask(to), body)
		c.showAnswer(to, "")
	}), nil
}

// Call implements Phone.
func (c *Console) Call(_ context.Context, to, say, answerURL, key string, since time.Time) (string, error) {
	return c.once("call", to, key, since, func() {
		fmt.Fprintf(c.out, "[call] to %s, saying: %s\n", Mask(to), say)
		if answerURL != "" {
			c.showAnswer(to, answerURL)
		}
	}), nil
}

func (c *Console) showAnswer(to, answerURL string) {
	if c.answer == nil {
		return
	}
	if how := c.answer(to, answerURL); how != "" {
		fmt.Fprintf(c.out, "       answer it: %s\n", how)
	}
}

// once prints unless the same kind, number and key was printed since
// `since`, and returns the SID of what was printed. Like Twilio's dates,
// `since` counts to the second.
func (c *Console) once(kind, to, key string, since time.Time, show func()) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := kind + "\x00" + to + "\x00" + key
	if s, ok := c.sent[id]; ok && !s.at.Before(since.Truncate(time.Second)) {
		return s.sid
	}
	c.seq++
	s := consoleSent{sid: fmt.Sprintf("console-%s-%06d", kind, c.seq), at: time.Now()}
	c.sent[id] = s
	show()
	return s.sid
}
