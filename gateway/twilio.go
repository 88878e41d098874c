package gateway

import (
	"context"
	"crypto/hmac"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/baton-oncall/baton/activities/phone/twilio"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/handoverclient"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/incidentview"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/workflows"
)

// twilioSMS is the inbound-message webhook of Baton's Twilio number: the
// person paged answers "1" (or "ack") to acknowledge their newest open
// page, "2" (or "esc") to escalate it. The request must carry Twilio's
// signature over the public URL; the answer is TwiML, read back to the
// sender as an SMS.
func (g *Gateway) twilioSMS(w http.ResponseWriter, r *http.Request) {
	if !g.verifiedTwilio(w, r) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	writeTwiML(w, "Message", g.smsReply(ctx, r.PostForm.Get("From"), r.PostForm.Get("Body"), r.PostForm.Get("MessageSid")))
}

// firstTime records a Twilio request (its MessageSid) in Temporal and
// reports whether it is the first time: a receipt workflow of that ID,
// which Temporal starts once, running or closed, for the namespace's
// retention. So a replay changes nothing from any gateway, after a
// restart, and after the incident it answered has closed, when it would
// otherwise fall through to the person's next page.
func (g *Gateway) firstTime(ctx context.Context, sid string) (bool, error) {
	_, err := g.opts.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       contract.TwilioReceiptWorkflowID(sid),
		TaskQueue:                                contract.TaskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            "An SMS reply, taken once",
	}, contract.ReceiptWorkflowName, workflows.ReceiptInput{For: "sms reply"})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return false, nil
	}
	return err == nil, err
}

// twilioRequestID is the Update ID of an action a Twilio request asks
// for: its MessageSid or CallSid. Temporal runs one update per ID in a
// run, whichever gateway sends it and however often, so a replayed request
// changes nothing.
func twilioRequestID(sid string) string {
	return "twilio:" + sid
}

