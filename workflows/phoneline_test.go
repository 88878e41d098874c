package workflows

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/phoneline"
)

// plAsk is one update to a phone line at an offset from its start, and
// what came back.
type plAsk struct {
	at     time.Duration
	name   string
	arg    any
	result any
	err    error
}

func (a *plAsk) Accept()          {}
func (a *plAsk) Reject(err error) { a.err = err }
func (a *plAsk) Complete(success any, err error) {
	a.result, a.err = success, err
}

// plRun runs a PhoneLine from line at start with the asks, and returns its
// environment once the run has ended.
func plRun(t *testing.T, line phoneline.Line, start time.Time, asks []*plAsk) (*testsuite.TestWorkflowEnvironment, error) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	RegisterWorkflows(env)
	for i, a := range asks {
		env.RegisterDelayedCallback(func() { env.UpdateWorkflow(a.name, fmt.Sprintf("ask-%d", i), a, a.arg) }, a.at)
	}
	env.ExecuteWorkflow(contract.PhoneLineWorkflowName, line)
	require.True(t, env.IsWorkflowCompleted())
	return env, env.GetWorkflowError()
}

func plSMSAsk(at time.Duration, incident string) *plAsk {
	return &plAsk{at: at, name: contract.PhoneLineSMSUpdate, arg: phoneline.SMSRequest{Key: incident + "/sms", Incident: incident, Headline: incident}}
}

// The line's rule, as the workflow keeps it on the workflow's clock: b is
// held, a's next SMS carries it, b's retry finds itself carried; the run
// ends once the line holds nothing that matters (an hour after the bundle,
// for which it remembers what it carried).
func TestPhoneLineKeepsTheRuleInTemporal(t *testing.T) {
	start := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	a1 := plSMSAsk(time.Second, "a")
	sent1 := &plAsk{at: 2 * time.Second, name: contract.PhoneLineSentUpdate, arg: phoneline.SMSSent{Key: "a/sms", Incident: "a", SID: "SM1"}}
	b := plSMSAsk(10*time.Second, "b")
	// a's next SMS (its next step, a key of its own) carries b.
	a2 := &plAsk{at: 20 * time.Second, name: contract.PhoneLineSMSUpdate, arg: phoneline.SMSRequest{Key: "a/step2/sms", Incident: "a", Headline: "a"}}
	sent2 := &plAsk{at: 21 * time.Second, name: contract.PhoneLineSentUpdate, arg: phoneline.SMSSent{Key: "a/step2/sms", Incident: "a", Carried: []string{"b/sms"}, SID: "SM2"}}
	bAgain := plSMSAsk(61*time.Second, "b")
	call := &plAsk{at: 62 * time.Second, name: contract.PhoneLineCallUpdate, arg: phoneline.CallRequest{Incident: "b"}}
	env, err := plRun(t, phoneline.Line{}, start, []*plAsk{a1, sent1, b, a2, sent2, bAgain, call})
	require.NoError(t, err)
	for _, a := range []*plAsk{a1, sent1, b, a2, sent2, bAgain, call} {
		require.NoError(t, a.err, a.name)
	}
	require.True(t, a1.result.(phoneline.SMSTurn).Send)
	require.Equal(t, 51*time.Second, b.result.(phoneline.SMSTurn).Wait, "held until a minute after a's SMS")
	require.Equal(t, "b/sms", a2.result.(phoneline.SMSTurn).Carry[0].Key)
	require.Equal(t, &phoneline.Carried{SID: "SM2", Incident: "a", At: start.Add(21 * time.Second)}, bAgain.result.(phoneline.SMSTurn).CarriedBy)
	require.Empty(t, call.result.(phoneline.CallTurn).CoveredBy)
	require.Equal(t, start.Add(21*time.Second+time.Hour), env.Now().UTC())
}

// A line busy for long continues as new with the line as it stands.
func TestPhoneLineContinuesAsNew(t *testing.T) {
	start := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	var asks []*plAsk
	for i := range phoneLineRunUpdates {
		asks = append(asks, &plAsk{at: time.Duration(i+1) * time.Second, name: contract.PhoneLineCallUpdate, arg: phoneline.CallRequest{Incident: "a"}})
	}
	_, err := plRun(t, phoneline.Line{}, start, asks)
	var cont *workflow.ContinueAsNewError
	require.ErrorAs(t, err, &cont)
	var next phoneline.Line
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(cont.Input, &next))
	require.Equal(t, "a", next.LastCallFrom)
	require.Equal(t, start.Add(phoneLineRunUpdates*time.Second), next.LastCall.UTC())
}
