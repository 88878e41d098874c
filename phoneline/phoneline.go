// Package phoneline is the rule of one person's phone in a storm: forty
// incidents must not text one person forty times. A phone (its number) is
// a line: it takes at most one SMS per SMSGap and one call per CallGap from
// different incidents, as GoAlert limits each contact method. An SMS asked
// for meanwhile is held and goes with the next one ("Also firing: ..."),
// and a call asked for meanwhile is covered by the call that just rang.
// One incident's own steps are never held: its escalation keeps its times.
//
// A line is plain data with pure methods that take the instant: the
// PhoneLine workflow keeps each line in Temporal, so that every worker
// sees the same line and a restart forgets nothing, and the rule is
// tested without an engine.
//
// A line stays bounded: a held SMS leaves it when its step is over (its
// activity stops asking: done, timed out, or cancelled by an ack or a
// resolve), which the bundle checks with Temporal before it carries it;
// and an SMS that fails hands nothing back to the line, so a refused one
// cannot weigh on the next.
package phoneline

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

const (
	// SMSGap is the least time between SMS of different incidents.
	SMSGap = time.Minute
	// CallGap is the least time between calls of different incidents.
	CallGap = 2 * time.Minute
	// heldGrace is how long past its retry a held SMS stays on the line
	// without asking again: past it, its step is over.
	heldGrace = 30 * time.Second
	// carriedFor is how long a line remembers what its bundles carried.
	carriedFor = time.Hour
	// BundleInFlightWait is how soon an SMS that a bundle on its way
	// carries asks again.
	BundleInFlightWait = 2 * time.Second
	// sendingFor bounds how long a bundle is taken to be on its way
	// without saying how it went: past it, its sender died (a worker
	// killed mid-send) and the SMS it carried ask again on their own, so
	// that none is lost with it.
	sendingFor = time.Minute
)

// Line is one phone's line. Its fields are exported so that a run of the
// PhoneLine workflow hands it whole to the next.
type Line struct {
	LastSMS      time.Time `json:"last_sms,omitzero"`
	LastSMSFrom  string    `json:"last_sms_from,omitempty"`
	LastCall     time.Time `json:"last_call,omitzero"`
	LastCallFrom string    `json:"last_call_from,omitempty"`
	Held         []Held    `json:"held,omitempty"`
	// Carried maps a held SMS's key to the bundle that took it.
	Carried map[string]Carried `json:"carried,omitempty"`
	// Sending are the held SMS a bundle on its way carries, by key, until
	// it is sent or has failed.
	Sending map[string]Sending `json:"sending,omitempty"`
	// InFlight are the SMS that had their turn, by key, with when, until
	// the line hears how they went: one asking again meanwhile is its own
	// retry.
	InFlight map[string]time.Time `json:"in_flight,omitempty"`
	// Done are the SMS sent, by key, with when, for a while: a retry of
	// one whose line heard it sent (its try failed only after telling the
	// line) finds it sent by its key and sends nothing new, so it must
	// carry nothing. Kept only when RemembersDone, which the PhoneLine
	// workflow sets from its change ID (contract.PhoneLineDoneChange), so
	// that lines started before it replay as they ran.
	Done          map[string]time.Time `json:"done,omitempty"`
	RemembersDone bool                 `json:"remembers_done,omitempty"`
}

// Sending is a held SMS that a bundle on its way carries.
type Sending struct {
	Held
	// By is the key of the SMS that carries it; Since when it took it.
	By    string    `json:"by"`
	Since time.Time `json:"since"`
}

// Held is an SMS held for the next one to the same phone.
type Held struct {
	Key      string `json:"key"`
	Incident string `json:"incident"`
	Headline string `json:"headline"`
	// Asker is the activity that holds it; Until is when it is over
	// unless that activity asks again.
	Asker Asker     `json:"asker"`
	Until time.Time `json:"until"`
}

// Asker is an SMS activity of an incident's run, which Temporal can be
// asked about: is it still pending?
type Asker struct {
	Run      string `json:"run,omitempty"`
	Activity string `json:"activity,omitempty"`
}

