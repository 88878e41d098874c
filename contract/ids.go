// Package contract holds the names that cross a process: the workflow IDs
// the gateway, the starter, the activities and the workflows build, each
// beside the function that reads it back. Nobody parses an ID by a string
// prefix of their own: they call the inverse here.
//
// It is a leaf: it imports nothing of Baton's, so every package may use it.
package contract

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// teamName is what a team may be called: lower-case letters, digits and
// dashes, so that a colon never occurs in one and a name fits a URL path.
var teamName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidTeamName reports whether name may name a team; the team file is
// held to it, since every ID here relies on it.
func ValidTeamName(name string) bool { return teamName.MatchString(name) }

// IncidentID names one team's incident of one dedup key. Its string form
// is "incident:<team>:<key>": neither a team name nor a key (see
// IncidentKey) holds a colon (a drill's key holds one, after "drill":
// DrillIncidentWorkflowID), so every ID reads back to the one team and
// key it was made of. Team "data" with key "eng-x" and team "data-eng"
// with key "x" are two incidents.
type IncidentID struct {
	Team string
	// Key is the dedup key made fit for an ID (IncidentKey).
	Key string
}

const incidentPrefix = "incident:"

// String is the incident's workflow ID.
func (id IncidentID) String() string { return incidentPrefix + id.Team + ":" + id.Key }

// IncidentWorkflowID names the incident of a team's dedup key.
func IncidentWorkflowID(team, dedupKey string) string {
	return IncidentID{Team: team, Key: IncidentKey(dedupKey)}.String()
}

// ErrNotIncidentID: the text names no incident.
var ErrNotIncidentID = errors.New("not an incident ID")

// ParseIncidentID reads back an incident's workflow ID. An ID of the
// scheme before this one ("incident-<team>-<key>", see LegacyIncidentID)
// is not parsed here: its team cannot be told from its key.
func ParseIncidentID(s string) (IncidentID, error) {
	rest, ok := strings.CutPrefix(s, incidentPrefix)
	if !ok {
		return IncidentID{}, fmt.Errorf("%w: %q does not start with %q", ErrNotIncidentID, s, incidentPrefix)
	}
	team, key, ok := strings.Cut(rest, ":")
	if !ok || !teamName.MatchString(team) || key == "" || IncidentKey(key) != key && !isDrillKey(key) {
		return IncidentID{}, fmt.Errorf("%w: %q is not incident:<team>:<key>", ErrNotIncidentID, s)
	}
	return IncidentID{Team: team, Key: key}, nil
}

// drillKeyPrefix starts the key of a drill's incident: "drill:<name>".
// IncidentKey never keeps a colon, so no alert's dedup key maps to a
// drill's ID: a real alert never lands in a drill, nor a drill in a real
// incident.
const drillKeyPrefix = "drill:"

// DrillIncidentWorkflowID names a team's drill incident; name is the
// drill's own (its start time, say), made fit for an ID like a dedup key.
func DrillIncidentWorkflowID(team, name string) string {
	return IncidentID{Team: team, Key: drillKeyPrefix + IncidentKey(name)}.String()
}

// Drill reports whether the incident is a drill.
func (id IncidentID) Drill() bool { return isDrillKey(id.Key) }

func isDrillKey(key string) bool {
	name, ok := strings.CutPrefix(key, drillKeyPrefix)
	return ok && name != "" && IncidentKey(name) == name
}

const drillSchedulePrefix = "drills-"

// DrillScheduleID names a team's drill schedule; each run it starts is a
// DrillWorkflowName run that picks the drill's instant and starts it.
func DrillScheduleID(team string) string { return drillSchedulePrefix + team }

// ParseDrillScheduleID reads back the team of a drill schedule.
func ParseDrillScheduleID(s string) (team string, err error) {
	team, ok := strings.CutPrefix(s, drillSchedulePrefix)
	if !ok || !teamName.MatchString(team) {
		return "", fmt.Errorf("%q is not a drill schedule ID (drills-<team>)", s)
	}
	return team, nil
}

// legacyIncidentPrefix starts the incident IDs that Baton made before the
// colon scheme: "incident-<team>-<key>", where a dash may belong to
// either. Runs started under it keep their IDs until they close.
const legacyIncidentPrefix = "incident-"

// LegacyIncidentWorkflowID is the ID the incident of a team's dedup key
// had before the colon scheme, for finding a run still open under it.
func LegacyIncidentWorkflowID(team, dedupKey string) string {
	return legacyIncidentPrefix + team + "-" + IncidentKey(dedupKey)
}

// IsLegacyIncidentID reports whether s is shaped like an incident ID of
// the scheme before the colon one. Its team is the run's own (its
// BatonTeam search attribute), not anything read from the text.
func IsLegacyIncidentID(s string) bool {
	rest, ok := strings.CutPrefix(s, legacyIncidentPrefix)
	return ok && rest != "" && IncidentKey(rest) == rest
}

