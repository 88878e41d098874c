package twilio_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/activities/phone"
	"github.com/baton-oncall/baton/activities/phone/twilio"
)

// Twilio refuses a body over 1,600 characters (21617) and a TwiML document
// over 4,000 (32018), and no retry mends either: the adapter sends what
// fits.
func TestTwilioSendsWhatFitsItsLimits(t *testing.T) {
	srv, tw := newTwilio(t)
	ctx := context.Background()
	if _, err := tw.SMS(ctx, alice, strings.Repeat("ä", 3000), "inc-1/sms", time.Time{}); err != nil {
		t.Fatalf("a long SMS: %v", err)
	}
	body := srv.Messages()[0].Body
	if n := phone.Length(body); n != phone.MaxSMS || !strings.HasSuffix(body, "… [ref "+twilio.Ref("inc-1/sms")+"]") {
		t.Errorf("the SMS has %d characters, ends %q", n, body[len(body)-30:])
	}
	say := strings.Repeat("Disk & queue full. ", 300)
	if _, err := tw.Call(ctx, alice, say, "https://baton.example.com/twilio/voice?incident=x&run=r&round=0&person=alice", "inc-1/call", time.Time{}); err != nil {
		t.Fatalf("a long call: %v", err)
	}
	c := srv.Calls()[0]
	if n := phone.Length(c.Twiml); n > phone.MaxTwiML || len(c.Say) != 3 || !strings.HasSuffix(c.Say[0], "…") {
		t.Errorf("the TwiML has %d characters, says %d times", n, len(c.Say))
	}
}
