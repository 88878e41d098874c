package contract

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Buttons: a press comes back to the gateway, perhaps days later, with the
// action_id and value Baton gave the button. Each is built here and read
// back here.

// incidentButtonPrefix starts the action_id of an incident's buttons; the
// value is the incident's workflow ID.
const incidentButtonPrefix = "incident."

// IncidentButtonID is the action_id of an incident's button for an action.
func IncidentButtonID(action string) string { return incidentButtonPrefix + action }

// ParseIncidentButtonID is IncidentButtonID's inverse.
func ParseIncidentButtonID(id string) (action string, ok bool) {
	action, ok = strings.CutPrefix(id, incidentButtonPrefix)
	return action, ok && action != ""
}

// StormAckAllAction is the action_id of a storm group's Acknowledge all;
// its value is StormGroupValue.
const StormAckAllAction = "storm.ack-all"

// StormGroupValue names a group of a team's storm desk: the desk's
// workflow ID and the group's number.
func StormGroupValue(team string, group int) string {
	return fmt.Sprintf("%s/%d", StormDeskWorkflowID(team), group)
}

// ParseStormGroupValue is StormGroupValue's inverse.
func ParseStormGroupValue(v string) (team string, group int, err error) {
	desk, n, ok := strings.Cut(v, "/")
	if ok {
		team, err = ParseStormDeskWorkflowID(desk)
	}
	if ok && err == nil {
		_, err = fmt.Sscanf(n, "%d", &group)
	}
	if !ok || err != nil || group < 1 || fmt.Sprint(group) != n {
		return "", 0, fmt.Errorf("%q names no storm group (storm-<team>/<number>)", v)
	}
	return team, group, nil
}

// HandoverAcceptAction is the action_id of the handover DM's Accept button;
// its value is the handover's workflow ID.
const HandoverAcceptAction = "handover.accept"

// The roster's buttons. A request's (cover, swap) carry RequestButtonValue;
// Need cover carries NeedCoverValue.
const (
	CoverTakeAction   = "roster.cover.take"
	SwapAcceptAction  = "roster.swap.accept"
	SwapDeclineAction = "roster.swap.decline"
	// CoverNeedAction is the handover DM's Need cover: it asks the channel
	// to cover the rest of the shift.
	CoverNeedAction = "roster.cover.need"
)

// RequestButtonValue is the value of a roster request's buttons:
// "<team>/<request ID>".
func RequestButtonValue(team, requestID string) string { return team + "/" + requestID }

// ParseRequestButtonValue is RequestButtonValue's inverse.
func ParseRequestButtonValue(v string) (team, requestID string, err error) {
	team, requestID, ok := strings.Cut(v, "/")
	if !ok || team == "" || requestID == "" {
		return "", "", errors.New("the button names no team and request: value " + v)
	}
	return team, requestID, nil
}

// NeedCoverValue is the value of the Need cover button: the team and its
// shift, "<team>/<start>/<end>" in Unix seconds.
func NeedCoverValue(team string, start, end time.Time) string {
	return fmt.Sprintf("%s/%d/%d", team, start.Unix(), end.Unix())
}

// ParseNeedCoverValue is NeedCoverValue's inverse.
func ParseNeedCoverValue(v string) (team string, start, end time.Time, err error) {
	parts := strings.Split(v, "/")
	if len(parts) != 3 || parts[0] == "" {
		return "", time.Time{}, time.Time{}, errors.New("the Need cover button names no team and shift: value " + v)
	}
	var s, e int64
	if _, err := fmt.Sscan(parts[1], &s); err != nil {
		return "", time.Time{}, time.Time{}, errors.New("the Need cover button names no shift start: value " + v)
	}
	if _, err := fmt.Sscan(parts[2], &e); err != nil {
		return "", time.Time{}, time.Time{}, errors.New("the Need cover button names no shift end: value " + v)
	}
	return parts[0], time.Unix(s, 0), time.Unix(e, 0), nil
}

// A support request's buttons, Take and Done; their value is the
// request's workflow ID (SupportID).
const (
	SupportTakeAction = "support.take"
	SupportDoneAction = "support.done"
)

// SupportShortcutCallbackID is the callback_id of the message shortcut
// "Ask on-call" (deploy/slack/manifest.yaml): Slack sends it back in the
// message_action payload of each use.
const SupportShortcutCallbackID = "baton.ask_oncall"
