package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/baton-oncall/baton/handoverclient"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/incidentview"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/workflows"
)

// TwilioSignature is the X-Twilio-Signature of a request: the base64
// HMAC-SHA1, keyed by the auth token, of the full URL Twilio requested
// followed by every POST parameter, sorted by name (and a repeated one by
// value), as name then value with nothing between.
func TwilioSignature(authToken, fullURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range form {
			if !yield(k) {
				return
			}
		}
	}) {
		values := slices.Clone(form[name])
		slices.Sort(values)
		for _, v := range values {
			b.WriteString(name + v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

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
	writeTwiML(w, "Message", g.smsReply(ctx, r.PostForm.Get("From"), r.PostForm.Get("Body")))
}

// twilioVoice takes the key a person pressed during an escalation call:
// the call's <Gather> names the incident and the person in its action URL,
// which Twilio's signature covers. 1 acknowledges, 2 escalates; the answer
// is read to them.
func (g *Gateway) twilioVoice(w http.ResponseWriter, r *http.Request) {
	if !g.verifiedTwilio(w, r) {
		return
	}
	q := r.URL.Query()
	if id := q.Get("handover"); id != "" {
		g.handoverKey(w, r, id, q.Get("person"))
		return
	}
	id, who := q.Get("incident"), q.Get("person")
	if !strings.HasPrefix(id, "incident-") || who == "" {
		http.Error(w, "the action URL names no incident and person", http.StatusBadRequest)
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
	res, err := incidentclient.Act(ctx, g.opts.Temporal, id, workflows.ActionRequest{Action: action, By: who, Via: "phone"})
	switch {
	case errors.Is(err, workflowerr.ErrRefused):
		writeTwiML(w, "Say", "Nothing was changed: "+workflowerr.Reason(err)+". Goodbye.")
	case err != nil:
		g.opts.Logger.Error("call answer: the action failed", "incident", id, "error", err)
		writeTwiML(w, "Say", "That did not go through. Please answer in Slack. Goodbye.")
	case action == workflows.ActionAck:
		writeTwiML(w, "Say", "Acknowledged. Thank you.")
	default:
		writeTwiML(w, "Say", res.Message+". Goodbye.")
	}
}

// handoverKey takes the key pressed during a handover's test call: 1
// accepts the handover.
func (g *Gateway) handoverKey(w http.ResponseWriter, r *http.Request, id, who string) {
	if !strings.HasPrefix(id, workflows.HandoverScheduleID("")) || who == "" {
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
	switch {
	case errors.Is(err, workflowerr.ErrRefused):
		writeTwiML(w, "Say", "Nothing was changed: "+workflowerr.Reason(err)+". Goodbye.")
	case err != nil:
		g.opts.Logger.Error("test call answer: the acceptance failed", "handover", id, "error", err)
		writeTwiML(w, "Say", "That did not go through. Please accept in Slack. Goodbye.")
	default:
		writeTwiML(w, "Say", "Accepted. Your phone works. Thank you.")
	}
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
	want := TwilioSignature(g.opts.TwilioAuthToken, full, r.PostForm)
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
// A storm's bundled SMS is answered for every page it carried.
func (g *Gateway) smsReply(ctx context.Context, from, body string) string {
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
	pages, err := g.openPages(ctx, who)
	if err != nil {
		g.opts.Logger.Error("SMS reply: could not list the open pages", "error", err)
		return "Baton: could not reach the incidents just now; please try again, or answer in Slack."
	}
	target, ok := newest(pages, code)
	switch {
	case !ok && code != "":
		return fmt.Sprintf("Baton: you have no open page with the code %s, so nothing was changed.", code)
	case !ok:
		return "Baton: you have no open page to answer, so nothing was changed."
	case target.handover && action != workflows.ActionAck:
		return "Baton: a handover's test page is accepted with 1; nothing was changed."
	case target.handover:
		msg, err := handoverclient.Accept(ctx, g.opts.Temporal, target.id, target.person, "phone")
		return "Baton: " + g.answered(target.id, msg, err)
	}
	var answers []string
	for _, p := range bundleOf(pages, target) {
		res, err := incidentclient.Act(ctx, g.opts.Temporal, p.id, workflows.ActionRequest{Action: action, By: p.person, Via: "phone"})
		answers = append(answers, g.answered(p.id, res.Message, err))
	}
	if len(answers) > 1 {
		return fmt.Sprintf("Baton: all %d pages of that SMS: %s", len(answers), strings.Join(answers, "; "))
	}
	return "Baton: " + answers[0]
}

// answered says how one action went: its message, or why it was refused,
// with the workflow it was for.
func (g *Gateway) answered(id, msg string, err error) string {
	switch {
	case errors.Is(err, workflowerr.ErrRefused):
		return fmt.Sprintf("%s (%s).", workflowerr.Reason(err), id)
	case err != nil:
		g.opts.Logger.Error("SMS reply: the action failed", "workflow", id, "error", err)
		return fmt.Sprintf("that did not go through for %s; please try again, or answer in Slack.", id)
	}
	return fmt.Sprintf("%s (%s).", msg, id)
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
}

// openPages lists what the people may answer: unacknowledged incidents
// that page them, and handovers waiting for them to accept.
func (g *Gateway) openPages(ctx context.Context, people []person) ([]openPage, error) {
	var out []openPage
	for _, p := range people {
		open, err := incidentclient.List(ctx, g.opts.Temporal, p.team, string(workflows.StateTriggered), 50)
		if err != nil {
			return nil, err
		}
		for _, inc := range open {
			st, err := incidentclient.Status(ctx, g.opts.Temporal, inc.WorkflowID)
			if err != nil || st.State != workflows.StateTriggered || !slices.Contains(st.Summary.OnCall, p.id) {
				continue
			}
			out = append(out, openPage{id: inc.WorkflowID, person: p.id, started: inc.Started, smsWith: st.SMSWith[p.id]})
		}
		handovers, err := handoverclient.ListPending(ctx, g.opts.Temporal, p.team, p.id)
		if err != nil {
			return nil, err
		}
		for _, h := range handovers {
			out = append(out, openPage{id: h.WorkflowID, person: p.id, started: h.Started, handover: true})
		}
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
		if !p.handover && p.person == target.person && (p.id == carrier || p.smsWith == carrier) {
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
