package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-oncall/baton/activities/phone/twilio"
	"github.com/baton-oncall/baton/incidentview"
	"github.com/baton-oncall/baton/internal/faketwilio"
	"github.com/baton-oncall/baton/workflows"
	historypb "go.temporal.io/api/history/v1"
)

const publicURL = "https://baton.example.com"

// replies numbers the SMS replies of the tests.
var replies atomic.Int64

// replySMS sends an SMS reply to the gateway as Twilio does: a form post
// signed over the public URL with the auth token.
func (s *incidentStack) replySMS(t *testing.T, from, body string) (int, string) {
	t.Helper()
	_, code, answer := s.reply(t, from, body)
	return code, answer
}

// reply sends an SMS reply, and sends it again as a new SMS for as long as
// the gateway answers that it could not reach the incident in Twilio's
// time, as that answer asks the person to (a loaded CI machine, under the
// race detector, has needed it). It returns the SID, the status and the
// answer of the reply that got through.
func (s *incidentStack) reply(t *testing.T, from, body string) (sid string, code int, answer string) {
	t.Helper()
	eventually(t, "a reply that reaches the incident", 30*time.Second, func() bool {
		sid = newSID()
		code, answer = s.postSMS(t, sid, from, body)
		return code != http.StatusOK || !strings.Contains(answer, "could not reach")
	})
	return sid, code, answer
}

// newSID is a MessageSid of its own: Twilio gives every message one, and
// one sent twice is a replay, which changes nothing.
func newSID() string { return fmt.Sprintf("SM%032x", replies.Add(1)) }

// postSMS posts an SMS reply as Twilio does, signed.
func (s *incidentStack) postSMS(t *testing.T, sid, from, body string) (int, string) {
	t.Helper()
	form := url.Values{"From": {from}, "To": {fromNumber}, "Body": {body}, "MessageSid": {sid}, "AccountSid": {faketwilio.AccountSID}}
	resp := s.post(t, "/twilio/sms", http.Header{
		"Content-Type":       {"application/x-www-form-urlencoded"},
		"X-Twilio-Signature": {twilio.Signature(faketwilio.AuthToken, publicURL+"/twilio/sms", form)},
	}, []byte(form.Encode()))
	text, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(text)
}

