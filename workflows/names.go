package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// TaskQueue is the task queue of Baton's workflows and most activities.
const TaskQueue = "baton"

// PhoneTaskQueue carries only the escalation's SMS and calls, with pollers
// of their own, so that a phone step never waits in line behind a storm's
// chat posts.
const PhoneTaskQueue = "baton-phone"

// Workflow type names, registered explicitly so that renaming a Go function
// never orphans a running workflow.
const (
	HandoverWorkflowName = "Handover"
)

// Search attributes, so that the Web UI can filter runs by team, person on
// call and, for incidents, severity, service, state and alert name. All are
// keywords: exact-match filters.
var (
	TeamKey      = temporal.NewSearchAttributeKeyKeyword("BatonTeam")
	OnCallKey    = temporal.NewSearchAttributeKeyKeyword("BatonOnCall")
	SeverityKey  = temporal.NewSearchAttributeKeyKeyword("BatonSeverity")
	ServiceKey   = temporal.NewSearchAttributeKeyKeyword("BatonService")
	StateKey     = temporal.NewSearchAttributeKeyKeyword("BatonState")
	AlertNameKey = temporal.NewSearchAttributeKeyKeyword("BatonAlertName")
)

// SearchAttributes lists every search attribute Baton writes, with its type,
// for registering them in a namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	out := map[string]enumspb.IndexedValueType{}
	for _, k := range []temporal.SearchAttributeKeyKeyword{TeamKey, OnCallKey, SeverityKey, ServiceKey, StateKey, AlertNameKey} {
		out[k.GetName()] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	return out
}
