package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/activities/phone/twilio"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/internal/faketwilio"
	"github.com/baton-oncall/baton/workflows"
)

// replay posts a captured SMS reply again, its MessageSid and all, and
// posts it again for as long as the gateway answers that it could not
// reach Temporal in Twilio's time (a loaded CI machine has needed that).
func (s *incidentStack) replay(t *testing.T, sid, from, body string) string {
	t.Helper()
	var answer string
	eventually(t, "the replay read", 30*time.Second, func() bool {
		var code int
		code, answer = s.postSMS(t, sid, from, body)
		if code != http.StatusOK {
			t.Fatalf("SMS reply: %d %s", code, answer)
		}
		return !strings.Contains(answer, "could not reach")
	})
	return answer
}

// keyPress is a key pressed during a call, as Twilio posts it to the
// call's <Gather> action: a captured one can be posted again as it was.
type keyPress struct {
	action string
	form   url.Values
}

func capturePress(t *testing.T, call faketwilio.Call, digits string) keyPress {
	t.Helper()
	if !strings.HasPrefix(call.GatherAction, publicURL+"/twilio/voice?") {
		t.Fatalf("the call offers no keys: %+v", call)
	}
	return keyPress{action: call.GatherAction, form: url.Values{
		"CallSid": {call.SID}, "AccountSid": {faketwilio.AccountSID}, "From": {fromNumber}, "To": {call.To}, "Digits": {digits},
	}}
}

func (s *incidentStack) sendPress(t *testing.T, p keyPress) string {
	t.Helper()
	u, err := url.Parse(p.action)
	if err != nil {
		t.Fatal(err)
	}
	resp := s.post(t, u.RequestURI(), http.Header{
		"Content-Type":       {"application/x-www-form-urlencoded"},
		"X-Twilio-Signature": {twilio.Signature(faketwilio.AuthToken, p.action, p.form)},
	}, []byte(p.form.Encode()))
	text, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("key press: %s %s", resp.Status, text)
	}
	return string(text)
}

// The secondary got an SMS for the page, which says "Reply 1 to
// acknowledge": their reply acknowledges it, though they are not on call.
func TestTheSecondaryAcknowledgesByReplyingToTheirSMS(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 1s, action: sms_secondary}]}`), func(s *incidentStack) {
		s.cfg.PublicURL = publicURL
	})
	id := s.fireAlertmanager(t, "fp-secondary-reply")
	eventually(t, "bob's SMS", 20*time.Second, func() bool { return len(s.smsTo(bobPhone)) == 1 })
	if body := s.smsTo(bobPhone)[0]; !strings.Contains(body, "Reply 1 to acknowledge") {
		t.Fatalf("bob's SMS does not say how to answer: %q", body)
	}
	eventually(t, "the SMS recorded", 10*time.Second, func() bool {
		for _, i := range s.status(t, id).Summary.Interruptions {
			if i.Person == "bob" && i.Kind == "sms" {
				return true
			}
		}
		return false
	})
	_, answer := s.replySMS(t, bobPhone, "1")
	if !strings.Contains(answer, "Acknowledged by bob via phone ("+id+")") {
		t.Fatalf("bob's reply: %s", answer)
	}
	if st := s.status(t, id); st.State != workflows.StateAcknowledged || st.Summary.AcknowledgedBy != "bob" {
		t.Errorf("after bob's reply: %s by %q", st.State, st.Summary.AcknowledgedBy)
	}
}

// A captured SMS reply, posted again with its signature, changes nothing:
// not the page it answered, nor the next page of the same person.
func TestAReplayedSMSReplyChangesNothing(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 1s, action: sms}]}`), func(s *incidentStack) {
		s.cfg.PublicURL = publicURL
	})
	older := s.fireAlertmanager(t, "fp-replay-sms-1")
	eventually(t, "alice's SMS", 20*time.Second, func() bool { return len(s.smsTo(alicePhone)) == 1 })
	newer := s.fireAlertmanager(t, "fp-replay-sms-2")
	eventually(t, "the second page", 10*time.Second, func() bool { return len(s.status(t, newer).Summary.OnCall) == 1 })

	sid, _, answer := s.reply(t, alicePhone, "1")
	if !strings.Contains(answer, "Acknowledged by alice via phone ("+newer+")") {
		t.Fatalf("the reply: %s", answer)
	}
	if answer := s.replay(t, sid, alicePhone, "1"); !strings.Contains(answer, "answered already") {
		t.Errorf("the replay: %s", answer)
	}
	if *record {
		saveHistory(t, s.client, s.client.GetWorkflow(context.Background(), contract.TwilioReceiptWorkflowID(sid), ""), filepath.Join("..", "workflows", "testdata", "receipt.json"))
	}
	if st := s.status(t, older); st.State != workflows.StateTriggered {
		t.Errorf("the replay acted on the older page: %s by %q", st.State, st.Summary.AcknowledgedBy)
	}
	// A new message is a new answer.
	if _, answer := s.replySMS(t, alicePhone, "1"); !strings.Contains(answer, "("+older+")") {
		t.Errorf("a new reply: %s", answer)
	}
}

