package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/workflows"
)

// A storm group's message (package storm) has one button, Acknowledge all:
// it acknowledges, for the presser, each incident of the group that waits
// for it, as pressing each page's Acknowledge would. Each incident then
// says so in its page and in the group's thread.

// ackAllAtOnce bounds the acknowledgements in flight for one press.
const ackAllAtOnce = 8

func (g *Gateway) ackAllWork(press SlackAction) (func(ctx context.Context), error) {
	teamName, n, err := contract.ParseStormGroupValue(press.Value)
	if err != nil {
		return nil, errors.New("the Acknowledge all button names no storm group: " + err.Error())
	}
	return func(ctx context.Context) { g.ackAllPressed(ctx, teamName, n, press) }, nil
}

func (g *Gateway) ackAllPressed(ctx context.Context, teamName string, n int, press SlackAction) {
	ctx, cancel := context.WithTimeout(ctx, slackWorkTimeout)
	defer cancel()
	person, why := g.mayActOnTeam(ctx, press.UserID, teamName)
	if why != "" {
		g.respond(ctx, press.ResponseURL, why)
		return
	}
	group, err := incidentclient.StormGroup(ctx, g.opts.Temporal, teamName, n)
	if err != nil {
		g.opts.Logger.Warn("Acknowledge all: the storm desk did not answer", "team", teamName, "group", n, "error", err)
		g.respond(ctx, press.ResponseURL, "Baton could not reach the storm's group to list its alerts: nothing changed. Acknowledge each page in the thread, or try again.")
		return
	}
	var (
		mu                    sync.Mutex
		wg                    sync.WaitGroup
		acked, refused, fails int
		sem                   = make(chan struct{}, ackAllAtOnce)
	)
	for _, m := range group.Members {
		if m.State != contract.StateTriggered {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			req := workflows.FromChat(workflows.ActionAck, press.UserID, person)
			req.Note = fmt.Sprintf("with Acknowledge all of storm group %d", n)
			_, err := incidentclient.Act(ctx, g.opts.Temporal, m.Incident, req)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				acked++
			case errors.Is(err, workflowerr.ErrRefused):
				refused++ // acknowledged or resolved meanwhile
			default:
				g.opts.Logger.Warn("Acknowledge all: an incident did not answer", "incident", m.Incident, "error", err)
				fails++
			}
		}()
	}
	wg.Wait()
	var b strings.Builder
	fmt.Fprintf(&b, "Acknowledged %d of the group's %d alerts.", acked, len(group.Members))
	if refused > 0 {
		fmt.Fprintf(&b, " %d were acknowledged or resolved meanwhile.", refused)
	}
	if fails > 0 {
		fmt.Fprintf(&b, " %d could not be reached: press Acknowledge all again, or each page's Acknowledge in the thread.", fails)
	}
	g.respond(ctx, press.ResponseURL, b.String())
}