// twilioVoice takes the key a person pressed during an escalation call:
// the call's <Gather> names the incident, its first run, the page round
// and the person in its action URL, which Twilio's signature covers. 1
// acknowledges, 2 escalates; the answer is read to them. A press is taken
// once (its CallSid), and only by the page it was asked for: not by a later
// incident of the same key, nor by a later page of this one.
func (g *Gateway) twilioVoice(w http.ResponseWriter, r *http.Request) {
	if !g.verifiedTwilio(w, r) {
		return
	}
	keys := contract.ParseVoiceKeys(r.URL.Query())
	if keys.Handover != "" {
		g.handoverKey(w, r, keys.Handover, keys.Person)
		return
	}
	id, who, run, round := keys.Incident, keys.Person, keys.Run, keys.Round
	callSid := r.PostForm.Get("CallSid")
	switch {
	case !isIncidentID(id) || who == "" || callSid == "":
		http.Error(w, "the action URL names no incident and person, or the request no CallSid", http.StatusBadRequest)
		return
	case run == "" || round < 0:
		// A call placed before its URL named the page: its keys could act
		// on a later incident, so they act on none.
		writeTwiML(w, "Say", "This call's keys no longer work. Please answer in Slack. Goodbye.")
		return
	}
	var action workflows.Action
	switch r.PostForm.Get("Digits") {
	case "1":
		action = workflows.ActionAck
	case "2":
		action = workflows.ActionEscalate
	default:
		writeTwiML(w, "Say", "That key does nothing. Answer in Slack, or wait for the next call. Goodbye.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	res, err := incidentclient.ActOnce(ctx, g.opts.Temporal, id,
		workflows.ActionRequest{Action: action, By: who, Via: "phone", Phone: summary.AckViaCall, Round: &round},
		incidentclient.Once{RequestID: twilioRequestID(callSid), FirstRunID: run})
	writeTwiML(w, "Say", wording{
		refused: sayRefused,
		unreachable: func(err error) string {
			g.opts.Logger.Warn("call answer: the incident did not answer", "incident", id, "error", err)
			return "Baton could not reach the incident. Please try again in Slack. Goodbye."
		},
		failed: func(err error) string {
			g.opts.Logger.Error("call answer: the action failed", "incident", id, "error", err)
			return "That did not go through. Please answer in Slack. Goodbye."
		},
	}.answer(err, func() string {
		if action == workflows.ActionAck {
			return "Acknowledged. Thank you."
		}
		return res.Message + ". Goodbye."
	}))
}

// isIncidentID reports whether id is an incident's workflow ID, of either
// scheme.
func isIncidentID(id string) bool {
	_, err := contract.ParseIncidentID(id)
	return err == nil || contract.IsLegacyIncidentID(id)
}

// handoverKey takes the key pressed during a handover's test call: 1
// accepts the handover.
func (g *Gateway) handoverKey(w http.ResponseWriter, r *http.Request, id, who string) {
	if _, _, err := contract.ParseHandoverWorkflowID(id); err != nil || who == "" {
		http.Error(w, "the action URL names no handover and person", http.StatusBadRequest)
		return
	}
	if r.PostForm.Get("Digits") != "1" {
		writeTwiML(w, "Say", "That key does nothing. Press 1 during the call, or accept in Slack. Goodbye.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	_, err := handoverclient.Accept(ctx, g.opts.Temporal, id, who, "phone")
	writeTwiML(w, "Say", wording{
		refused: sayRefused,
		failed: func(err error) string {
			g.opts.Logger.Error("test call answer: the acceptance failed", "handover", id, "error", err)
			return "That did not go through. Please accept in Slack. Goodbye."
		},
	}.answer(err, func() string { return "Accepted. Your phone works. Thank you." }))
}

// verifiedTwilio checks that a request comes from Twilio: a form post
// signed with the auth token over the public URL it was sent to. It
// answers the request itself when it does not.
func (g *Gateway) verifiedTwilio(w http.ResponseWriter, r *http.Request) bool {
	if g.opts.TwilioAuthToken == "" || g.opts.PublicURL == "" {
		http.Error(w, "answers by phone are off: set BATON_PUBLIC_URL and TWILIO_AUTH_TOKEN", http.StatusServiceUnavailable)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "not a form post", http.StatusBadRequest)
		return false
	}
	full := g.opts.PublicURL + r.URL.Path
	if r.URL.RawQuery != "" {
		full += "?" + r.URL.RawQuery
	}
	got := r.Header.Get("X-Twilio-Signature")
	want := twilio.Signature(g.opts.TwilioAuthToken, full, r.PostForm)
	if got == "" || !hmac.Equal([]byte(got), []byte(want)) {
		// Nothing of the request is logged: it carries a phone number.
		g.opts.Logger.Warn("Twilio request refused: missing or wrong X-Twilio-Signature", "path", r.URL.Path)
		http.Error(w, "missing or wrong X-Twilio-Signature", http.StatusForbidden)
		return false
	}
	return true
}

// smsHelp is what a reply Baton does not understand is answered with.
const smsHelp = "Baton: reply 1 to acknowledge your newest page, 2 to escalate it to the next person; add the page's code (1 K3F) to answer another. 1 also accepts a handover's test page."

// smsReply acts on an SMS from a person and says what happened. A reply
// may name its page by the short code its SMS gave ("1 K3F"); without one
// it answers the newest: an incident's page, or a handover's test page.
// A storm's bundled SMS is answered for every page it carried. The
// message is taken once (its MessageSid): a replay answers that it was.
func (g *Gateway) smsReply(ctx context.Context, from, body, sid string) string {
	word, code, _ := strings.Cut(strings.TrimSpace(body), " ")
	code = strings.ToUpper(strings.TrimSpace(code))
	var action workflows.Action
	switch strings.ToLower(word) {
	case "1", "ack", "acknowledge", "accept":
		action = workflows.ActionAck
	case "2", "esc", "escalate":
		action = workflows.ActionEscalate
	default:
		return smsHelp
	}
	who := g.peopleWithPhone(from)
	if len(who) == 0 {
		return "Baton: this number is not on call for any team, so nothing was changed."
	}
	if sid == "" {
		return "Baton: the message came without its MessageSid, so nothing was changed."
	}
	first, err := g.firstTime(ctx, sid)
	switch {
	case err != nil:
		g.opts.Logger.Error("SMS reply: could not record the message", "error", err)
		return "Baton: could not reach the incidents just now; please try again, or answer in Slack."
	case !first:
		return "Baton: that message was answered already, so nothing was changed."
	}
	requestID := twilioRequestID(sid)
	pages, err := g.openPages(ctx, who)
	switch {
	case err != nil:
		g.opts.Logger.Error("SMS reply: could not list the open pages", "error", err)
		return "Baton: could not reach the incidents just now; please try again, or answer in Slack."
	}
	target, ok := newest(pages, code)
	switch {
	case !ok && code != "":
		return fmt.Sprintf("Baton: you have no open page with the code %s, so nothing was changed.", code)
	case !ok:
		return "Baton: you have no open page to answer, so nothing was changed."
	case target.unread:
		return "Baton: could not reach the incident just now; please try again, or answer in Slack."
	case target.handover && action != workflows.ActionAck:
		return "Baton: a handover's test page is accepted with 1; nothing was changed."
	case target.handover:
		msg, err := handoverclient.Accept(ctx, g.opts.Temporal, target.id, target.person, "phone")
		return "Baton: " + g.answered(target.id, msg, err)
	}
	// A bundle's pages are answered side by side, each with the time the
	// request has left: one busy incident must not use up the others'.
	bundle := bundleOf(pages, target)
	answers := make([]string, len(bundle))
	var wg sync.WaitGroup
	for i, p := range bundle {
		wg.Go(func() {
			res, err := incidentclient.ActOnce(ctx, g.opts.Temporal, p.id,
				workflows.ActionRequest{Action: action, By: p.person, Via: "phone", Phone: summary.AckViaSMS}, incidentclient.Once{RequestID: requestID})
			answers[i] = g.answered(p.id, res.Message, err)
		})
	}
	wg.Wait()
	if len(answers) > 1 {
		return fmt.Sprintf("Baton: all %d pages of that SMS: %s", len(answers), strings.Join(answers, "; "))
	}
	return "Baton: " + answers[0]
}

// answered says how one action went: its message, or why it was refused,
// with the workflow it was for.
func (g *Gateway) answered(id, msg string, err error) string {
	return wording{
		refused: func(reason string) string { return fmt.Sprintf("%s (%s).", reason, id) },
		failed: func(err error) string {
			g.opts.Logger.Error("SMS reply: the action failed", "workflow", id, "error", err)
			return fmt.Sprintf("could not reach %s; please try again, or answer in Slack.", id)
		},
	}.answer(err, func() string { return fmt.Sprintf("%s (%s).", msg, id) })
}

// person is a team person with the number an SMS came from; numbers are
// matched as the team file writes them, in E.164, as Twilio sends them.
type person struct {
	team string
	id   string
}

func (g *Gateway) peopleWithPhone(number string) []person {
	var out []person
	if g.opts.Teams == nil || number == "" {
		return nil
	}
	for _, t := range g.opts.Teams.Teams {
		for _, p := range t.People {
			if p.Phone == number {
				out = append(out, person{team: t.Name, id: p.ID})
			}
		}
	}
	return out
}

// openPage is a page waiting for an answer from one of the people: an
// incident's, or a handover's test page.
type openPage struct {
	id, person string
	started    time.Time
	handover   bool
	// smsWith is the incident whose SMS carried this page to the person.
	smsWith string
	// unread: the incident did not answer, so whether it waits for the
	// person is not known.
	unread bool
}

// pageReads bounds how many incidents one reply reads at once, so that
// a storm's fifty are read in a few rounds within the reply's deadline.
const pageReads = 8

// openPages lists what the people may answer: the unacknowledged incidents
// of their teams that page them (on call) or texted them (an SMS of their
// own, or a storm's bundle that carried them), and handovers waiting for
// them to accept.
func (g *Gateway) openPages(ctx context.Context, people []person) ([]openPage, error) {
	type read struct {
		inc runningIncident
		who person
	}
	var reads []read
	var out []openPage
	for _, p := range people {
		running, err := g.runningIncidents(ctx, p.team)
		if err != nil {
			return nil, err
		}
		for _, inc := range running {
			reads = append(reads, read{inc, p})
		}
		handovers, err := handoverclient.ListPending(ctx, g.opts.Temporal, p.team, p.id)
		if err != nil {
			return nil, err
		}
		for _, h := range handovers {
			out = append(out, openPage{id: h.WorkflowID, person: p.id, started: h.Started, handover: true})
		}
	}
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, pageReads)
	)
	for _, r := range reads {
		if r.inc.state != string(workflows.StateTriggered) {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if page, ok := g.pageFor(ctx, r.inc, r.who.id); ok {
				mu.Lock()
				out = append(out, page)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return out, nil
}

// pageFor reads whether an incident waits for the person's answer: it is
// unacknowledged and paged them, or texted them. An incident that does
// not answer is a page that cannot be read (unread).
func (g *Gateway) pageFor(ctx context.Context, inc runningIncident, who string) (openPage, bool) {
	page := openPage{id: inc.id, person: who, started: inc.started}
	st, err := incidentclient.Status(ctx, g.opts.Temporal, inc.id)
	if err != nil {
		g.opts.Logger.Warn("SMS reply: an incident did not answer", "incident", inc.id, "error", err)
		page.unread = true
		return page, true
	}
	if st.State != workflows.StateTriggered || !(reached(st.Summary, who) || st.SMSWith[who] != "") {
		return page, false
	}
	page.smsWith = st.SMSWith[who]
	return page, true
}

// reached reports whether an incident paged the person (on call) or sent
// them an SMS of its own.
func reached(sum workflows.IncidentSummary, who string) bool {
	return slices.Contains(sum.OnCall, who) || slices.ContainsFunc(sum.Interruptions, func(i summary.Interruption) bool {
		return i.Kind == summary.KindSMS && i.Person == who
	})
}

// runningIncident is an open incident as visibility lists it.
type runningIncident struct {
	id      string
	started time.Time
	state   string
}

// runningMost bounds how many of a team's open incidents a reply reads.
const runningMost = 100

// runningIncidents lists a team's open incidents, newest first, with the
// state their runs last published: only a triggered one is asked more.
func (g *Gateway) runningIncidents(ctx context.Context, teamName string) ([]runningIncident, error) {
	query := fmt.Sprintf("WorkflowType = %q AND %s = %q AND ExecutionStatus = 'Running'",
		contract.IncidentWorkflowName, contract.TeamKey.GetName(), teamName)
	resp, err := g.opts.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: runningMost})
	if err != nil {
		return nil, fmt.Errorf("list the open incidents of %s: %w", teamName, err)
	}
	dc := converter.GetDefaultDataConverter()
	var out []runningIncident
	for _, e := range resp.GetExecutions() {
		inc := runningIncident{id: e.GetExecution().GetWorkflowId(), started: e.GetStartTime().AsTime()}
		// A run that has published no state yet is asked for its status
		// like any triggered one.
		_ = dc.FromPayload(e.GetSearchAttributes().GetIndexedFields()[contract.StateKey.GetName()], &inc.state)
		if inc.state == "" {
			inc.state = string(workflows.StateTriggered)
		}
		out = append(out, inc)
	}
	return out, nil
}

// newest is the newest page, or with a code the newest whose short code
// it is.
func newest(pages []openPage, code string) (openPage, bool) {
	var best openPage
	found := false
	for _, p := range pages {
		if code != "" && incidentview.ShortCode(p.id) != code {
			continue
		}
		if !found || p.started.After(best.started) {
			best, found = p, true
		}
	}
	return best, found
}

// bundleOf is every page the SMS that reached the person about target
// carried: the incident whose SMS it was, and those it carried.
func bundleOf(pages []openPage, target openPage) []openPage {
	carrier := target.id
	if target.smsWith != "" {
		carrier = target.smsWith
	}
	var out []openPage
	for _, p := range pages {
		if !p.handover && !p.unread && p.person == target.person && (p.id == carrier || p.smsWith == carrier) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return []openPage{target}
	}
	return out
}

// writeTwiML answers Twilio with one verb: a Message (an SMS back to the
// sender) or a Say (read on the call).
func writeTwiML(w http.ResponseWriter, verb, text string) {
	var esc strings.Builder
	// EscapeText fails only when the writer does; a Builder never does.
	_ = xml.EscapeText(&esc, []byte(text))
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Response><%s>%s</%[1]s></Response>`, verb, esc.String())
}
