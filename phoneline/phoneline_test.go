package phoneline

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)

// sms is incident's SMS, whose key and headline name it.
func sms(incident string) SMSRequest {
	return SMSRequest{Key: incident + "/sms", Incident: incident, Headline: incident}
}

// step is incident's SMS of its escalation step n, a key of its own.
func step(incident string, n int) SMSRequest {
	return SMSRequest{Key: fmt.Sprintf("%s/step%d/sms", incident, n), Incident: incident, Headline: incident}
}

func keys(hs []Held) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Key)
	}
	return out
}

// Another incident's SMS within the gap is held until the gap is over;
// the next SMS carries it, and its own retry then finds itself carried.
func TestAnSMSWithinTheGapIsHeldAndCarried(t *testing.T) {
	l := Line{RemembersDone: true}
	if turn := l.SMS(t0, sms("a")); !turn.Send || len(turn.Carry) != 0 {
		t.Fatalf("a: %+v", turn)
	}
	l.Sent(t0, SMSSent{Key: "a/sms", Incident: "a", SID: "SM1"})
	if turn := l.SMS(t0.Add(10*time.Second), sms("b")); turn.Send || turn.Wait != 50*time.Second {
		t.Fatalf("b: %+v, want held 50 s", turn)
	}
	// a's own next step is never held, and takes b along.
	turn := l.SMS(t0.Add(20*time.Second), step("a", 2))
	if !turn.Send || len(turn.Carry) != 1 || turn.Carry[0].Key != "b/sms" {
		t.Fatalf("a's next step: %+v, want it to carry b", turn)
	}
	l.Sent(t0.Add(20*time.Second), SMSSent{Key: "a/step2/sms", Incident: "a", Carried: []string{"b/sms"}, SID: "SM2"})
	if turn := l.SMS(t0.Add(61*time.Second), sms("b")); turn.CarriedBy == nil || turn.CarriedBy.SID != "SM2" || turn.CarriedBy.Incident != "a" {
		t.Errorf("b's retry: %+v, want carried by SM2", turn)
	}
	// Calls: another incident's call within two minutes is covered.
	if turn := l.Call(t0, CallRequest{Incident: "a"}); turn.CoveredBy != "" {
		t.Errorf("first call covered by %q", turn.CoveredBy)
	}
	if turn := l.Call(t0.Add(30*time.Second), CallRequest{Incident: "b"}); turn.CoveredBy != "a" {
		t.Errorf("b's call: %+v, want covered by a", turn)
	}
	if turn := l.Call(t0.Add(CallGap+time.Second), CallRequest{Incident: "c"}); turn.CoveredBy != "" {
		t.Errorf("a call after the gap covered by %q", turn.CoveredBy)
	}
}

// While the bundle carrying an SMS is on its way, that SMS's own retry is
// neither held for another minute nor carried twice: it asks again in a
// moment, and then finds the bundle that took it.
func TestARetryDuringItsBundlesFlightWaitsForIt(t *testing.T) {
	l := Line{RemembersDone: true}
	l.SMS(t0, sms("a"))
	l.Sent(t0, SMSSent{Key: "a/sms", Incident: "a", SID: "SM1"})
	now := t0.Add(10 * time.Second)
	for _, inc := range []string{"b", "c"} {
		if turn := l.SMS(now, sms(inc)); turn.Wait == 0 {
			t.Fatalf("%s not held: %+v", inc, turn)
		}
	}
	now = now.Add(time.Minute)
	bundle := l.SMS(now, sms("b"))
	if !bundle.Send || len(bundle.Carry) != 1 || bundle.Carry[0].Incident != "c" {
		t.Fatalf("b's bundle: %+v", bundle)
	}
	if turn := l.SMS(now, sms("c")); turn.Wait != BundleInFlightWait || turn.CarriedBy != nil || turn.Send {
		t.Errorf("c during the flight: %+v, want to ask again in %s", turn, BundleInFlightWait)
	}
	l.Sent(now, SMSSent{Key: "b/sms", Incident: "b", Carried: keys(bundle.Carry), SID: "SM2"})
	if turn := l.SMS(now, sms("c")); turn.CarriedBy == nil || turn.CarriedBy.Incident != "b" || turn.CarriedBy.SID != "SM2" {
		t.Errorf("c after the bundle: %+v, want carried by b", turn)
	}
	// Nothing is left held to ride along a later SMS again.
	if turn := l.SMS(now.Add(2*time.Minute), sms("d")); !turn.Send || len(turn.Carry) != 0 {
		t.Errorf("d: %+v, want only itself", turn)
	}
}