func TestAnSMSReplyAcknowledgesAndStopsTheEscalation(t *testing.T) {
	// The call comes a minute after the page: on a loaded machine, the
	// replies below (sent again while the incident is too busy to answer)
	// were seen to take over 20 s.
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 2s, action: sms}, {after: 60s, action: call}]}`), func(s *incidentStack) {
		s.cfg.PublicURL = publicURL
	})
	first := s.fireAlertmanager(t, "fp-reply-1")
	eventually(t, "the SMS", 20*time.Second, func() bool { return len(s.twilio.Messages()) > 0 })
	code := incidentview.ShortCode(first)
	if body := s.twilio.Messages()[0].Body; !strings.Contains(body, "Reply 1 to acknowledge, 2 to escalate ("+code+").") {
		t.Errorf("the SMS does not say how to answer: %q", body)
	}
	// A second page for alice: now "1" alone would answer it, the newest.
	second := s.fireAlertmanager(t, "fp-reply-2")
	eventually(t, "the second page", 10*time.Second, func() bool {
		return len(s.status(t, second).Summary.OnCall) == 1
	})

	reply, answer := s.replySMS(t, alicePhone, " 1 "+strings.ToLower(code))
	if reply != http.StatusOK || !strings.Contains(answer, "Acknowledged by alice via phone ("+first+")") {
		t.Fatalf("reply with the code: %d %s", reply, answer)
	}
	if st := s.status(t, first); st.State != workflows.StateAcknowledged || st.Summary.AcknowledgedBy != "alice" {
		t.Errorf("the first: %s by %q", st.State, st.Summary.AcknowledgedBy)
	}
	if st := s.status(t, second); st.State != workflows.StateTriggered {
		t.Errorf("the second, not named by the code: %s", st.State)
	}
	if _, answer := s.replySMS(t, alicePhone, "1"); !strings.Contains(answer, "("+second+")") {
		t.Errorf("reply without a code, for the newest page: %s", answer)
	}
	// Again: nothing is open to answer.
	if _, again := s.replySMS(t, alicePhone, "1"); !strings.Contains(again, "no open page") {
		t.Errorf("third reply: %s", again)
	}
	// Past the calls' deadlines: no call.
	callsDue := s.status(t, second).Summary.Triggered.Add(62 * time.Second)
	for _, id := range []string{first, second} {
		if n := s.scheduledBy(t, id, callsDue, "PlaceCall"); n != 0 {
			t.Errorf("%s: %d calls scheduled after the SMS replies acknowledged", id, n)
		}
	}
	if n := len(s.twilio.Calls()); n != 0 {
		t.Errorf("%d calls after the SMS replies acknowledged", n)
	}
}

func TestAKeyPressedDuringTheCallAcknowledges(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 2s, action: call}, {after: 20s, action: sms}]}`), func(s *incidentStack) {
		s.cfg.PublicURL = publicURL
	})
	id := s.fireAlertmanager(t, "fp-keypress")
	eventually(t, "the call", 20*time.Second, func() bool { return len(s.twilio.Calls()) > 0 })
	call := s.twilio.Calls()[0]
	if len(call.Say) == 0 || !strings.Contains(call.Say[0], "Press 1 to acknowledge, 2 to escalate") || call.GatherAction == "" {
		t.Fatalf("the call offers no keys: %+v", call)
	}
	action, err := url.Parse(call.GatherAction)
	if err != nil || !strings.HasPrefix(call.GatherAction, publicURL+"/twilio/voice?") {
		t.Fatalf("gather action %q", call.GatherAction)
	}
	// Twilio posts the key to the action URL, signed over it.
	form := url.Values{"CallSid": {call.SID}, "AccountSid": {faketwilio.AccountSID}, "From": {fromNumber}, "To": {alicePhone}, "Digits": {"1"}}
	press := func(sig string) (int, string) {
		resp := s.post(t, action.RequestURI(), http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "X-Twilio-Signature": {sig},
		}, []byte(form.Encode()))
		text, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(text)
	}
	if code, _ := press("forged"); code != http.StatusForbidden {
		t.Errorf("a forged press: %d, want 403", code)
	}
	if st := s.status(t, id); st.State != workflows.StateTriggered {
		t.Fatalf("a forged press changed the incident: %s", st.State)
	}
	// An incident too busy to answer within the gateway's 10 s (a loaded
	// CI machine, under the race detector) is told as such; the same press
	// sent again is the same request (its CallSid), answered with the
	// first one's outcome once it has one.
	var code int
	var said string
	eventually(t, "a press that reaches the incident", 60*time.Second, func() bool {
		code, said = press(twilio.Signature(faketwilio.AuthToken, call.GatherAction, form))
		return code != http.StatusOK || !strings.Contains(said, "could not reach")
	})
	if code != http.StatusOK || !strings.Contains(said, "<Say>Acknowledged. Thank you.</Say>") {
		t.Fatalf("press: %d %s", code, said)
	}
	st := s.status(t, id)
	if st.State != workflows.StateAcknowledged || st.Summary.AcknowledgedBy != "alice" {
		t.Errorf("status %s by %q", st.State, st.Summary.AcknowledgedBy)
	}
	eventually(t, "the ack in the timeline", 10*time.Second, func() bool {
		return strings.Contains(timelineOf(s.status(t, id)), "Acknowledged by alice via phone")
	})
	// The SMS step comes 20 s after the page. A press taken before then
	// cancels it; one that a loaded machine held past it (each try waits
	// up to the gateway's 10 s) finds the SMS sent, and nothing may follow
	// the ack. Either way the check waits past the step, and past the ack.
	ackAt, smsDue := st.Summary.Acknowledged, st.Summary.Triggered.Add(20*time.Second)
	checkAt := smsDue
	if ackAt.After(checkAt) {
		checkAt = ackAt
	}
	total := s.scheduledBy(t, id, checkAt.Add(2*time.Second), "SendSMS")
	beforeAck := s.events(t, id, func(e *historypb.HistoryEvent) bool {
		return e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == "SendSMS" && e.GetEventTime().AsTime().Before(ackAt)
	})
	if total != beforeAck {
		t.Errorf("%d SMS scheduled after the keypress acknowledged at %s", total-beforeAck, ackAt.Sub(st.Summary.Triggered))
	}
	if n := len(s.twilio.Messages()); n != beforeAck {
		t.Errorf("%d SMS sent, %d of them before the keypress acknowledged at %s", n, beforeAck, ackAt.Sub(st.Summary.Triggered))
	}
}

