package summary

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// The summary counts the retries of the shift, those that resolved the
// alert with nobody paged, and names the jobs that needed one, most
// first.
func TestRetriesAreCountedAndNamed(t *testing.T) {
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	r := Compute(Input{Team: testTeam, Shift: Shift{Start: start, End: start.AddDate(0, 0, 7)}, Retries: []Retried{
		{Alert: "orders_daily", ResolvedByRetry: true},
		{Alert: "users_daily", Paged: true},
		{Alert: "orders_daily", ResolvedByRetry: true},
		{Alert: "orders_daily"}, // still waiting
	}})
	want := RetryStats{Retried: 4, ResolvedByRetry: 2, Paged: 1, Alerts: []RetriedAlert{
		{Alert: "orders_daily", Retried: 3, Resolved: 2}, {Alert: "users_daily", Retried: 1},
	}}
	if !reflect.DeepEqual(r.Retries, want) {
		t.Errorf("retries %+v, want %+v", r.Retries, want)
	}
	if text := r.Text(); !strings.Contains(text, "Retried before paging: 4, resolved by the retry with nobody paged: 2; the jobs that needed one: orders_daily (3), users_daily (1)") {
		t.Errorf("the text does not count the retries:\n%s", text)
	}
	if empty := Compute(Input{Team: testTeam, Shift: Shift{Start: start, End: start.AddDate(0, 0, 7)}}); strings.Contains(empty.Text(), "Retried") || empty.Retries.Alerts == nil {
		t.Error("a shift without retries mentions them, or lists null")
	}
}