// IncidentKey is a dedup key made fit for IDs: keys are hashed when they
// hold characters unfit for an ID, or are long, so that any source's key
// works (an empty one too, which no source sends, so that every ID reads
// back); readable keys stay readable in the Web UI. The result is its own
// IncidentKey, so an Opsgenie alert aliased with it maps back to the same
// incident.
func IncidentKey(dedupKey string) string {
	if dedupKey != "" && len(dedupKey) <= 64 && !strings.ContainsFunc(dedupKey, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		return dedupKey
	}
	sum := sha256.Sum256([]byte(dedupKey))
	return "h" + hex.EncodeToString(sum[:12])
}

// shiftLayout is how a Temporal Schedule appends a run's nominal time to
// its workflow ID (RFC 3339 in UTC): fixed-length, so the team before it
// reads back whatever dashes its name holds.
const shiftLayout = "2006-01-02T15:04:05Z07:00"

// HandoverScheduleID names a team's weekly handover schedule.
func HandoverScheduleID(team string) string { return "handover-" + team }

// HandoverWorkflowID names the handover of one team's shift. A Temporal
// Schedule appends the nominal start time to the schedule's workflow ID in
// the same RFC 3339 UTC form, so a scheduled run and a manual run for the
// same shift get the same ID.
func HandoverWorkflowID(team string, shiftStart time.Time) string {
	return HandoverScheduleID(team) + "-" + shiftStart.UTC().Format(shiftLayout)
}

// ParseHandoverWorkflowID reads back a handover's team and shift start.
func ParseHandoverWorkflowID(s string) (team string, shiftStart time.Time, err error) {
	return parseShiftID(s, "handover-", "handover")
}

// SummaryScheduleID names a team's weekly summary schedule.
func SummaryScheduleID(team string) string { return "summary-" + team }

// SummaryWorkflowID names the summary of the shift that ends at shiftEnd.
// Like the handover's, it is what the Schedule makes of the nominal time,
// so a scheduled run and a manual one for the same shift share it.
func SummaryWorkflowID(team string, shiftEnd time.Time) string {
	return SummaryScheduleID(team) + "-" + shiftEnd.UTC().Format(shiftLayout)
}

// ParseSummaryWorkflowID reads back a summary's team and shift end.
func ParseSummaryWorkflowID(s string) (team string, shiftEnd time.Time, err error) {
	return parseShiftID(s, "summary-", "summary")
}

// shiftTimeLen is the length of a shift time in an ID: always UTC, so
// always "2006-01-02T15:04:05Z".
const shiftTimeLen = len("2006-01-02T15:04:05Z")

func parseShiftID(s, prefix, what string) (string, time.Time, error) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) < shiftTimeLen+2 || rest[len(rest)-shiftTimeLen-1] != '-' {
		return "", time.Time{}, fmt.Errorf("%q is not a %s ID (%s<team>-<RFC 3339 time in UTC>)", s, what, prefix)
	}
	team, at := rest[:len(rest)-shiftTimeLen-1], rest[len(rest)-shiftTimeLen:]
	t, err := time.Parse(shiftLayout, at)
	if err != nil || !teamName.MatchString(team) {
		return "", time.Time{}, fmt.Errorf("%q is not a %s ID (%s<team>-<RFC 3339 time in UTC>)", s, what, prefix)
	}
	return team, t, nil
}

// RosterWorkflowID names a team's roster.
func RosterWorkflowID(team string) string { return "roster-" + team }

// ParseRosterWorkflowID reads back a roster's team.
func ParseRosterWorkflowID(s string) (string, error) {
	return parseOnePartID(s, "roster-", "roster", "team", teamName.MatchString)
}

// StormDeskWorkflowID names a team's storm desk: the workflow that groups
// the team's alerts into one channel message when more arrive than the
// channel can take, or by the labels the team groups by.
func StormDeskWorkflowID(team string) string { return "storm-" + team }

// ParseStormDeskWorkflowID reads back a storm desk's team.
func ParseStormDeskWorkflowID(s string) (string, error) {
	return parseOnePartID(s, "storm-", "storm desk", "team", teamName.MatchString)
}

// SilencesWorkflowID names a team's silences.
func SilencesWorkflowID(team string) string { return "silences-" + team }

// ParseSilencesWorkflowID reads back a silences workflow's team.
func ParseSilencesWorkflowID(s string) (string, error) {
	return parseOnePartID(s, "silences-", "silences", "team", teamName.MatchString)
}

