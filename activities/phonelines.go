package activities

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/temporal"
)

// In a storm, forty incidents must not text one person forty times. Each
// person's phone (their number) is a line: it takes at most one SMS per
// smsGap and one call per callGap from different incidents, as GoAlert
// limits each contact method. An SMS asked for meanwhile is held and goes
// with the next one ("Also firing: ..."), and a call asked for meanwhile
// is covered by the call that just rang. One incident's own steps are
// never held: its escalation keeps its times.
//
// The lines are this worker process's memory: with several workers, each
// keeps its own, and a restart forgets what a bundle carried (a held SMS
// is then sent on its own).
const (
	smsGap  = time.Minute
	callGap = 2 * time.Minute
	// bundleMost bounds the headlines one SMS carries; Twilio takes 1,600
	// characters in all.
	bundleMost = 1200
	// carriedFor is how long a line remembers what its bundles carried.
	carriedFor = time.Hour
	// bundleInFlightWait is how soon an SMS that a bundle on its way
	// carries asks again.
	bundleInFlightWait = 2 * time.Second
)

type phoneLines struct {
	mu    sync.Mutex
	now   func() time.Time
	lines map[string]*phoneLine
}

type phoneLine struct {
	lastSMS, lastCall         time.Time
	lastSMSFrom, lastCallFrom string
	held                      []heldSMS
	// carried maps a held SMS's key to the bundle that took it; sending
	// holds the keys a bundle on its way carries, until it is sent or
	// has failed.
	carried map[string]carried
	sending map[string]bool
}

type heldSMS struct {
	key, incident, headline string
}

type carried struct {
	sid, incident string
	at            time.Time
}

// smsTurn is what a line says to an SMS: send it now with the held ones,
// wait (it is held), or nothing to do (a bundle carried it).
type smsTurn struct {
	send []heldSMS
	wait time.Duration
	done *carried
}

func (p *phoneLines) line(to string) *phoneLine {
	if p.lines == nil {
		p.lines = map[string]*phoneLine{}
	}
	l, ok := p.lines[to]
	if !ok {
		l = &phoneLine{carried: map[string]carried{}, sending: map[string]bool{}}
		p.lines[to] = l
	}
	return l
}

func (p *phoneLines) clock() time.Time {
	if p.now != nil {
		return p.now()
	}
	return time.Now()
}

// smsTurn takes an SMS in: the line is taken until the SMS is sent or has
// failed (smsSent).
func (p *phoneLines) smsTurn(in SendSMSInput) smsTurn {
	p.mu.Lock()
	defer p.mu.Unlock()
	now, l := p.clock(), p.line(in.To)
	for k, c := range l.carried {
		if now.Sub(c.at) > carriedFor {
			delete(l.carried, k)
		}
	}
	if c, ok := l.carried[in.Key]; ok {
		return smsTurn{done: &c}
	}
	if l.sending[in.Key] {
		// A bundle carrying this SMS is on its way: ask again shortly,
		// rather than holding it for another minute.
		return smsTurn{wait: bundleInFlightWait}
	}
	me := heldSMS{key: in.Key, incident: in.Incident, headline: in.Headline}
	if in.Incident != "" && in.Incident != l.lastSMSFrom && now.Sub(l.lastSMS) < smsGap {
		if !l.holds(in.Key) {
			l.held = append(l.held, me)
		}
		return smsTurn{wait: l.lastSMS.Add(smsGap).Sub(now)}
	}
	send := []heldSMS{me}
	for _, h := range l.held {
		if h.key != in.Key {
			send = append(send, h)
		}
	}
	l.held = nil
	for _, h := range send[1:] {
		l.sending[h.key] = true
	}
	l.lastSMS, l.lastSMSFrom = now, in.Incident
	return smsTurn{send: send}
}

func (l *phoneLine) holds(key string) bool {
	for _, h := range l.held {
		if h.key == key {
			return true
		}
	}
	return false
}

// smsSent records how the SMS of a turn went: the held ones it carried are
// done; if it failed, they are held again.
func (p *phoneLines) smsSent(to string, turn smsTurn, sid string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.line(to)
	for _, h := range turn.send[1:] {
		delete(l.sending, h.key)
	}
	if err != nil {
		l.held = append(l.held, turn.send[1:]...)
		l.lastSMS = time.Time{}
		return
	}
	for _, h := range turn.send[1:] {
		l.carried[h.key] = carried{sid: sid, incident: turn.send[0].incident, at: p.clock()}
	}
}

// bundle is the text of an SMS that carries held ones too.
func bundle(body string, send []heldSMS) string {
	if len(send) < 2 {
		return body
	}
	var also []string
	length := 0
	for i, h := range send[1:] {
		if length+len(h.headline) > bundleMost {
			also = append(also, fmt.Sprintf("and %d more", len(send)-1-i))
			break
		}
		also = append(also, h.headline)
		length += len(h.headline) + 2
	}
	return fmt.Sprintf("%s Also firing (%d more): %s", body, len(send)-1, strings.Join(also, "; "))
}

// callCovered reports, for a call, the incident whose call rang the same
// person within callGap; else the line is the call's.
func (p *phoneLines) callCovered(in PlaceCallInput) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	now, l := p.clock(), p.line(in.To)
	if in.Incident != "" && l.lastCallFrom != "" && in.Incident != l.lastCallFrom && now.Sub(l.lastCall) < callGap {
		return l.lastCallFrom
	}
	l.lastCall, l.lastCallFrom = now, in.Incident
	return ""
}

// errHeld asks Temporal to try a held SMS again when the line is free.
func errHeld(wait time.Duration) error {
	return temporal.NewApplicationErrorWithOptions(
		fmt.Sprintf("held for the next SMS to this person, in %s", wait.Round(time.Second)), "PhoneLineBusy",
		temporal.ApplicationErrorOptions{NextRetryDelay: wait})
}