// A reply replayed once the incident it answered has closed finds no page
// of its own any more: it must not fall through to the person's next page.
func TestAReplayedSMSReplyDoesNotAnswerALaterIncident(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 1s, action: sms}]}`), func(s *incidentStack) {
		s.cfg.PublicURL = publicURL
	})
	first := s.fireAlertmanager(t, "fp-replay-later-1")
	eventually(t, "alice's SMS", 20*time.Second, func() bool { return len(s.smsTo(alicePhone)) == 1 })
	sid, _, answer := s.reply(t, alicePhone, "1")
	if !strings.Contains(answer, "Acknowledged by alice via phone") {
		t.Fatalf("the reply: %s", answer)
	}
	// The first incident ends (as if resolved and followed up long ago).
	if err := s.client.TerminateWorkflow(context.Background(), first, "", "the test closes it"); err != nil {
		t.Fatal(err)
	}
	later := s.fireAlertmanager(t, "fp-replay-later-2")
	// Alice is on call for it, so a reply without a code would answer it.
	eventually(t, "the later page", 10*time.Second, func() bool { return len(s.status(t, later).Summary.OnCall) == 1 })

	if answer := s.replay(t, sid, alicePhone, "1"); !strings.Contains(answer, "answered already") {
		t.Errorf("the replay: %s", answer)
	}
	if st := s.status(t, later); st.State != workflows.StateTriggered {
		t.Errorf("the replay acted on the later incident: %s by %q", st.State, st.Summary.AcknowledgedBy)
	}
}

// A key press posted twice (the same CallSid) is taken once: "2" pages the
// secondary once, not once per post.
func TestAReplayedKeyPressChangesNothing(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 1s, action: call}]}`), func(s *incidentStack) {
		s.cfg.PublicURL = publicURL
	})
	id := s.fireAlertmanager(t, "fp-replay-key")
	eventually(t, "the call", 20*time.Second, func() bool { return len(s.twilio.Calls()) == 1 })
	press := capturePress(t, s.twilio.Calls()[0], "2")
	first := s.sendPress(t, press)
	if !strings.Contains(first, "<Say>") || strings.Contains(first, "Nothing was changed") {
		t.Fatalf("the press: %s", first)
	}
	if again := s.sendPress(t, press); again != first {
		t.Errorf("the replay was answered %q, want the first answer %q", again, first)
	}
	// A note after both: once it is in the timeline, every action before
	// it is too.
	if _, err := incidentclient.Act(context.Background(), s.client, id, workflows.ActionRequest{Action: workflows.ActionNote, By: "test", Via: "cli", Note: "after the presses"}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(timelineOf(s.status(t, id)), "Escalated by hand by alice"); n != 1 {
		t.Errorf("%d escalations for one press posted twice, want 1:\n%s", n, timelineOf(s.status(t, id)))
	}
}

// A key press captured during one page, posted when the same alert has
// paged again (the incident reopened, then a new incident of the same key
// after it closed), changes nothing: the press names its run and round.
func TestACapturedKeyPressDoesNotAnswerALaterPage(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 1s, action: call}]}`), func(s *incidentStack) {
		s.cfg.PublicURL = publicURL
	})
	ctx := context.Background()
	id := s.fireAlertmanager(t, "fp-captured")
	eventually(t, "the call", 20*time.Second, func() bool { return len(s.twilio.Calls()) == 1 })
	captured := capturePress(t, s.twilio.Calls()[0], "1")
	if _, err := incidentclient.Act(ctx, s.client, id, workflows.ActionRequest{Action: workflows.ActionResolve, By: "alice", Via: "cli"}); err != nil {
		t.Fatal(err)
	}

	// The alert fires again: the same incident, reopened for a new page.
	if again := s.fireAlertmanager(t, "fp-captured"); again != id {
		t.Fatalf("the repeat went to %s, not %s", again, id)
	}
	eventually(t, "the reopened page", 10*time.Second, func() bool { return s.status(t, id).State == workflows.StateTriggered })
	if said := s.sendPress(t, captured); !strings.Contains(said, "Nothing was changed: that answers an earlier page of this incident") {
		t.Errorf("the captured press on the reopened page: %s", said)
	}
	if st := s.status(t, id); st.State != workflows.StateTriggered {
		t.Errorf("the reopened page: %s by %q", st.State, st.Summary.AcknowledgedBy)
	}

	// The incident ends; the alert fires again: a new run of the same ID.
	if err := s.client.TerminateWorkflow(ctx, id, "", "the test ends it"); err != nil {
		t.Fatal(err)
	}
	if again := s.fireAlertmanager(t, "fp-captured"); again != id {
		t.Fatalf("the new incident is %s, not %s", again, id)
	}
	eventually(t, "the new incident's page", 10*time.Second, func() bool {
		st, err := incidentclient.Status(ctx, s.client, id)
		return err == nil && st.State == workflows.StateTriggered && len(st.Summary.OnCall) == 1
	})
	if said := s.sendPress(t, captured); !strings.Contains(said, "Nothing was changed: that was for an earlier incident") {
		t.Errorf("the captured press on the new incident: %s", said)
	}
	if st := s.status(t, id); st.State != workflows.StateTriggered {
		t.Errorf("the new incident: %s by %q", st.State, st.Summary.AcknowledgedBy)
	}
}
