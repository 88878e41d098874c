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

	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/incidentview"
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
	case errors.Is(err, incidentclient.ErrRefused):
		writeTwiML(w, "Say", "Nothing was changed: "+incidentclient.Reason(err)+". Goodbye.")
	case err != nil:
		g.opts.Logger.Error("call answer: the action failed", "incident", id, "error", err)
		writeTwiML(w, "Say", "That did not go through. Please answer in Slack. Goodbye.")
	case action == workflows.ActionAck:
		writeTwiML(w, "Say", "Acknowledged. Thank you.")
	default:
		writeTwiML(w, "Say", res.Message+". Goodbye.")
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
const smsHelp = "Baton: reply 1 to acknowledge your newest page, 2 to escalate it to the next person; add the page's code (1 K3F) to answer another."

// smsReply acts on an SMS from a person and says what happened. A reply
// may name its incident by the short code its SMS gave ("1 K3F"); without
// one it answers the person's newest open page.
func (g *Gateway) smsReply(ctx context.Context, from, body string) string {
	word, code, _ := strings.Cut(strings.TrimSpace(body), " ")
	code = strings.ToUpper(strings.TrimSpace(code))
	var action workflows.Action
	switch strings.ToLower(word) {
	case "1", "ack", "acknowledge":
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
	id, person, err := g.newestPage(ctx, who, code)
	switch {
	case err != nil:
		g.opts.Logger.Error("SMS reply: could not list the open pages", "error", err)
		return "Baton: could not reach the incidents just now; please try again, or answer in Slack."
	case id == "" && code != "":
		return fmt.Sprintf("Baton: you have no open page with the code %s, so nothing was changed.", code)
	case id == "":
		return "Baton: you have no open page to answer, so nothing was changed."
	}
	res, err := incidentclient.Act(ctx, g.opts.Temporal, id, workflows.ActionRequest{Action: action, By: person, Via: "phone"})
	switch {
	case errors.Is(err, incidentclient.ErrRefused):
		return fmt.Sprintf("Baton: %s (%s).", incidentclient.Reason(err), id)
	case err != nil:
		g.opts.Logger.Error("SMS reply: the action failed", "incident", id, "error", err)
		return "Baton: that did not go through; please try again, or answer in Slack."
	}
	return fmt.Sprintf("Baton: %s (%s).", res.Message, id)
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

// newestPage is the newest unacknowledged incident that pages one of the
// people, and which of them it pages; with a code, the newest of those
// whose short code it is.
func (g *Gateway) newestPage(ctx context.Context, people []person, code string) (id, who string, err error) {
	var newest time.Time
	for _, p := range people {
		open, err := incidentclient.List(ctx, g.opts.Temporal, p.team, string(workflows.StateTriggered), 50)
		if err != nil {
			return "", "", err
		}
		for _, inc := range open {
			if !inc.Started.After(newest) || (code != "" && incidentview.ShortCode(inc.WorkflowID) != code) {
				continue
			}
			st, err := incidentclient.Status(ctx, g.opts.Temporal, inc.WorkflowID)
			if err != nil || st.State != workflows.StateTriggered || !slices.Contains(st.Summary.OnCall, p.id) {
				continue
			}
			id, who, newest = inc.WorkflowID, p.id, inc.Started
		}
	}
	return id, who, nil
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
