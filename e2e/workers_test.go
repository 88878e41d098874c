package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/incidentclient"
)

// Two workers, each with its gateway, share one Temporal server. A storm
// sent through both gives alice what one worker gives her: one SMS at
// once, one bundle a minute later carrying the rest, one call for all. The
// worker that took the first steps dies mid-storm and nothing is lost or
// doubled: each phone's line is kept in Temporal, not in either process.
func TestTwoWorkersRingAPersonAsOne(t *testing.T) {
	// Not beside the other tests, though its bundle waits out the
	// per-person SMS gap of a minute: two servers at once under the race
	// detector on 2 cores starved each other past the steps' seconds.
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 1s, action: sms}, {after: 3s, action: call}]}`))
	stopFirst := s.stop
	gateways := []string{s.gateway, s.startWorker(t)}
	var ids []string
	for i := range 6 {
		s.gateway = gateways[i%2]
		ids = append(ids, s.fireAlertmanager(t, fmt.Sprintf("fp-workers-%d", i)))
	}
	eventually(t, "the first SMS and call", 30*time.Second, func() bool {
		return len(s.twilio.Messages()) > 0 && len(s.twilio.Calls()) > 0
	})
	stopFirst()
	s.gateway = gateways[1]

	recorded := func(id string) bool {
		return s.timelineHas(id, "SMS sent to alice", "SMS to alice went with") && s.timelineHas(id, "Called alice", "call to alice went with")
	}
	eventually(t, "every incident's SMS and call recorded", 120*time.Second, func() bool {
		for _, id := range ids {
			if !recorded(id) {
				return false
			}
		}
		return true
	})
	// One SMS at once and one bundle a minute later carrying the rest, as
	// one worker sends. When the first SMS's own try is cut short and
	// tried again (a loaded machine), the retry carries what was held by
	// then, and the storm may take one SMS: never more than two.
	msgs, calls := s.twilio.Messages(), s.twilio.Calls()
	t.Cleanup(func() {
		if t.Failed() {
			s.tellPhoneTrail(t, ids)
		}
	})
	if len(msgs) < 1 || len(msgs) > 2 || len(calls) != 1 {
		t.Fatalf("%d SMS and %d calls to alice for a storm of %d, want 1 or 2, and 1, as one worker sends", len(msgs), len(calls), len(ids))
	}
	named := 0
	for _, m := range msgs {
		for n := 1; n < len(ids); n++ {
			if strings.Contains(m.Body, fmt.Sprintf("Also firing (%d more)", n)) {
				named += n
			}
		}
	}
	carried := 0
	for _, id := range ids {
		carried += len(s.status(t, id).SMSWith)
	}
	if carried != len(ids)-len(msgs) || named != carried {
		t.Errorf("%d pages noted as carried and %d named in the SMS, want each %d: every page in an SMS of its own or carried by one", carried, named, len(ids)-len(msgs))
	}
	if *record {
		line := contract.PhoneLineWorkflowID(contract.PhoneLineKey([]byte(s.cfg.TwilioAuthToken), alicePhone))
		saveHistory(t, s.client, s.client.GetWorkflow(context.Background(), line, ""), filepath.Join("..", "workflows", "testdata", "phoneline.json"))
	}
}

// tellPhoneTrail logs what the phone fake received and what each incident
// noted of its SMS and calls: a failure on a loaded CI machine is then
// read from its log, where the counts alone say nothing of why.
func (s *incidentStack) tellPhoneTrail(t *testing.T, ids []string) {
	for _, m := range s.twilio.Messages() {
		t.Logf("SMS %s at %s: %q", m.SID, m.DateCreated.Format(time.StampMilli), m.Body)
	}
	for _, c := range s.twilio.Calls() {
		t.Logf("call %s at %s", c.SID, c.DateCreated.Format(time.StampMilli))
	}
	for _, id := range ids {
		st, err := incidentclient.Status(context.Background(), s.client, id)
		if err != nil {
			t.Logf("%s: %v", id, err)
			continue
		}
		for _, e := range st.Timeline {
			if strings.Contains(e.Text, "SMS") || strings.Contains(e.Text, "all") {
				t.Logf("%s %s: %s", id, e.At.Format(time.StampMilli), e.Text)
			}
		}
	}
}
