package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/phone"
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
//
// A line stays bounded: a held SMS leaves it when its step is over (its
// activity stops asking: done, timed out, or cancelled by an ack or a
// resolve), which the bundle checks with Temporal before it carries it;
// a bundle lists what fits in one SMS and counts the rest; and an SMS
// that fails hands nothing back to the line, so a refused one cannot
// weigh on the next.
const (
	smsGap  = time.Minute
	callGap = 2 * time.Minute
	// heldGrace is how long past its retry a held SMS stays on the line
	// without asking again: past it, its step is over.
	heldGrace = 30 * time.Second
	// headlineMost bounds one carried page's headline in a bundle, so
	// that one long summary does not crowd out the others.
	headlineMost = 160
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
	// asker is the activity that holds it; until is when it is over
	// unless that activity asks again.
	asker asker
	until time.Time
}

// asker is an SMS activity of an incident's run, which Temporal can be
// asked about: is it still pending?
type asker struct {
	run, activity string
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

// smsTurn takes an SMS in, asked by the activity `by`: the line is taken
// until the SMS is sent or has failed (smsSent).
func (p *phoneLines) smsTurn(in SendSMSInput, by asker) smsTurn {
	p.mu.Lock()
	defer p.mu.Unlock()
	now, l := p.clock(), p.line(in.To)
	for k, c := range l.carried {
		if now.Sub(c.at) > carriedFor {
			delete(l.carried, k)
		}
	}
	l.held = slices.DeleteFunc(l.held, func(h heldSMS) bool { return now.After(h.until) })
	if c, ok := l.carried[in.Key]; ok {
		return smsTurn{done: &c}
	}
	if l.sending[in.Key] {
		// A bundle carrying this SMS is on its way: ask again shortly,
		// rather than holding it for another minute.
		return smsTurn{wait: bundleInFlightWait}
	}
	me := heldSMS{key: in.Key, incident: in.Incident, headline: in.Headline, asker: by}
	if in.Incident != "" && in.Incident != l.lastSMSFrom && now.Sub(l.lastSMS) < smsGap {
		retry := l.lastSMS.Add(smsGap)
		me.until = retry.Add(heldGrace)
		if i := slices.IndexFunc(l.held, func(h heldSMS) bool { return h.key == in.Key }); i >= 0 {
			l.held[i] = me
		} else {
			l.held = append(l.held, me)
		}
		return smsTurn{wait: retry.Sub(now)}
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

// drop takes out of a turn the held SMS whose step is over (gone, by
// key): they are not carried, and their line is as if never held.
func (p *phoneLines) drop(to string, send []heldSMS, gone map[string]bool) []heldSMS {
	if len(gone) == 0 {
		return send
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.line(to)
	kept := []heldSMS{send[0]}
	for _, h := range send[1:] {
		if gone[h.key] {
			delete(l.sending, h.key)
			continue
		}
		kept = append(kept, h)
	}
	return kept
}

// smsSent records how the SMS of a turn went: the held ones it carried are
// done. If it failed, they are not held again: each one's own retry asks
// anew, so an SMS that Twilio refuses (a body it will not take, a number
// that opted out) weighs on no later SMS, and one that failed for a moment
// is sent again, by its own activity, with what is held then.
func (p *phoneLines) smsSent(to string, turn smsTurn, sid string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.line(to)
	for _, h := range turn.send[1:] {
		delete(l.sending, h.key)
	}
	if err != nil {
		l.lastSMS = time.Time{}
		return
	}
	for _, h := range turn.send[1:] {
		l.carried[h.key] = carried{sid: sid, incident: turn.send[0].incident, at: p.clock()}
	}
}

// smsText is the text of an SMS: its page, the held pages it carries, and
// how to answer, in at most phone.MaxSMSBody characters. The instructions
// stay whole; the page is cut when it alone is too long, keeping room to
// count what it carries; the carried pages are listed while they fit, each
// headline cut to headlineMost, and "and N more" counts the rest.
func smsText(body string, send []heldSMS, answer string) string {
	room := phone.MaxSMSBody - phone.Length(answer)
	if len(send) < 2 {
		return phone.Cut(body, room) + answer
	}
	n := len(send) - 1
	intro := fmt.Sprintf(" Also firing (%d more): ", n)
	body = phone.Cut(body, room-phone.Length(intro)-phone.Length(fmt.Sprintf("and %d more", n)))
	room -= phone.Length(body) + phone.Length(intro)
	var list strings.Builder
	for i, h := range send[1:] {
		item := phone.Cut(h.headline, headlineMost)
		if i > 0 {
			item = "; " + item
		}
		more := ""
		if left := n - i - 1; left > 0 {
			more = fmt.Sprintf("; and %d more", left)
		}
		// What was listed so far left room for "and N more" of the rest.
		if phone.Length(list.String()+item+more) > room {
			if i > 0 {
				list.WriteString("; ")
			}
			fmt.Fprintf(&list, "and %d more", n-i)
			break
		}
		list.WriteString(item)
	}
	return body + intro + list.String() + answer
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

// heldChecks bounds how many incidents a bundle asks about at once, and
// heldCheckWithin how long it asks: the SMS that carries them waits.
const (
	heldChecks      = 8
	heldCheckWithin = 5 * time.Second
)

// overSteps asks Temporal which held SMS of a bundle are over: their
// incident was acknowledged or resolved (which cancels its SMS), or their
// step ended, so that their activity is no longer pending in its run. In
// doubt (Temporal does not answer in time) an SMS is carried: a page
// named twice is better than one not named.
func (a *Activities) overSteps(ctx context.Context, held []heldSMS) map[string]bool {
	if a.Temporal == nil || len(held) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, heldCheckWithin)
	defer cancel()
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		over = map[string]bool{}
		sem  = make(chan struct{}, heldChecks)
	)
	for _, h := range held {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if a.stepOver(ctx, h) {
				mu.Lock()
				over[h.key] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return over
}

// stepOver reports whether a held SMS's activity is no longer pending: its
// run is gone or closed, or the activity is done or being cancelled.
func (a *Activities) stepOver(ctx context.Context, h heldSMS) bool {
	if h.asker.activity == "" {
		return false
	}
	desc, err := a.Temporal.DescribeWorkflowExecution(ctx, h.incident, h.asker.run)
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return true
	case err != nil:
		return false
	case desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return true
	}
	for _, p := range desc.GetPendingActivities() {
		if p.GetActivityId() == h.asker.activity {
			return p.GetState() == enumspb.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
		}
	}
	return true
}
