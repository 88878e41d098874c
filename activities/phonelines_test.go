package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/baton-oncall/baton/activities/phone"
	"github.com/baton-oncall/baton/activities/phone/twilio"
	"github.com/baton-oncall/baton/internal/faketwilio"
	"github.com/baton-oncall/baton/phoneline"
)

// plStart is when the phone lines' tests start.
var plStart = time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)

// plAlice is the number of the person they page.
const plAlice = "+4915100000001"

// plActivities are Activities on a fake Twilio, with lines on a clock that
// the test moves by setting *now, and the environment to run them in.
func plActivities(t *testing.T) (*faketwilio.Server, *Activities, *testsuite.TestActivityEnvironment, *time.Time) {
	tw := faketwilio.New(t)
	lines := &memLines{now: plStart}
	a := &Activities{Phone: twilio.NewTwilio(faketwilio.AccountSID, faketwilio.AuthToken, "+15005550006", tw.URL(), nil), Lines: lines}
	return tw, a, activityEnv(a), &lines.now
}

// memLines keep the lines in this process, on the test's clock, with the
// rule the PhoneLine workflow keeps them by; the workflow itself is tested
// in package workflows and end to end.
type memLines struct {
	mu    sync.Mutex
	now   time.Time
	lines map[string]*phoneline.Line
}

func (m *memLines) line(number string) *phoneline.Line {
	if m.lines == nil {
		m.lines = map[string]*phoneline.Line{}
	}
	if m.lines[number] == nil {
		m.lines[number] = &phoneline.Line{}
	}
	return m.lines[number]
}

func (m *memLines) SMS(_ context.Context, number string, req phoneline.SMSRequest) (phoneline.SMSTurn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.line(number).SMS(m.now, req), nil
}

func (m *memLines) Sent(_ context.Context, number string, req phoneline.SMSSent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.line(number).Sent(m.now, req)
	return nil
}

func (m *memLines) Call(_ context.Context, number string, req phoneline.CallRequest) (phoneline.CallTurn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.line(number).Call(m.now, req), nil
}

// A storm: three incidents page alice within seconds. She gets one SMS at
// once, and the next one carries the rest; one call rings for them all.
func TestAStormRingsAPersonOncePerGap(t *testing.T) {
	tw, a, env, now := plActivities(t)
	sms := func(incident, headline string) (PhoneResult, error) {
		t.Helper()
		return execute[PhoneResult](env, a.SendSMS, SendSMSInput{
			To: plAlice, Body: "Baton: " + headline + ".", Key: incident + "/run/step1/sms/alice",
			Incident: incident, Headline: headline,
		})
	}
	held := func(err error) time.Duration {
		t.Helper()
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || app.Type() != "PhoneLineBusy" {
			t.Fatalf("want the SMS held, got %v", err)
		}
		return app.NextRetryDelay()
	}

	if _, err := sms("incident-data-a", "[CRITICAL] disk full"); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(10 * time.Second)
	_, err := sms("incident-data-b", "[HIGH] DAG failed")
	if d := held(err); d != 50*time.Second {
		t.Errorf("held for %s, want the 50 s left of the minute", d)
	}
	*now = now.Add(10 * time.Second)
	if d := held(func() error { _, err := sms("incident-data-c", "[HIGH] dbt failed"); return err }()); d != 40*time.Second {
		t.Errorf("held for %s, want 40 s", d)
	}
	// The first incident's own next step is not held: it goes at its time,
	// and carries the held ones with it.
	if _, err := sms("incident-data-a", "[CRITICAL] disk full, still"); err != nil {
		t.Fatal(err)
	}
	msgs := tw.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d SMS sent, want the first incident's two", len(msgs))
	}
	if body := msgs[1].Body; !strings.Contains(body, "Also firing (2 more): [HIGH] DAG failed; [HIGH] dbt failed") {
		t.Errorf("bundle: %q", body)
	}
	// The held ones' retries find themselves carried: nothing more is sent.
	*now = now.Add(61 * time.Second)
	for _, inc := range []string{"incident-data-b", "incident-data-c"} {
		if r, err := sms(inc, "[HIGH] whatever"); err != nil || r.With != "incident-data-a" {
			t.Errorf("%s: %+v %v, want it carried by a's SMS", inc, r, err)
		}
	}
	if n := len(tw.Messages()); n != 2 {
		t.Errorf("%d SMS for four steps of three incidents, want 2", n)
	}
	// First tries cannot have sent anything: they send without listing.
	if n := tw.Requests("GET", "Messages.json"); n != 0 {
		t.Errorf("%d look-ups of sent messages on first tries", n)
	}

	// Calls: another incident's call within two minutes is covered.
	call := func(incident string) PhoneResult {
		t.Helper()
		r, err := execute[PhoneResult](env, a.PlaceCall, PlaceCallInput{To: plAlice, Say: "Baton.", Key: incident + "/call", Incident: incident})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := call("incident-data-a"); r.With != "" || r.SID == "" {
		t.Errorf("first call: %+v", r)
	}
	*now = now.Add(30 * time.Second)
	if r := call("incident-data-b"); r.With != "incident-data-a" {
		t.Errorf("second incident's call: %+v, want it covered", r)
	}
	*now = now.Add(2 * time.Minute)
	if r := call("incident-data-c"); r.With != "" {
		t.Errorf("a call after the gap: %+v", r)
	}
	if n := len(tw.Calls()); n != 2 {
		t.Errorf("%d calls placed, want 2", n)
	}
}

