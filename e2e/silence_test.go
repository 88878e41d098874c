package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/silenceclient"
	"github.com/baton-oncall/baton/workflows"
)

// Silences end to end: set from Slack as a person of the team would, kept
// by the team's Silences workflow on a real server, read by the incidents.
// The proof is the phone fake's own record of when each SMS went.

// timelineAt is when the incident's timeline first noted text; zero while
// it has not.
func (s *incidentStack) timelineAt(t *testing.T, id, text string) time.Time {
	for _, e := range s.status(t, id).Timeline {
		if strings.Contains(e.Text, text) {
			return e.At
		}
	}
	return time.Time{}
}

func TestASilencedAlertRingsNoPhoneUntilItsSilenceEnds(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 3s, action: sms}]}`))
	answer := string(s.slashAnswer(t, "silence service=airflow 20s warehouse migration", "UALICE"))
	if !strings.Contains(answer, "Silence s1 set: alerts of data matching `service=airflow` page nobody until") {
		t.Fatalf("/baton silence answered %s", answer)
	}
	eventually(t, "the channel told of the silence", 15*time.Second, func() bool {
		return s.channelHas("🔕 Silence s1 set by <@UALICE> until")
	})
	id := s.fireAlertmanager(t, "fp-silenced")
	eventually(t, "the page shown, marked silenced", 15*time.Second, func() bool {
		return s.channelHas("Silenced by s1 until")
	})
	var paged time.Time
	eventually(t, "the page when the silence ran out", 60*time.Second, func() bool {
		paged = s.timelineAt(t, id, "Silence s1 ended and the alert still fires: paged")
		return !paged.IsZero()
	})
	eventually(t, "the SMS of the escalation after the silence", 30*time.Second, func() bool { return len(s.twilio.Messages()) > 0 })
	st := s.status(t, id)
	msgs := s.twilio.Messages()
	if len(msgs) != 1 || msgs[0].DateCreated.Before(paged.Add(3*time.Second-time.Second)) {
		t.Errorf("%d SMS, the first at %s; want one, its step 3 s after the page at %s, not before", len(msgs), msgs[0].DateCreated, paged)
	}
	list, err := silenceclient.List(context.Background(), s.client, "data")
	if err != nil || len(list) != 1 {
		t.Fatalf("the team's silences: %+v %v", list, err)
	}
	if paged.Before(list[0].Until) {
		t.Errorf("paged at %s, before the silence ran out at %s", paged, list[0].Until)
	}
	if sum := st.Summary; sum.Silenced != "s1" || sum.SilenceNote != "warehouse migration" {
		t.Errorf("the record names silence %q (%q), want s1 (warehouse migration)", sum.Silenced, sum.SilenceNote)
	}
	eventually(t, "the channel told of the silence's end", 15*time.Second, func() bool {
		return s.channelHas("🔔 Silence s1 ran out at")
	})
}

func TestASilenceSetWhileAPageWaitsPausesItsEscalation(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 30s, action: sms}]}`))
	id := s.fireAlertmanager(t, "fp-paused")
	eventually(t, "the page", 15*time.Second, func() bool { return s.channelHas("orders_daily DAG failed") })
	if answer := string(s.slashAnswer(t, "silence alertname=DagFailed 10m planned", "UALICE")); !strings.Contains(answer, "Silence s1 set") {
		t.Fatalf("/baton silence answered %s", answer)
	}
	var paused time.Time
	eventually(t, "the escalation paused", 20*time.Second, func() bool {
		paused = s.timelineAt(t, id, "its escalation paused")
		return !paused.IsZero()
	})
	if answer := string(s.slashAnswer(t, "silence remove s1", "UALICE")); !strings.Contains(answer, "Silence s1 removed") {
		t.Fatalf("/baton silence remove answered %s", answer)
	}
	var resumed time.Time
	eventually(t, "the escalation resumed", 20*time.Second, func() bool {
		resumed = s.timelineAt(t, id, "its escalation resumes")
		return !resumed.IsZero()
	})
	eventually(t, "the SMS", 60*time.Second, func() bool { return len(s.twilio.Messages()) > 0 })
	st := s.status(t, id)
	due := st.Summary.Triggered.Add(30 * time.Second).Add(resumed.Sub(paused))
	if msgs := s.twilio.Messages(); len(msgs) != 1 || msgs[0].DateCreated.Before(due.Add(-time.Second)) {
		t.Errorf("%d SMS, the first at %s; want one, no sooner than its step moved by the pause (%s)", len(msgs), msgs[0].DateCreated, due)
	}
	if paused.Before(st.Summary.Triggered) || st.State != workflows.StateTriggered {
		t.Errorf("paused at %s for an incident triggered at %s, now %s", paused, st.Summary.Triggered, st.State)
	}
	eventually(t, "the channel told of the removal", 15*time.Second, func() bool {
		return s.channelHas("🔔 Silence s1 was removed by <@UALICE>")
	})
}
