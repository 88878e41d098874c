package phone_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/activities/phone"
)

// Two people's numbers.
const (
	alice = "+4915112340001"
	bob   = "+447700900123"
)

func TestMask(t *testing.T) {
	tests := map[string]string{
		"+4915112340001": "+49…0001",
		"+15005550006":   "+15…0006",
		"+1234567":       "+12…4567",
		"1234567":        "…",
		"":               "…",
	}
	for in, want := range tests {
		if got := phone.Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConsole(t *testing.T) {
	var out bytes.Buffer
	c := phone.NewConsole(&out, nil)
	ctx := context.Background()
	since := time.Now()

	sms, err := c.SMS(ctx, alice, "Checkout is down", "inc-1/sms", since)
	if err != nil {
		t.Fatal(err)
	}
	call, err := c.Call(ctx, alice, "Checkout is down", "", "inc-1/call", since)
	if err != nil {
		t.Fatal(err)
	}
	want := "[sms] to +49…0001: Checkout is down\n" +
		"[call] to +49…0001, saying: Checkout is down\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
	if sms == "" || call == "" || sms == call {
		t.Errorf("SIDs %q and %q, want two distinct ones", sms, call)
	}

	out.Reset()
	again, err := c.SMS(ctx, alice, "Checkout is down", "inc-1/sms", since)
	if err != nil || again != sms {
		t.Errorf("repeated SMS = %q, %v; want %q, nil", again, err, sms)
	}
	againCall, err := c.Call(ctx, alice, "Checkout is down", "", "inc-1/call", since)
	if err != nil || againCall != call {
		t.Errorf("repeated Call = %q, %v; want %q, nil", againCall, err, call)
	}
	if out.Len() != 0 {
		t.Errorf("repeats printed %q, want nothing", out.String())
	}

	// Another number, another key, or a later step: printed again.
	_, _ = c.SMS(ctx, bob, "Checkout is down", "inc-1/sms", since)
	_, _ = c.SMS(ctx, alice, "Checkout is down", "inc-2/sms", since)
	_, _ = c.Call(ctx, alice, "Checkout is down", "", "inc-1/call", time.Now().Add(2*time.Second))
	if n := strings.Count(out.String(), "\n"); n != 3 {
		t.Errorf("printed %d lines, want 3:\n%s", n, out.String())
	}
	if strings.Contains(out.String(), alice) || strings.Contains(out.String(), bob) {
		t.Errorf("console printed a full number:\n%s", out.String())
	}
}

func TestConsoleSaysHowToAnswerLocally(t *testing.T) {
	var out bytes.Buffer
	c := phone.NewConsole(&out, func(to, answerURL string) string {
		if answerURL != "" {
			return "press " + answerURL
		}
		return "reply from the person of " + phone.Mask(to)
	})
	ctx := context.Background()
	if _, err := c.SMS(ctx, alice, "Checkout is down", "inc-1/sms", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(ctx, alice, "Checkout is down", "http://127.0.0.1:8080/twilio/voice?incident=inc-1", "inc-1/call", time.Time{}); err != nil {
		t.Fatal(err)
	}
	// A call without keys to press says nothing more.
	if _, err := c.Call(ctx, alice, "Old page", "", "inc-0/call", time.Time{}); err != nil {
		t.Fatal(err)
	}
	want := "[sms] to +49…0001: Checkout is down\n" +
		"       answer it: reply from the person of +49…0001\n" +
		"[call] to +49…0001, saying: Checkout is down\n" +
		"       answer it: press http://127.0.0.1:8080/twilio/voice?incident=inc-1\n" +
		"[call] to +49…0001, saying: Old page\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}