// PageQuotaWorkflowID names the /baton page quota of a chat user. Slack's
// user IDs are letters and digits, unique across the one workspace the
// gateway takes requests from.
func PageQuotaWorkflowID(chatUser string) string { return "pagequota-" + chatUser }

// ParsePageQuotaWorkflowID reads back the chat user of a page quota.
func ParsePageQuotaWorkflowID(s string) (string, error) {
	return parseOnePartID(s, "pagequota-", "page quota", "chat user", nonEmpty)
}

// PhoneLineWorkflowID names the line of one phone, by a keyed hash of its
// number (PhoneLineKey), so that the ID, shown in the Web UI and in every
// history, does not give the number away.
func PhoneLineWorkflowID(lineKey string) string { return "phoneline-" + lineKey }

// ParsePhoneLineWorkflowID reads back the line key of a phone line.
func ParsePhoneLineWorkflowID(s string) (string, error) {
	return parseOnePartID(s, "phoneline-", "phone line", "line key", isLineKey)
}

// PhoneLineKey is the line key of a phone number: HMAC-SHA256 of the
// number under secret, in hex. A hash without a secret would not hide a
// number, as phone numbers are few enough to try them all.
func PhoneLineKey(secret []byte, number string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(number))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

func isLineKey(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 16
}

// TwilioReceiptWorkflowID names the receipt of one Twilio request, by its
// MessageSid or CallSid (letters and digits, unique across Twilio).
func TwilioReceiptWorkflowID(sid string) string { return "twilio-receipt-" + sid }

// ParseTwilioReceiptWorkflowID reads back the Twilio request of a receipt.
func ParseTwilioReceiptWorkflowID(s string) (string, error) {
	return parseOnePartID(s, "twilio-receipt-", "Twilio receipt", "sid", nonEmpty)
}

// parseOnePartID reads back the one part of an ID made as prefix+part,
// which valid must take; the error names the ID's kind (what) and its
// form, "<prefix><part>".
func parseOnePartID(s, prefix, what, part string, valid func(string) bool) (string, error) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || !valid(rest) {
		return "", fmt.Errorf("%q is not a %s ID (%s<%s>)", s, what, prefix, part)
	}
	return rest, nil
}

// nonEmpty is the check of a part that any non-empty text may be.
func nonEmpty(part string) bool { return part != "" }

// probeName is what a heartbeat or a check may be called: fit for a URL
// path segment, and colon-free, so that its ID reads back.
var probeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// ValidProbeName reports whether name may name a heartbeat or a check;
// the team file is held to it.
func ValidProbeName(name string) bool { return probeName.MatchString(name) }

// HeartbeatID names one team's heartbeat. Its string form, the workflow ID
// of the heartbeat's monitor, is "heartbeat:<team>:<name>".
type HeartbeatID struct {
	Team string
	Name string
}

const heartbeatPrefix = "heartbeat:"

// String is the heartbeat's workflow ID.
func (id HeartbeatID) String() string { return heartbeatPrefix + id.Team + ":" + id.Name }

// Path is where the heartbeat's job pings: POST <gateway><Path>. The
// gateway's route is HeartbeatRoute.
func (id HeartbeatID) Path() string { return "/heartbeat/" + id.Team + "/" + id.Name }

// HeartbeatRoute is the gateway's pattern for HeartbeatID.Path.
const HeartbeatRoute = "POST /heartbeat/{team}/{name}"

// DedupKey is the dedup key of the incident a missed heartbeat opens: one
// incident per heartbeat, reopened if it stops again before it closes.
func (id HeartbeatID) DedupKey() string { return "heartbeat-" + id.Name }

// ParseHeartbeatID reads back a heartbeat's workflow ID.
func ParseHeartbeatID(s string) (HeartbeatID, error) {
	rest, ok := strings.CutPrefix(s, heartbeatPrefix)
	team, name, cut := strings.Cut(rest, ":")
	if !ok || !cut || !teamName.MatchString(team) || !probeName.MatchString(name) {
		return HeartbeatID{}, fmt.Errorf("%q is not a heartbeat ID (heartbeat:<team>:<name>)", s)
	}
	return HeartbeatID{Team: team, Name: name}, nil
}

// CheckID names one team's check. Its string form, "check:<team>:<name>",
// is the ID of the check's schedule; each run's workflow ID is that with
// the run's time appended, as Temporal Schedules do.
type CheckID struct {
	Team string
	Name string
}

const checkPrefix = "check:"

// String is the check's schedule ID.
func (id CheckID) String() string { return checkPrefix + id.Team + ":" + id.Name }

// DedupKey is the dedup key of the incident of a failing check.
func (id CheckID) DedupKey() string { return "check-" + id.Name }

// CannotRunKey is the dedup key of the incident of a check that cannot
// run (bad credentials, a query error): its own, so that it never reads
// as the check failing.
func (id CheckID) CannotRunKey() string { return "check-" + id.Name + "-cannot-run" }