// A storm of long summaries: one SMS never exceeds Twilio's 1,600
// characters, it lists what fits and counts the rest; and an SMS Twilio
// refuses leaves nothing on the line for the next one to that person.
func TestAStormOfLongSummariesFitsOneSMSAndARefusalBlocksNothing(t *testing.T) {
	tw, a, env, now := plActivities(t)
	a.PublicURL = "https://baton.example.com"
	long := strings.Repeat("ü", 700) // two bytes each: characters count, not bytes
	sms := func(incident, body string) error {
		t.Helper()
		_, err := env.ExecuteActivity(a.SendSMS, SendSMSInput{
			To: plAlice, Body: body, Key: incident + "/run/step1/sms/alice", Incident: incident, Headline: "[HIGH] " + incident + " " + long,
		})
		return err
	}
	if err := sms("incident-data-0", "Baton: first."); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 30; i++ {
		*now = now.Add(time.Second)
		if err := sms(fmt.Sprintf("incident-data-%d", i), "Baton: "+long); err == nil {
			t.Fatalf("incident %d was not held", i)
		}
	}
	// The first incident's next step carries them all, with a long body of
	// its own.
	if err := sms("incident-data-0", "Baton: "+strings.Repeat("x", 1590)); err != nil {
		t.Fatalf("the bundle: %v", err)
	}
	msgs := tw.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d SMS, want the first and the bundle", len(msgs))
	}
	bundle := msgs[1].Body
	if n := phone.Length(bundle); n > phone.MaxSMS {
		t.Errorf("the bundle has %d characters", n)
	}
	if !strings.Contains(bundle, "Also firing (30 more): ") || !strings.Contains(bundle, " more Reply 1 to acknowledge all 31") {
		t.Errorf("the bundle does not count what it carries, or how to answer: %q", bundle)
	}

	// Twilio refuses the next SMS, which carries a held one.
	*now = now.Add(2 * time.Minute)
	if err := sms("incident-data-40", "Baton: forty."); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Second)
	if err := sms("incident-data-41", "Baton: forty-one."); err == nil {
		t.Fatal("forty-one was not held")
	}
	*now = now.Add(time.Minute)
	tw.FailNext(1, http.StatusBadRequest)
	if err := sms("incident-data-40", "Baton: forty, again."); err == nil {
		t.Fatal("the refused SMS did not fail")
	}
	// The next SMS to alice goes out, carrying nothing of the refused one.
	if err := sms("incident-data-42", "Baton: forty-two."); err != nil {
		t.Fatalf("the SMS after a refusal: %v", err)
	}
	last := tw.Messages()[len(tw.Messages())-1].Body
	if !strings.HasPrefix(last, "Baton: forty-two.") || strings.Contains(last, "Also firing") {
		t.Errorf("the SMS after a refusal: %q", last)
	}
}

// rpcLines are memLines that, like the PhoneLine workflow reached over
// RPC, cannot be told anything on a context that is done.
type rpcLines struct{ *memLines }

func (r rpcLines) Sent(ctx context.Context, number string, req phoneline.SMSSent) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return r.memLines.Sent(ctx, number, req)
}

// An SMS stopped after it had its turn (its page acknowledged meanwhile)
// still tells the line that it was not sent: the person's next SMS,
// another incident's, goes at once instead of waiting a minute behind one
// that never went.
func TestAnSMSStoppedAfterItsTurnFreesTheLine(t *testing.T) {
	lines := rpcLines{&memLines{now: plStart}}
	a := &Activities{Lines: lines}
	first := phoneline.SMSRequest{Key: "incident-data-a/run/step1/sms/alice", Incident: "incident-data-a", Headline: "disk full"}
	if turn, _ := lines.SMS(context.Background(), plAlice, first); !turn.Send {
		t.Fatalf("the first SMS has no turn: %+v", turn)
	}
	stopped, stop := context.WithCancel(context.Background())
	stop()
	if err := a.tellLine(stopped, plAlice, phoneline.SMSSent{Key: first.Key, Incident: first.Incident, Failed: true}); err != nil {
		t.Fatalf("the line was not told: %v", err)
	}
	lines.now = lines.now.Add(5 * time.Second)
	turn, _ := lines.SMS(context.Background(), plAlice, phoneline.SMSRequest{Key: "incident-data-b/run/step1/sms/alice", Incident: "incident-data-b", Headline: "DAG failed"})
	if !turn.Send {
		t.Errorf("the next incident's SMS is held (%+v): the line never heard the stopped one fail", turn)
	}
}
