package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/handoverclient"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/workflows"
)

// slackInteraction takes a button press, or a use of the message
// shortcut (support.go), over HTTP. Slack wants an answer
// within three seconds, so the press is checked and answered at once, and
// the action runs after: its outcome, or the reason it was refused
// ("already resolved by @bob"), goes back to the presser alone through
// response_url. What the press does is pressWork's, shared with Socket
// Mode (socket.go); this handler only reads and verifies the request.
func (g *Gateway) slackInteraction(w http.ResponseWriter, r *http.Request) {
	in, ok := readSigned(g, w, r, parseInteractionBody)
	if !ok {
		return
	}
	run, err := g.interactionWork(in)
	if err != nil {
		writeError(w, badRequest(err))
		return
	}
	w.WriteHeader(http.StatusOK)

	// The request's context ends with the answer; the action must not.
	go run(context.WithoutCancel(r.Context()))
}

// readSigned reads a request from Slack, checks its signature, then
// parses its body: the signature is over the raw body, so nothing is read
// from it before the check. It answers the request itself when any step
// fails: 401 for a bad signature (503 without a signing secret), 400 for a
// body that parse refuses.
func readSigned[T any](g *Gateway, w http.ResponseWriter, r *http.Request, parse func([]byte) (T, error)) (T, bool) {
	var zero T
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, err)
		return zero, false
	}
	if err := VerifySlackSignature(g.opts.SlackSigningSecret, r.Header, body, g.opts.Now()); err != nil {
		code := http.StatusUnauthorized
		if errors.Is(err, ErrSlackNoSigningSecret) {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, errorBody(err.Error()))
		return zero, false
	}
	v, err := parse(body)
	if err != nil {
		writeError(w, badRequest(err))
		return zero, false
	}
	return v, true
}

// pressWork checks a press on one of Baton's buttons and returns what it
// does, to be run once Slack has had its answer; or why it is refused
// (answered 400 over HTTP), before anything is done. However the press
// arrived, over HTTP or Socket Mode, it is checked and run here. Every
// press acts, so one from another workspace, or before Baton knows its
// own, only gets the presser told why (authz.go).
func (g *Gateway) pressWork(press SlackAction) (func(ctx context.Context), error) {
	run, err := g.buttonWork(press)
	if err != nil {
		return nil, err
	}
	if why := g.fromElsewhere(press.origin(), true); why != "" {
		return func(ctx context.Context) { g.respond(ctx, press.ResponseURL, why) }, nil
	}
	return run, nil
}

// buttonWork reads which of Baton's buttons was pressed, and returns what
// the press does.
func (g *Gateway) buttonWork(press SlackAction) (func(ctx context.Context), error) {
	if press.ActionID == contract.HandoverAcceptAction {
		if _, _, err := contract.ParseHandoverWorkflowID(press.Value); err != nil {
			return nil, errors.New("the Accept button names no handover: value " + press.Value)
		}
		return func(ctx context.Context) { g.acceptPressed(ctx, press) }, nil
	}
	switch press.ActionID {
	case contract.SupportTakeAction, contract.SupportDoneAction:
		return g.supportPressWork(press)
	case contract.CoverTakeAction, contract.SwapAcceptAction, contract.SwapDeclineAction:
		return g.rosterPress(press)
	case contract.CoverNeedAction:
		return g.needCoverPress(press)
	case contract.StormAckAllAction:
		return g.ackAllWork(press)
	}
	if strings.HasPrefix(press.ActionID, pageActionPrefix) {
		// A severity button of /baton page (commands.go).
		sev, v, err := parsePagePress(press)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) { g.pagePressed(ctx, sev, v, press) }, nil
	}
	action, ok := contract.ParseIncidentButtonID(press.ActionID)
	if !ok || !isIncidentID(press.Value) {
		return nil, errors.New("not one of Baton's incident buttons: action_id " + press.ActionID)
	}
	return func(ctx context.Context) { g.pressed(ctx, workflows.Action(action), press) }, nil
}

// pressed runs a pressed action, if the presser may act on the incident,
// and tells the presser how it went.
func (g *Gateway) pressed(ctx context.Context, action workflows.Action, press SlackAction) {
	ctx, cancel := context.WithTimeout(ctx, slackWorkTimeout)
	defer cancel()
	person, why := g.mayActOnIncident(ctx, press.UserID, press.Value)
	if why != "" {
		g.respond(ctx, press.ResponseURL, why)
		return
	}
	res, err := incidentclient.Act(ctx, g.opts.Temporal, press.Value, workflows.FromChat(action, press.UserID, person))
	g.respond(ctx, press.ResponseURL, g.inSlack().answer(err, func() string { return res.Message }))
}

// acceptPressed accepts a handover for the presser, who must be the
// incoming person, and tells them how it went.
func (g *Gateway) acceptPressed(ctx context.Context, press SlackAction) {
	ctx, cancel := context.WithTimeout(ctx, slackWorkTimeout)
	defer cancel()
	msg, err := handoverclient.Accept(ctx, g.opts.Temporal, press.Value, press.UserID, "slack")
	g.respond(ctx, press.ResponseURL, g.inSlack().answer(err, func() string { return msg }))
}

// respond posts an ephemeral reply to a press's response_url (see
// postResponse), leaving the pressed message as it is.
func (g *Gateway) respond(ctx context.Context, responseURL, text string) {
	g.postResponse(ctx, responseURL, ephemeral(text), false)
}

// allowedResponseURL accepts Slack's hooks hosts, and whatever host the
// Slack API is configured on (a local fake in tests, GovSlack). Scheme and
// host are compared parsed, so "hooks.slack.com.evil.example" or a longer
// port does not pass for a trusted prefix.
func (g *Gateway) allowedResponseURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil {
		return false
	}
	for _, prefix := range append([]string{"https://hooks.slack.com/", "https://hooks.slack-gov.com/"}, g.opts.ResponseURLPrefixes...) {
		p, err := url.Parse(prefix)
		if err == nil && u.Scheme == p.Scheme && u.Host == p.Host && strings.HasPrefix(u.Path, p.Path) {
			return true
		}
	}
	return false
}
