package devstack_test

// What the phone's line costs an SMS: the line is a PhoneLine workflow,
// asked with update-with-start for the SMS's turn and told how it went
// (activities.TemporalLines), two round trips to Temporal before and after
// Twilio. Run beside the floor:
//
//	go test ./deploy/devstack -run '^$' -bench 'PhoneLine|Floor' -benchtime 200x
//
// "new lines": each SMS to a phone of its own, which starts its line (as
// paging spread over many people does); "one line": every SMS to one
// phone, whose updates the line takes one at a time (a storm on one
// person).

import (
	"context"
	"fmt"
	"testing"
	"time"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/phoneline"
	"github.com/baton-oncall/baton/workflows"
)

func BenchmarkPhoneLine(b *testing.B) {
	for _, bc := range []struct {
		name   string
		number func(i int) string
	}{
		{"new lines", func(i int) string { return fmt.Sprintf("+4915%09d", i) }},
		{"one line", func(int) string { return "+4915100000001" }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := startBenchServer(b)
			w := sdkworker.New(c, contract.TaskQueue, sdkworker.Options{})
			workflows.RegisterWorkflows(w)
			if err := w.Start(); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(w.Stop)
			lines := activities.TemporalLines{Client: c, Secret: []byte("bench")}
			ctx := context.Background()
			// sms takes the turn of SMS i of incident i and says it was sent,
			// as SendSMS does around Twilio.
			sms := func(i int) (time.Duration, error) {
				t0 := time.Now()
				number, incident := bc.number(i), fmt.Sprintf("incident-%d", i)
				turn, err := lines.SMS(ctx, number, phoneline.SMSRequest{Key: incident + "/sms", Incident: incident, Headline: incident})
				if err != nil {
					return 0, err
				}
				if turn.Send {
					if err := lines.Sent(ctx, number, phoneline.SMSSent{Incident: incident, SID: "SM" + incident}); err != nil {
						return 0, err
					}
				}
				return time.Since(t0), nil
			}
			if _, err := sms(-1); err != nil {
				b.Fatal(err)
			}
			timed(b, "sms/s", sms)
		})
	}
}
