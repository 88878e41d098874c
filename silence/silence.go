// Package silence is the rule of a team's silences: planned work (a
// warehouse migration) that would page the person on call for every alert
// it causes. A silence matches alerts by their fields and labels for a
// bounded while; a matching alert still opens its incident and shows in
// the channel, but pages nobody and rings no phone until the silence ends.
//
// Silences are plain data with pure methods that take the instant: the
// Silences workflow keeps a team's in Temporal, so that every worker and
// gateway sees the same ones, and the rule is tested without an engine.
package silence

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

const (
	// MaxFor bounds a silence: it always ends, at most a week after it
	// starts, so a forgotten one cannot mute a team for good.
	MaxFor = 7 * 24 * time.Hour
	// MaxMatchers bounds how many matchers a silence has.
	MaxMatchers = 8
	// MaxNote bounds a silence's note, in characters.
	MaxNote = 300
	// maxValue bounds a matcher's key and value, as the alert's own
	// keyword fields are bounded.
	maxValue = 200
)

// Matcher matches an alert whose field or label Key has exactly Value.
// alertname, service and severity are the alert's own fields; any other
// key is a label, as the team file's incidents.group_by reads them.
type Matcher struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// String is the matcher as typed: "service=orders".
func (m Matcher) String() string { return m.Key + "=" + m.Value }

// ParseMatchers reads matchers typed as key=value, one per word.
func ParseMatchers(words []string) ([]Matcher, error) {
	var out []Matcher
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("matcher %q: want key=value, such as service=orders or alertname=DagFailed", w)
		}
		out = append(out, Matcher{Key: k, Value: v})
	}
	return out, checkMatchers(out)
}

func checkMatchers(ms []Matcher) error {
	switch {
	case len(ms) == 0:
		return fmt.Errorf("a silence needs at least one matcher (key=value), so that it never mutes every alert of a team")
	case len(ms) > MaxMatchers:
		return fmt.Errorf("a silence has at most %d matchers, not %d", MaxMatchers, len(ms))
	}
	for i, m := range ms {
		switch {
		case m.Key == "" || m.Value == "":
			return fmt.Errorf("matcher %d: want key=value", i+1)
		case len(m.Key) > maxValue || len(m.Value) > maxValue:
			return fmt.Errorf("matcher %d is longer than %d characters", i+1, maxValue)
		case slices.IndexFunc(ms, func(o Matcher) bool { return o.Key == m.Key }) != i:
			return fmt.Errorf("matcher key %q is given twice: an alert has one value for it", m.Key)
		}
	}
	return nil
}

// Alert is what a silence reads of an alert.
type Alert struct {
	Service, AlertName, Severity string
	Labels                       map[string]string
}

func (a Alert) value(key string) string {
	switch key {
	case "alertname":
		return a.AlertName
	case "service":
		return a.Service
	case "severity":
		return a.Severity
	}
	return a.Labels[key]
}

// Silence holds back the pages of the team's alerts it matches, from From
// until Until, or until it is removed (Ended).
type Silence struct {
	ID       string    `json:"id"`
	Team     string    `json:"team"`
	Matchers []Matcher `json:"matchers"`
	From     time.Time `json:"from"`
	Until    time.Time `json:"until"`
	Note     string    `json:"note,omitempty"`
	// By is who set it, by name; ByChat their chat user, when they set it
	// from chat.
	By     string `json:"by,omitempty"`
	ByChat string `json:"by_chat,omitempty"`
	// Ended is when it was removed before Until; RemovedBy (and
	// RemovedByChat) who removed it.
	Ended         time.Time `json:"ended,omitzero"`
	RemovedBy     string    `json:"removed_by,omitempty"`
	RemovedByChat string    `json:"removed_by_chat,omitempty"`
}

// Check says what is wrong with a silence about to be set at now.
func (s Silence) Check(now time.Time) error {
	if err := checkMatchers(s.Matchers); err != nil {
		return err
	}
	switch {
	case !s.Until.After(now):
		return fmt.Errorf("the silence would end at %s, which is not after now", s.Until.UTC().Format(time.RFC3339))
	case s.Until.Sub(s.From) > MaxFor:
		return fmt.Errorf("a silence lasts at most %s (a week), not %s: set a new one when the work runs longer", "7d", s.Until.Sub(s.From).Round(time.Minute))
	case len([]rune(s.Note)) > MaxNote:
		return fmt.Errorf("the note is longer than %d characters", MaxNote)
	}
	return nil
}

// End is when the silence ends: its Until, or when it was removed.
func (s Silence) End() time.Time {
	if !s.Ended.IsZero() && s.Ended.Before(s.Until) {
		return s.Ended
	}
	return s.Until
}

// ActiveAt reports whether the silence holds pages back at t.
func (s Silence) ActiveAt(t time.Time) bool {
	return !t.Before(s.From) && t.Before(s.End())
}

// Matches reports whether every matcher of the silence matches the alert.
func (s Silence) Matches(a Alert) bool {
	for _, m := range s.Matchers {
		if a.value(m.Key) != m.Value {
			return false
		}
	}
	return len(s.Matchers) > 0
}

// Describe is the silence's matchers as typed: "service=orders alertname=X".
func (s Silence) Describe() string {
	parts := make([]string, len(s.Matchers))
	for i, m := range s.Matchers {
		parts[i] = m.String()
	}
	return strings.Join(parts, " ")
}

// Holding is the first of the silences that holds the alert back at t.
func Holding(silences []Silence, a Alert, t time.Time) (Silence, bool) {
	for _, s := range silences {
		if s.ActiveAt(t) && s.Matches(a) {
			return s, true
		}
	}
	return Silence{}, false
}