// A held SMS whose activity stops asking (its step is over: done, timed
// out, or cancelled by an ack) leaves the line: no later SMS carries it.
// One whose step the bundle finds over is dropped, not carried.
func TestAHeldSMSWhoseStepIsOverLeavesTheLine(t *testing.T) {
	l := Line{RemembersDone: true}
	l.SMS(t0, sms("a"))
	l.Sent(t0, SMSSent{Key: "a/sms", Incident: "a", SID: "SM1"})
	l.SMS(t0.Add(10*time.Second), sms("b"))
	// b never asks again; a's next step comes after b's retry was due.
	if turn := l.SMS(t0.Add(10*time.Second+SMSGap+heldGrace), sms("a")); len(turn.Carry) != 0 {
		t.Errorf("a's SMS carries %v, want only itself", keys(turn.Carry))
	}

	now := t0.Add(5 * time.Minute)
	l.SMS(now, sms("x"))
	l.Sent(now, SMSSent{Key: "x/sms", Incident: "x", SID: "SM3"})
	l.SMS(now.Add(time.Second), sms("y"))
	turn := l.SMS(now.Add(2*time.Second), sms("x"))
	l.Sent(now.Add(2*time.Second), SMSSent{Key: "x/sms", Incident: "x", Dropped: keys(turn.Carry), SID: "SM4"})
	if again := l.SMS(now.Add(3*time.Second), sms("y")); again.CarriedBy != nil || again.Wait == BundleInFlightWait {
		t.Errorf("y, dropped from x's bundle: %+v, want neither carried nor in flight", again)
	}
}

// An SMS that fails hands nothing back: what it carried asks again on its
// own, and the line is free for the next SMS at once.
func TestAFailedSMSLeavesNothingOnTheLine(t *testing.T) {
	l := Line{RemembersDone: true}
	l.SMS(t0, sms("a"))
	l.Sent(t0, SMSSent{Key: "a/sms", Incident: "a", SID: "SM1"})
	l.SMS(t0.Add(time.Second), sms("b"))
	turn := l.SMS(t0.Add(2*time.Second), sms("a"))
	l.Sent(t0.Add(2*time.Second), SMSSent{Key: "a/sms", Incident: "a", Carried: keys(turn.Carry), Failed: true})
	if got := l.SMS(t0.Add(3*time.Second), sms("b")); !got.Send || len(got.Carry) != 0 {
		t.Errorf("b after a's failed bundle: %+v, want sent alone at once", got)
	}
}

// The worker sending a bundle is killed before it says how it went: the
// bundle's retry carries again what it carried, and if it never comes
// back, what it carried asks on its own once the flight is over. Nothing
// it carried is lost.
func TestABundleWhoseSenderDiedLosesNothing(t *testing.T) {
	l := Line{RemembersDone: true}
	l.SMS(t0, sms("a"))
	l.Sent(t0, SMSSent{Key: "a/sms", Incident: "a", SID: "SM1"})
	l.SMS(t0.Add(time.Second), sms("b"))
	l.SMS(t0.Add(2*time.Second), sms("c"))
	first := l.SMS(t0.Add(3*time.Second), step("a", 2))
	if len(first.Carry) != 2 {
		t.Fatalf("a's bundle: %+v", first)
	}
	// a's activity is tried again: it carries b and c again.
	retry := l.SMS(t0.Add(40*time.Second), step("a", 2))
	if got := keys(retry.Carry); !retry.Send || len(got) != 2 || got[0] != "b/sms" || got[1] != "c/sms" {
		t.Errorf("a's retry: %+v, want it to carry b and c again", retry)
	}

	// Another bundle's sender dies and is never tried again.
	var m Line
	m.SMS(t0, sms("a"))
	m.Sent(t0, SMSSent{Key: "a/sms", Incident: "a", SID: "SM1"})
	m.SMS(t0.Add(time.Second), sms("b"))
	m.SMS(t0.Add(2*time.Second), sms("a"))
	if turn := m.SMS(t0.Add(4*time.Second), sms("b")); turn.Wait != BundleInFlightWait {
		t.Fatalf("b while a's bundle flies: %+v", turn)
	}
	late := t0.Add(2*time.Second + sendingFor + time.Second)
	if turn := m.SMS(late, sms("b")); !turn.Send {
		t.Errorf("b once a's bundle is given up: %+v, want it sent", turn)
	}
}

