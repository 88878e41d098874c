package contract

import (
	"net/url"
	"strconv"
)

// VoicePath is where Twilio asks what a key pressed during a call does.
const VoicePath = "/twilio/voice"

// VoiceKeys is what a key pressed during a call acts on, carried in the
// URL that Twilio asks: an incident's page (its run and escalation round,
// so that only that page is answered) or a handover's test call, and the
// person called.
type VoiceKeys struct {
	Incident string
	Run      string
	// Round is -1 when the URL names none (calls placed before it did).
	Round    int
	Handover string
	Person   string
}

// VoiceKeysURL is the URL of a call's key presses, under Baton's public
// address base.
func VoiceKeysURL(base string, k VoiceKeys) string {
	q := url.Values{"person": {k.Person}}
	if k.Handover != "" {
		q.Set("handover", k.Handover)
	} else {
		q.Set("incident", k.Incident)
		q.Set("run", k.Run)
		q.Set("round", strconv.Itoa(k.Round))
	}
	return base + VoicePath + "?" + q.Encode()
}

// ParseVoiceKeys is VoiceKeysURL's inverse, from the URL's query.
func ParseVoiceKeys(q url.Values) VoiceKeys {
	round, err := strconv.Atoi(q.Get("round"))
	if err != nil || round < 0 {
		round = -1
	}
	return VoiceKeys{Incident: q.Get("incident"), Run: q.Get("run"), Round: round, Handover: q.Get("handover"), Person: q.Get("person")}
}
