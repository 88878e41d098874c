package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/summary"
)

// A drill is an incident whose alert carries a Drill: it pages through
// the real path (the page marked DRILL, the DM, the SMS and the call at
// its policy's steps) and is answered as a real page is, but it files no
// ticket, tells no stakeholder, opens no Opsgenie alert, asks no
// "actionable?" and needs no RCA; silences do not hold it, since it was
// started on purpose. Its first answer ends it, and so does silence past
// its last step. The summary lists it apart from the incidents.
//
// No GetVersion guards these branches: each tests the alert's Drill,
// which only drills started by this version carry. A history recorded
// before it never holds one, so it replays down the very path it took.

// drillAnswerWindow is how long after its last step an unanswered drill
// waits for an answer before it ends: long enough to answer a call that
// just rang.
const drillAnswerWindow = 10 * time.Minute

func (inc *incident) drill() bool { return inc.Alert.Drill != nil }

// planDrill arms the drill's escalation (team.DrillPlan) and records its
// steps, so that the summary can tell which were not needed.
func (inc *incident) planDrill() error {
	plan, err := inc.team.DrillPlan(string(inc.Alert.Severity), inc.Alert.Drill.Via)
	if err != nil {
		return badTeam(err)
	}
	inc.Escalation.Plan = plan
	steps, said := make([]string, len(plan)), make([]string, len(plan))
	for i, s := range plan {
		steps[i], said[i] = s.Action, s.Action+" after "+summary.HumanDuration(s.Offset)
	}
	inc.Trail.Policy = fmt.Sprintf("a drill: %s (one cycle of %s", strings.Join(said, ", "), policyOrigin(inc.team, string(inc.Alert.Severity)))
	if via := inc.Alert.Drill.Via; via != "" {
		inc.Trail.Policy += ", its " + via + " steps alone"
	}
	inc.Trail.Policy += ")"
	inc.Summary.Drill = &summary.Drill{Steps: steps}
	return nil
}

// drillSteps: once the drill's last step is out, the wait for an answer.
func (inc *incident) drillSteps(arm armStep) {
	e := inc.Escalation
	if !inc.drill() || e.Next < len(e.Plan) {
		return
	}
	last := e.Base
	if len(e.Plan) > 0 {
		last = e.Base.Add(e.Plan[len(e.Plan)-1].Offset)
	}
	arm(last.Add(drillAnswerWindow), "End the unanswered drill", inc.drillUnanswered)
}

// drillAnswered ends a drill at its first answer: the path is proven, and
// nothing is left to mitigate.
func (inc *incident) drillAnswered(now time.Time, who Actor) {
	inc.note(now, fmt.Sprintf("Drill over: answered by %s after %s", inc.mention(who),
		summary.HumanDuration(now.Sub(inc.Summary.Triggered))))
	inc.ResolvedBy = &who
	inc.endDrill(now)
}

// drillUnanswered ends a drill nobody answered.
func (inc *incident) drillUnanswered(ctx workflow.Context) {
	now := workflow.Now(ctx)
	inc.note(now, fmt.Sprintf("Drill over: nobody answered within %s of its last step", drillAnswerWindow))
	inc.endDrill(now)
}

func (inc *incident) endDrill(now time.Time) {
	inc.setState(StateResolved)
	inc.Summary.Resolved, inc.Summary.ResolvedBy = now, inc.resolvedBy()
}