// Carried is the bundle that took a held SMS.
type Carried struct {
	SID      string    `json:"sid"`
	Incident string    `json:"incident"`
	At       time.Time `json:"at"`
}

// SMSRequest asks for an SMS's turn: Key is the SMS's idempotency key,
// Incident the asking incident ("" for an SMS of no incident, never held),
// Headline how a bundle names it, Asker the activity asking.
type SMSRequest struct {
	Key      string `json:"key"`
	Incident string `json:"incident,omitempty"`
	Headline string `json:"headline,omitempty"`
	Asker    Asker  `json:"asker"`
}

// SMSTurn is what a line says to an SMS: send it now, carrying Carry; wait
// (it is held, or the bundle carrying it is on its way); or nothing to do,
// a bundle carried it (CarriedBy).
type SMSTurn struct {
	Send      bool          `json:"send,omitempty"`
	Carry     []Held        `json:"carry,omitempty"`
	Wait      time.Duration `json:"wait,omitempty"`
	CarriedBy *Carried      `json:"carried_by,omitempty"`
}

// SMSSent says how an SMS that had its turn went: Carried are the held
// SMS it took with it, Dropped those it left out because their step was
// over; SID names it, Failed says it was not sent.
type SMSSent struct {
	// Key is the SMS's own key.
	Key      string   `json:"key,omitempty"`
	Incident string   `json:"incident,omitempty"`
	Carried  []string `json:"carried,omitempty"`
	Dropped  []string `json:"dropped,omitempty"`
	SID      string   `json:"sid,omitempty"`
	Failed   bool     `json:"failed,omitempty"`
}

// CallRequest asks for a call's turn for Incident.
type CallRequest struct {
	Incident string `json:"incident,omitempty"`
}

// CallTurn says whose call, within CallGap, covers this one ("" for none:
// the line is this call's).
type CallTurn struct {
	CoveredBy string `json:"covered_by,omitempty"`
}

// SMS takes an SMS in at now. A turn to send takes the line until
// SMSSent says how it went.
func (l *Line) SMS(now time.Time, in SMSRequest) SMSTurn {
	l.prune(now)
	if c, ok := l.Carried[in.Key]; ok {
		return SMSTurn{CarriedBy: &c}
	}
	if _, ok := l.Done[in.Key]; ok {
		// Sent already: its retry reaches the phone with nothing new, and
		// what is held waits for the next SMS rather than be recorded as
		// carried by one that never named it.
		return SMSTurn{Send: true}
	}
	if _, ok := l.Sending[in.Key]; ok {
		// A bundle carrying this SMS is on its way: ask again shortly,
		// rather than holding it for another minute.
		return SMSTurn{Wait: BundleInFlightWait}
	}
	// A bundle asking again without having said how it went (its worker
	// died mid-send) carries again what it carried.
	var again []Held
	for k, s := range l.Sending {
		if s.By == in.Key {
			again = append(again, s.Held)
			delete(l.Sending, k)
		}
	}
	slices.SortFunc(again, func(a, b Held) int { return cmp.Or(a.Until.Compare(b.Until), strings.Compare(a.Key, b.Key)) })
	if _, retried := l.InFlight[in.Key]; retried || len(again) > 0 {
		// Its earlier try had the turn, and may have reached the phone:
		// a retry finds that SMS by its key and sends nothing new. So it
		// carries what it carried then, and no more, lest a page held
		// since be recorded as carried by an SMS that never named it;
		// those wait for the next SMS.
		for _, h := range again {
			l.Sending[h.Key] = Sending{Held: h, By: in.Key, Since: now}
		}
		l.turn(now, in)
		return SMSTurn{Send: true, Carry: again}
	}
	if in.Incident != "" && in.Incident != l.LastSMSFrom && now.Sub(l.LastSMS) < SMSGap {
		retry := l.LastSMS.Add(SMSGap)
		me := Held{Key: in.Key, Incident: in.Incident, Headline: in.Headline, Asker: in.Asker, Until: retry.Add(heldGrace)}
		if i := slices.IndexFunc(l.Held, func(h Held) bool { return h.Key == in.Key }); i >= 0 {
			l.Held[i] = me
		} else {
			l.Held = append(l.Held, me)
		}
		l.Held = append(l.Held, again...)
		return SMSTurn{Wait: retry.Sub(now)}
	}
	carry := slices.Concat(again, slices.DeleteFunc(l.Held, func(h Held) bool { return h.Key == in.Key }))
	l.Held = nil
	for _, h := range carry {
		if l.Sending == nil {
			l.Sending = map[string]Sending{}
		}
		l.Sending[h.Key] = Sending{Held: h, By: in.Key, Since: now}
	}
	l.turn(now, in)
	return SMSTurn{Send: true, Carry: carry}
}