func timelineOf(st workflows.IncidentStatus) string {
	var b strings.Builder
	for _, e := range st.Timeline {
		b.WriteString(e.Text + "\n")
	}
	return b.String()
}

func TestAStormsBundledSMSIsAnsweredAtOnce(t *testing.T) {
	// Not beside the other tests, though its bundle waits out the
	// per-person SMS gap of a minute: two servers at once under the race
	// detector on 2 cores starved each other past the steps' seconds.
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 1s, action: sms}]}`), func(s *incidentStack) {
		s.cfg.PublicURL = publicURL
	})
	first := s.fireAlertmanager(t, "fp-storm-1")
	eventually(t, "the first SMS", 20*time.Second, func() bool { return len(s.twilio.Messages()) == 1 })
	second := s.fireAlertmanager(t, "fp-storm-2")
	third := s.fireAlertmanager(t, "fp-storm-3")
	// The second and third are held, and go out as one SMS a minute after
	// the first.
	eventually(t, "the bundle", 90*time.Second, func() bool { return len(s.twilio.Messages()) == 2 })
	// Once both held pages have recorded their SMS step (one sent the
	// bundle, the other went with it), no more SMS can come of them.
	eventually(t, "both held pages' SMS steps recorded", 10*time.Second, func() bool {
		return s.timelineHas(second, "SMS sent to", "SMS to alice went with") && s.timelineHas(third, "SMS sent to", "SMS to alice went with")
	})
	if n := len(s.twilio.Messages()); n != 2 {
		t.Fatalf("%d SMS, want the first and one bundle", n)
	}
	bundle := s.twilio.Messages()[1].Body
	if !strings.Contains(bundle, "Also firing (1 more)") || !strings.Contains(bundle, "Reply 1 to acknowledge all 2, 2 to escalate all 2 (") {
		t.Errorf("the bundle does not say it is answered as one: %q", bundle)
	}
	if n := len(s.status(t, second).SMSWith) + len(s.status(t, third).SMSWith); n != 1 {
		t.Errorf("%d held pages noted as carried, want 1", n)
	}

	// An incident too busy to answer in Twilio's time is told as such, and
	// the person replies again, as the answer asks: on a loaded machine
	// (CI's, under the race detector) that has taken more than one retry.
	// Whatever reply first reaches the bundle answers for both its pages.
	var answers []string
	eventually(t, "a reply that reaches every page of the bundle", 30*time.Second, func() bool {
		code, answer := s.postSMS(t, newSID(), alicePhone, "1")
		if code != http.StatusOK {
			t.Fatalf("reply to the bundle: %d %s", code, answer)
		}
		answers = append(answers, answer)
		return !strings.Contains(answer, "could not reach")
	})
	replies := strings.Join(answers, "\n")
	if !strings.Contains(replies, "all 2 pages of that SMS") || !strings.Contains(replies, second) || !strings.Contains(replies, third) {
		t.Errorf("no reply answered for both pages of the bundle:\n%s", replies)
	}
	for _, id := range []string{second, third} {
		if st := s.status(t, id); st.State != workflows.StateAcknowledged || st.Summary.AcknowledgedBy != "alice" {
			t.Errorf("%s: %s by %q (the replies said:\n%s)", id, st.State, st.Summary.AcknowledgedBy, replies)
		}
	}
	if st := s.status(t, first); st.State != workflows.StateTriggered {
		t.Errorf("the first page, in an SMS of its own, was answered too: %s", st.State)
	}
}
