package twilio_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/activities/phone/twilio"
	"github.com/baton-oncall/baton/internal/activitytest"
	"github.com/baton-oncall/baton/internal/faketwilio"
)

// Numbers in these tests: Baton's own, and two people's.
const (
	batonNumber = "+15005550006"
	alice       = "+4915112340001"
	bob         = "+447700900123"
)

// newTwilio starts a fake Twilio and a client for it.
func newTwilio(t *testing.T) (*faketwilio.Server, *twilio.Twilio) {
	t.Helper()
	srv := faketwilio.New(t)
	return srv, twilio.NewTwilio(faketwilio.AccountSID, faketwilio.AuthToken, batonNumber, srv.URL(), nil)
}

// requireNoSecrets checks that an error names no phone number, however
// encoded, and neither the auth token nor a message body.
func requireNoSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	secrets = append(secrets, alice, "%2B4915112340001", "15112340001", batonNumber, faketwilio.AuthToken)
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains %q", err, s)
		}
	}
}

func TestTwilioSMS(t *testing.T) {
	srv, tw := newTwilio(t)
	ctx := context.Background()
	// A since with a fraction of a second: Twilio's dates have none, and a
	// message sent in the same second must still count as since.
	since := time.Now()

	sid, err := tw.SMS(ctx, alice, "Checkout is down", "inc-1/sms", since)
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("sent %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.SID != sid || !strings.HasPrefix(sid, "SM") {
		t.Errorf("SMS returned %q, the message is %q", sid, m.SID)
	}
	if m.To != alice || m.From != batonNumber {
		t.Errorf("message from %q to %q, want from %q to %q", m.From, m.To, batonNumber, alice)
	}
	if want := "Checkout is down [ref " + twilio.Ref("inc-1/sms") + "]"; m.Body != want {
		t.Errorf("body %q, want %q", m.Body, want)
	}
	if !regexp.MustCompile(`^[0-9a-f]{6}$`).MatchString(twilio.Ref("inc-1/sms")) {
		t.Errorf("Ref = %q, want six hex digits", twilio.Ref("inc-1/sms"))
	}

	again, err := tw.SMS(ctx, alice, "Checkout is down", "inc-1/sms", since)
	if err != nil {
		t.Fatal(err)
	}
	if again != sid {
		t.Errorf("second SMS returned %q, want the first's %q", again, sid)
	}
	if n := srv.Requests("POST", "Messages.json"); n != 1 {
		t.Errorf("%d posts after a repeated SMS, want 1", n)
	}

	sends := []struct {
		name, to, key string
		since         time.Time
	}{
		{name: "another key", to: alice, key: "inc-2/sms", since: since},
		{name: "another number", to: bob, key: "inc-1/sms", since: since},
		{name: "a later step", to: alice, key: "inc-1/sms", since: time.Now().Add(2 * time.Second)},
	}
	for i, s := range sends {
		got, err := tw.SMS(ctx, s.to, "Checkout is down", s.key, s.since)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if n := srv.Requests("POST", "Messages.json"); n != i+2 || got == sid {
			t.Errorf("%s: %d posts and SID %q, want %d posts and a new SID", s.name, n, got, i+2)
		}
	}
}

func TestTwilioSMSFollowsPagesUpToFive(t *testing.T) {
	srv, tw := newTwilio(t)
	srv.SetPageSize(2)
	ctx := context.Background()
	since := time.Now().Add(-time.Minute)
	send := func(key string) string {
		t.Helper()
		sid, err := tw.SMS(ctx, alice, "page", key, since)
		if err != nil {
			t.Fatal(err)
		}
		return sid
	}
	first := send("k0")
	for i := 1; i < 10; i++ {
		send(fmt.Sprintf("k%d", i))
	}
	// Newest first, two a page: k0 is the last on the fifth page.
	if got := send("k0"); got != first || len(srv.Messages()) != 10 {
		t.Errorf("k0 on page 5: SMS returned %q with %d messages, want %q with 10", got, len(srv.Messages()), first)
	}
	// One more pushes it to the sixth, beyond the look-up.
	send("k10")
	if got := send("k0"); got == first || len(srv.Messages()) != 12 {
		t.Errorf("k0 on page 6: SMS returned %q with %d messages, want a new one, 12 messages", got, len(srv.Messages()))
	}
}

func TestTwilioSMSLooksUpTheUTCDay(t *testing.T) {
	srv, tw := newTwilio(t)
	// One minute before midnight UTC is already the next day in Kiribati:
	// the DateSent filter must take the UTC day, or it misses the message.
	now := time.Date(2026, 3, 1, 23, 59, 0, 0, time.UTC)
	srv.SetNow(func() time.Time { return now })
	since := now.In(time.FixedZone("Kiribati", 14*60*60))
	ctx := context.Background()

	first, err := tw.SMS(ctx, alice, "late", "k", since)
	if err != nil {
		t.Fatal(err)
	}
	again, err := tw.SMS(ctx, alice, "late", "k", since)
	if err != nil {
		t.Fatal(err)
	}
	if again != first || len(srv.Messages()) != 1 {
		t.Errorf("second SMS returned %q with %d messages, want %q with 1", again, len(srv.Messages()), first)
	}
}