// turn gives the line to an SMS at now, until it says how it went.
func (l *Line) turn(now time.Time, in SMSRequest) {
	if l.InFlight == nil {
		l.InFlight = map[string]time.Time{}
	}
	l.InFlight[in.Key] = now
	l.LastSMS, l.LastSMSFrom = now, in.Incident
}

// Sent records at now how an SMS that had its turn went: the held ones it
// carried are done. If it failed, they are not held again: each one's own
// retry asks anew, so an SMS that Twilio refuses (a body it will not take,
// a number that opted out) weighs on no later SMS, and one that failed for
// a moment is sent again, by its own activity, with what is held then.
func (l *Line) Sent(now time.Time, in SMSSent) {
	delete(l.InFlight, in.Key)
	for _, k := range slices.Concat(in.Carried, in.Dropped) {
		delete(l.Sending, k)
	}
	if in.Failed {
		l.LastSMS = time.Time{}
		return
	}
	if l.RemembersDone && in.Key != "" {
		if l.Done == nil {
			l.Done = map[string]time.Time{}
		}
		l.Done[in.Key] = now
	}
	for _, k := range in.Carried {
		if l.Carried == nil {
			l.Carried = map[string]Carried{}
		}
		l.Carried[k] = Carried{SID: in.SID, Incident: in.Incident, At: now}
	}
}

// Call takes a call in at now: covered by another incident's call within
// CallGap, else the line is this call's.
func (l *Line) Call(now time.Time, in CallRequest) CallTurn {
	if in.Incident != "" && l.LastCallFrom != "" && in.Incident != l.LastCallFrom && now.Sub(l.LastCall) < CallGap {
		return CallTurn{CoveredBy: l.LastCallFrom}
	}
	l.LastCall, l.LastCallFrom = now, in.Incident
	return CallTurn{}
}

// prune forgets what is over at now: carried SMS past carriedFor, held
// ones whose activity stopped asking, bundles that never said how they
// went.
func (l *Line) prune(now time.Time) {
	for k, c := range l.Carried {
		if now.Sub(c.At) > carriedFor {
			delete(l.Carried, k)
		}
	}
	for k, s := range l.Sending {
		if now.Sub(s.Since) > sendingFor {
			delete(l.Sending, k)
		}
	}
	for k, since := range l.InFlight {
		if now.Sub(since) > sendingFor {
			delete(l.InFlight, k)
		}
	}
	for k, at := range l.Done {
		if now.Sub(at) > carriedFor {
			delete(l.Done, k)
		}
	}
	l.Held = slices.DeleteFunc(l.Held, func(h Held) bool { return now.After(h.Until) })
}

// Forgotten is when the line, as it is at now, holds nothing that matters
// any more: no SMS held or on its way, no gap still running, nothing
// carried remembered. A line may end then, and start afresh when asked.
func (l *Line) Forgotten(now time.Time) time.Time {
	l.prune(now)
	end := l.LastSMS.Add(SMSGap)
	end = later(end, l.LastCall.Add(CallGap))
	for _, h := range l.Held {
		end = later(end, h.Until)
	}
	for _, c := range l.Carried {
		end = later(end, c.At.Add(carriedFor))
	}
	for _, s := range l.Sending {
		end = later(end, s.Since.Add(sendingFor))
	}
	for _, since := range l.InFlight {
		end = later(end, since.Add(sendingFor))
	}
	return end
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
