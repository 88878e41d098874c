package summary

import (
	"strings"
	"testing"
	"time"
)

func TestReportListsAHandoverAcceptedLateOrNever(t *testing.T) {
	due := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
	base := Report{Team: "data", TimeZone: "Europe/Berlin", Shift: Shift{Week: "2026-W48", Start: due.Add(-30 * time.Minute), End: due.AddDate(0, 0, 7)}}

	if text := base.Text(); strings.Contains(text, "Handover:") {
		t.Errorf("a handover accepted in time is not listed:\n%s", text)
	}
	never := base
	never.Handover = &HandoverCheck{People: []string{"carol"}, AcceptBy: due}
	if text := never.Text(); !strings.Contains(text, "Handover: never accepted by carol (due Mon 23 Nov 09:30): their phone was not proven to ring\n") {
		t.Errorf("never accepted:\n%s", text)
	}
	late := base
	late.Handover = &HandoverCheck{People: []string{"carol"}, AcceptBy: due, AcceptedAt: due.Add(95 * time.Minute), AcceptedBy: "carol"}
	if text := Slack(late); !strings.Contains(text, "Handover: accepted late by carol, 1h35m0s after the deadline of Mon 23 Nov 09:30\n") {
		t.Errorf("accepted late:\n%s", text)
	}
}