// ParseCheckID reads back a check's schedule ID.
func ParseCheckID(s string) (CheckID, error) {
	rest, ok := strings.CutPrefix(s, checkPrefix)
	team, name, cut := strings.Cut(rest, ":")
	if !ok || !cut || !teamName.MatchString(team) || !probeName.MatchString(name) {
		return CheckID{}, fmt.Errorf("%q is not a check ID (check:<team>:<name>)", s)
	}
	return CheckID{Team: team, Name: name}, nil
}

// RetryID names the retry of one team's alert: "retry:<team>:<key>", the
// key made fit for an ID as the incident's is (IncidentKey).
type RetryID struct {
	Team string
	Key  string
}

const retryPrefix = "retry:"

// String is the retry's workflow ID.
func (id RetryID) String() string { return retryPrefix + id.Team + ":" + id.Key }

// RetryWorkflowID names the retry of a team's dedup key.
func RetryWorkflowID(team, dedupKey string) string {
	return RetryID{Team: team, Key: IncidentKey(dedupKey)}.String()
}

// ParseRetryID reads back a retry's workflow ID.
func ParseRetryID(s string) (RetryID, error) {
	rest, ok := strings.CutPrefix(s, retryPrefix)
	team, key, cut := strings.Cut(rest, ":")
	if !ok || !cut || !teamName.MatchString(team) || key == "" || IncidentKey(key) != key {
		return RetryID{}, fmt.Errorf("%q is not a retry ID (retry:<team>:<key>)", s)
	}
	return RetryID{Team: team, Key: key}, nil
}

// SupportID names one team's support request. A request about a message
// of a channel is "support:<team>:<channel>:<ts>", Slack's channel ID and
// the message's timestamp, so that every way of asking about one message
// (its reaction, the shortcut, an event Slack delivers again, a second
// gateway) names one request. A request typed with /baton ask, whose
// message Baton posts itself, is "support:<team>:ask:<key>", its key made
// once per use of the command. A channel ID is upper-case, so "ask" is
// never one.
type SupportID struct {
	Team string
	// Channel and TS name the message asked about.
	Channel, TS string
	// Ask is set instead for a /baton ask: the key of that use.
	Ask string
}

const (
	supportPrefix = "support:"
	supportAsk    = "ask"
)

var (
	// slackChannelID is a Slack conversation ID: C…, G… or D…, then
	// upper-case letters and digits.
	slackChannelID = regexp.MustCompile(`^[CGD][A-Z0-9]{1,30}$`)
	// slackTS is a Slack message timestamp, "1700000000.000100".
	slackTS = regexp.MustCompile(`^[0-9]{1,12}\.[0-9]{1,9}$`)
	askKey  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
)

// String is the request's workflow ID.
func (id SupportID) String() string {
	if id.Ask != "" {
		return supportPrefix + id.Team + ":" + supportAsk + ":" + id.Ask
	}
	return supportPrefix + id.Team + ":" + id.Channel + ":" + id.TS
}

// SupportMessageID names the request of a team about the message ts of
// a channel, given by its Slack ID.
func SupportMessageID(team, channel, ts string) string {
	return SupportID{Team: team, Channel: channel, TS: ts}.String()
}

// SupportAskID names the request typed with one use of /baton ask, by
// the key made for that use (lower-case letters, digits and dashes).
func SupportAskID(team, key string) string {
	return SupportID{Team: team, Ask: key}.String()
}

// ParseSupportID reads back a support request's workflow ID.
func ParseSupportID(s string) (SupportID, error) {
	bad := fmt.Errorf("%q is not a support request ID (support:<team>:<channel>:<ts> or support:<team>:ask:<key>)", s)
	rest, ok := strings.CutPrefix(s, supportPrefix)
	parts := strings.Split(rest, ":")
	if !ok || len(parts) != 3 || !teamName.MatchString(parts[0]) {
		return SupportID{}, bad
	}
	switch {
	case parts[1] == supportAsk && askKey.MatchString(parts[2]):
		return SupportID{Team: parts[0], Ask: parts[2]}, nil
	case slackChannelID.MatchString(parts[1]) && slackTS.MatchString(parts[2]):
		return SupportID{Team: parts[0], Channel: parts[1], TS: parts[2]}, nil
	}
	return SupportID{}, bad
}

// ValidSlackChannelID reports whether s is a Slack conversation ID, as
// events and interaction payloads name channels.
func ValidSlackChannelID(s string) bool { return slackChannelID.MatchString(s) }

// ValidSlackTS reports whether s is a Slack message timestamp.
func ValidSlackTS(s string) bool { return slackTS.MatchString(s) }