// A bundle's retry carries what its first try carried and nothing held
// since: the first try may have reached the phone, and its retry then
// finds that SMS and sends nothing new, so a page recorded as carried by
// it would never have been named. The page held since waits for the next
// SMS (seen in CI: four pages recorded as carried, none named).
func TestABundlesRetryCarriesNothingHeldSince(t *testing.T) {
	l := Line{RemembersDone: true}
	l.SMS(t0, sms("a"))
	l.Sent(t0, SMSSent{Key: "a/sms", Incident: "a", SID: "SM1"})
	l.SMS(t0.Add(time.Second), sms("b"))
	first := l.SMS(t0.Add(SMSGap), sms("b"))
	if got := keys(first.Carry); !first.Send || len(got) != 0 {
		t.Fatalf("b's turn: %+v", first)
	}
	// b's worker dies mid-send; c is held meanwhile, then b is retried.
	if turn := l.SMS(t0.Add(SMSGap+time.Second), sms("c")); turn.Send {
		t.Fatalf("c within the gap: %+v, want held", turn)
	}
	retry := l.SMS(t0.Add(SMSGap+2*time.Second), sms("b"))
	if !retry.Send || len(retry.Carry) != 0 {
		t.Errorf("b's retry: %+v, want it sent carrying nothing, as its first try did", retry)
	}
	l.Sent(t0.Add(SMSGap+3*time.Second), SMSSent{Key: "b/sms", Incident: "b", SID: "SM2"})
	if turn := l.SMS(t0.Add(SMSGap+4*time.Second), sms("c")); turn.CarriedBy != nil {
		t.Errorf("c: %+v, recorded as carried by an SMS that never named it", turn)
	}
}

// A line is forgotten once nothing on it matters: no gap running, nothing
// held or in flight, nothing carried to remember.
func TestALineIsForgottenWhenNothingMatters(t *testing.T) {
	l := Line{RemembersDone: true}
	if got := l.Forgotten(t0); got.After(t0) {
		t.Errorf("an empty line matters until %s", got)
	}
	l.Call(t0, CallRequest{Incident: "a"})
	if got := l.Forgotten(t0); !got.Equal(t0.Add(CallGap)) {
		t.Errorf("after a call: %s, want the call's gap", got)
	}
	l.SMS(t0, sms("a"))
	l.Sent(t0, SMSSent{Key: "a/sms", Incident: "a", SID: "SM1"})
	l.SMS(t0.Add(time.Second), sms("b"))
	turn := l.SMS(t0.Add(2*time.Second), step("a", 2))
	l.Sent(t0.Add(2*time.Second), SMSSent{Key: "a/step2/sms", Incident: "a", Carried: keys(turn.Carry), SID: "SM2"})
	if got := l.Forgotten(t0.Add(3 * time.Second)); !got.Equal(t0.Add(2*time.Second + carriedFor)) {
		t.Errorf("after a bundle: %s, want what it carried remembered for %s", got, carriedFor)
	}
	if got := l.Forgotten(t0.Add(2 * carriedFor)); got.After(t0.Add(2 * carriedFor)) {
		t.Errorf("two hours on, the line matters until %s", got)
	}
}

// An SMS whose try failed only after the line heard it sent (its worker
// gave up waiting on the line) is tried again: the retry finds that SMS
// by its key and sends nothing new, so it carries nothing held since,
// which waits for the next SMS instead of being recorded as carried by one
// that never named it (seen in CI: three pages recorded as carried by an
// SMS that named none of them).
func TestARetryOfAnSMSSentCarriesNothing(t *testing.T) {
	l := Line{RemembersDone: true}
	l.SMS(t0, sms("a"))
	l.Sent(t0, SMSSent{Key: "a/sms", Incident: "a", SID: "SM1"})
	if turn := l.SMS(t0.Add(time.Second), sms("b")); turn.Wait == 0 {
		t.Fatalf("b: %+v, want held", turn)
	}
	if retry := l.SMS(t0.Add(10*time.Second), sms("a")); !retry.Send || len(retry.Carry) != 0 {
		t.Fatalf("a's retry: %+v, want it sent (found by its key) carrying nothing", retry)
	}
	l.Sent(t0.Add(10*time.Second), SMSSent{Key: "a/sms", Incident: "a", SID: "SM1"})
	if turn := l.SMS(t0.Add(61*time.Second), sms("b")); turn.CarriedBy != nil || !turn.Send {
		t.Errorf("b once the gap is over: %+v, want it sent on its own", turn)
	}
	// A line started before the rule carries as it did.
	old := Line{}
	old.SMS(t0, sms("a"))
	old.Sent(t0, SMSSent{Key: "a/sms", Incident: "a", SID: "SM1"})
	old.SMS(t0.Add(time.Second), sms("b"))
	if retry := old.SMS(t0.Add(10*time.Second), sms("a")); len(retry.Carry) != 1 {
		t.Errorf("an old line's retry: %+v, want it to carry b as it did", retry)
	}
}