func TestTwilioCall(t *testing.T) {
	srv, tw := newTwilio(t)
	ctx := context.Background()
	since := time.Now()
	say := `Disk < 5% & "checkout" is down`

	sid, err := tw.Call(ctx, alice, say, "", "inc-1/call", since)
	if err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls()
	if len(calls) != 1 {
		t.Fatalf("placed %d calls, want 1", len(calls))
	}
	c := calls[0]
	if c.SID != sid || !strings.HasPrefix(sid, "CA") || c.To != alice || c.From != batonNumber {
		t.Errorf("call %+v, want SID %q from %q to %q", c, sid, batonNumber, alice)
	}
	if !slices.Equal(c.Say, []string{say, say}) {
		t.Errorf("call says %q, want %q twice", c.Say, say)
	}
	if !strings.Contains(c.Twiml, `Disk &lt; 5% &amp; `) || !strings.Contains(c.Twiml, `<Pause length="1"/>`) {
		t.Errorf("TwiML %q lacks the escaped text or the pause", c.Twiml)
	}

	// A retry while the call waits in Twilio's queue, then after it rang.
	for _, stage := range []string{"queued", "dialled"} {
		if stage == "dialled" {
			srv.DialQueued()
		}
		again, err := tw.Call(ctx, alice, say, "", "inc-1/call", since)
		if err != nil {
			t.Fatal(err)
		}
		if again != sid || srv.Requests("POST", "Calls.json") != 1 {
			t.Errorf("%s: second Call returned %q after %d posts, want %q after 1", stage, again, srv.Requests("POST", "Calls.json"), sid)
		}
	}

	if _, err := tw.Call(ctx, bob, say, "", "inc-1/call", since); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Call(ctx, alice, say, "", "inc-1/call-2", time.Now().Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests("POST", "Calls.json"); n != 3 {
		t.Errorf("%d calls placed, want 3: one more to bob and one for alice's next step", n)
	}
}

func TestTwilioErrors(t *testing.T) {
	const body = "Checkout is down, secret details"
	ctx := context.Background()
	since := time.Now()
	both := map[string]func(*twilio.Twilio, string) error{
		"SMS": func(tw *twilio.Twilio, to string) error {
			_, err := tw.SMS(ctx, to, body, "k", since)
			return err
		},
		"Call": func(tw *twilio.Twilio, to string) error {
			_, err := tw.Call(ctx, to, body, "", "k", since)
			return err
		},
	}
	tests := []struct {
		name   string
		token  string
		to     string
		inject func(*faketwilio.Server)
		check  func(*testing.T, error)
	}{
		{
			name:  "bad auth token",
			token: "wrong-secret-token",
			check: func(t *testing.T, err error) {
				activitytest.RequireNonRetryable(t, err, "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "401")
				requireNoSecrets(t, err, "wrong-secret-token")
			},
		},
		{
			name: "number not E.164",
			to:   "004915112340001",
			check: func(t *testing.T, err error) {
				activitytest.RequireNonRetryable(t, err, "21211", "not a valid phone number")
				requireNoSecrets(t, err, "004915112340001")
			},
		},
		{
			name:   "service unavailable",
			inject: func(s *faketwilio.Server) { s.FailNext(1, 503) },
			check: func(t *testing.T, err error) {
				activitytest.RequireRetryable(t, err)
				requireNoSecrets(t, err)
			},
		},
		{
			name:   "rate limited",
			inject: func(s *faketwilio.Server) { s.RateLimitNext(1, 2*time.Second) },
			check: func(t *testing.T, err error) {
				activitytest.RequireRetryable(t, err)
				if d := activitytest.AppError(t, err).NextRetryDelay(); d != 2*time.Second {
					t.Errorf("NextRetryDelay = %v, want 2s", d)
				}
				requireNoSecrets(t, err)
			},
		},
	}
	for _, tt := range tests {
		for kind, send := range both {
			t.Run(tt.name+"/"+kind, func(t *testing.T) {
				srv := faketwilio.New(t)
				token := cmp.Or(tt.token, faketwilio.AuthToken)
				tw := twilio.NewTwilio(faketwilio.AccountSID, token, batonNumber, srv.URL(), nil)
				if tt.inject != nil {
					tt.inject(srv)
				}
				err := send(tw, cmp.Or(tt.to, alice))
				tt.check(t, err)
				requireNoSecrets(t, err, body)
			})
		}
	}
}

func TestTwilioNetworkErrorHidesTheURL(t *testing.T) {
	down := httptest.NewServer(nil)
	down.Close()
	tw := twilio.NewTwilio(faketwilio.AccountSID, faketwilio.AuthToken, batonNumber, down.URL, nil)
	_, err := tw.SMS(context.Background(), alice, "Checkout is down", "k", time.Now())
	activitytest.RequireRetryable(t, err)
	// net/http names the URL in its errors, and the query holds the numbers.
	requireNoSecrets(t, err, "To=")
}
