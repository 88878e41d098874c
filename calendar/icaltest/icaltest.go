// Package icaltest reads an iCalendar feed back, strictly, for tests: it
// refuses what RFC 5545 forbids rather than guessing, so that a test that
// parses a feed proves the feed is well formed.
//
// It checks CRLF line endings (no bare CR or LF), physical lines of at
// most 75 octets, valid UTF-8 on every physical line (a fold never splits
// a character), folds of a CRLF and one space or tab followed by at least
// one octet, property names, parameters, nesting of BEGIN and END, and
// TEXT escapes (Text): an unescaped comma or semicolon, or a backslash
// before anything but \ ; , n N, is an error.
package icaltest

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// MaxLine is RFC 5545's longest line, in octets, CRLF excluded.
const MaxLine = 75

// Prop is one property (a content line, unfolded): its name in upper
// case, its parameters and its raw value (still escaped).
type Prop struct {
	Name   string
	Params map[string]string
	Value  string
}

// Component is a BEGIN/END block: its properties in order, and the
// blocks inside it.
type Component struct {
	Name     string
	Props    []Prop
	Children []*Component
}

// All returns the component's properties named name.
func (c *Component) All(name string) []Prop {
	var out []Prop
	for _, p := range c.Props {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}

// One returns the component's only property named name, or an error when
// it has none or several.
func (c *Component) One(name string) (Prop, error) {
	ps := c.All(name)
	if len(ps) != 1 {
		return Prop{}, fmt.Errorf("%s has %d %s properties, want exactly one", c.Name, len(ps), name)
	}
	return ps[0], nil
}

// Text is the property's value as TEXT, unescaped.
func (p Prop) Text() (string, error) { return Text(p.Value) }

// UTC is the property's value as a DATE-TIME in UTC ("20261102T080000Z"),
// with no TZID parameter.
func (p Prop) UTC() (time.Time, error) {
	if _, ok := p.Params["TZID"]; ok {
		return time.Time{}, fmt.Errorf("%s has a TZID: want UTC", p.Name)
	}
	if !utcRE.MatchString(p.Value) {
		return time.Time{}, fmt.Errorf("%s %q is not a UTC date-time such as 20261102T080000Z", p.Name, p.Value)
	}
	return time.Parse("20060102T150405Z", p.Value)
}

// Events are the VEVENTs inside the calendar.
func (c *Component) Events() []*Component {
	var out []*Component
	for _, ch := range c.Children {
		if ch.Name == "VEVENT" {
			out = append(out, ch)
		}
	}
	return out
}

var (
	utcRE   = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z$`)
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	paramRE = regexp.MustCompile(`^([A-Za-z0-9-]+)=("[^"]*"|[^";:,]*)$`)
)

// Lines splits a feed into its physical lines, without their CRLF, and
// checks the endings, the lengths and the encoding.
func Lines(feed []byte) ([]string, error) {
	if len(feed) == 0 {
		return nil, fmt.Errorf("the feed is empty")
	}
	if !bytes.HasSuffix(feed, []byte("\r\n")) {
		return nil, fmt.Errorf("the feed does not end in CRLF")
	}
	raw := strings.Split(string(feed[:len(feed)-2]), "\r\n")
	for i, l := range raw {
		switch {
		case strings.ContainsAny(l, "\r\n"):
			return nil, fmt.Errorf("line %d has a bare CR or LF: %q", i+1, l)
		case len(l) > MaxLine:
			return nil, fmt.Errorf("line %d is %d octets, over %d: %q", i+1, len(l), MaxLine, l)
		case !utf8.ValidString(l):
			return nil, fmt.Errorf("line %d is not valid UTF-8 (a fold split a character?): %q", i+1, l)
		}
	}
	return raw, nil
}

// Unfold joins folded lines into content lines: a line that starts with a
// space or a tab continues the one before, without that first octet.
func Unfold(lines []string) ([]string, error) {
	var out []string
	for i, l := range lines {
		if l == "" {
			return nil, fmt.Errorf("line %d is empty", i+1)
		}
		if l[0] == ' ' || l[0] == '\t' {
			if len(out) == 0 {
				return nil, fmt.Errorf("line %d continues nothing", i+1)
			}
			if len(l) == 1 {
				return nil, fmt.Errorf("line %d is a fold with nothing in it", i+1)
			}
			out[len(out)-1] += l[1:]
			continue
		}
		out = append(out, l)
	}
	return out, nil
}

// ParseLine splits a content line into name, parameters and value.
func ParseLine(l string) (Prop, error) {
	// The value starts at the first colon outside a quoted parameter value.
	inQuote, colon := false, -1
	for i := 0; i < len(l) && colon < 0; i++ {
		switch l[i] {
		case '"':
			inQuote = !inQuote
		case ':':
			if !inQuote {
				colon = i
			}
		}
	}
	if colon < 0 {
		return Prop{}, fmt.Errorf("content line %q has no colon", l)
	}
	head := strings.Split(l[:colon], ";")
	p := Prop{Name: strings.ToUpper(head[0]), Params: map[string]string{}, Value: l[colon+1:]}
	if !nameRE.MatchString(head[0]) {
		return Prop{}, fmt.Errorf("content line %q: %q is not a property name", l, head[0])
	}
	for _, param := range head[1:] {
		m := paramRE.FindStringSubmatch(param)
		if m == nil {
			return Prop{}, fmt.Errorf("content line %q: %q is not a parameter", l, param)
		}
		p.Params[strings.ToUpper(m[1])] = strings.Trim(m[2], `"`)
	}
	return p, nil
}

// Text unescapes a TEXT value strictly.
func Text(v string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\':
			if i+1 == len(v) {
				return "", fmt.Errorf("TEXT %q ends in a lone backslash", v)
			}
			i++
			switch v[i] {
			case '\\', ';', ',':
				b.WriteByte(v[i])
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				return "", fmt.Errorf("TEXT %q: \\%c is not an escape", v, v[i])
			}
		case c == ';' || c == ',':
			return "", fmt.Errorf("TEXT %q has an unescaped %q", v, c)
		case (c < 0x20 && c != '\t') || c == 0x7f:
			return "", fmt.Errorf("TEXT %q holds control character %#x", v, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// Parse reads a feed: exactly one VCALENDAR, with VERSION:2.0 and a
// PRODID, whose BEGIN and END lines nest.
func Parse(feed []byte) (*Component, error) {
	lines, err := Lines(feed)
	if err != nil {
		return nil, err
	}
	content, err := Unfold(lines)
	if err != nil {
		return nil, err
	}
	var root *Component
	var stack []*Component
	for i, l := range content {
		p, err := ParseLine(l)
		if err != nil {
			return nil, err
		}
		if root != nil && len(stack) == 0 {
			return nil, fmt.Errorf("content line %d (%q) comes after END:VCALENDAR", i+1, l)
		}
		switch p.Name {
		case "BEGIN":
			c := &Component{Name: strings.ToUpper(p.Value)}
			if len(stack) == 0 {
				if c.Name != "VCALENDAR" {
					return nil, fmt.Errorf("the feed starts with BEGIN:%s, want BEGIN:VCALENDAR", p.Value)
				}
				root = c
			} else {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, c)
			}
			stack = append(stack, c)
		case "END":
			if len(stack) == 0 || stack[len(stack)-1].Name != strings.ToUpper(p.Value) {
				return nil, fmt.Errorf("content line %d: END:%s closes nothing open", i+1, p.Value)
			}
			stack = stack[:len(stack)-1]
		default:
			if len(stack) == 0 {
				return nil, fmt.Errorf("content line %d (%q) is outside BEGIN:VCALENDAR", i+1, l)
			}
			stack[len(stack)-1].Props = append(stack[len(stack)-1].Props, p)
		}
	}
	if root == nil {
		return nil, fmt.Errorf("the feed has no VCALENDAR")
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("BEGIN:%s is never ended", stack[len(stack)-1].Name)
	}
	if v, err := root.One("VERSION"); err != nil || v.Value != "2.0" {
		return nil, fmt.Errorf("the calendar needs VERSION:2.0 (%v)", err)
	}
	if _, err := root.One("PRODID"); err != nil {
		return nil, err
	}
	return root, nil
}

// Check is Parse, plus what every VEVENT needs in Baton's feeds: one UID,
// DTSTAMP, DTSTART and DTEND each, the times in UTC, an end after the
// start, TEXT values that unescape, and UIDs unique in the feed.
func Check(feed []byte) (*Component, error) {
	cal, err := Parse(feed)
	if err != nil {
		return nil, err
	}
	uids := map[string]bool{}
	for i, ev := range cal.Events() {
		var times [3]time.Time
		for j, name := range []string{"DTSTAMP", "DTSTART", "DTEND"} {
			p, err := ev.One(name)
			if err != nil {
				return nil, fmt.Errorf("event %d: %w", i+1, err)
			}
			if times[j], err = p.UTC(); err != nil {
				return nil, fmt.Errorf("event %d: %w", i+1, err)
			}
		}
		if !times[2].After(times[1]) {
			return nil, fmt.Errorf("event %d ends (%s) before it starts (%s)", i+1, times[2], times[1])
		}
		p, err := ev.One("UID")
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i+1, err)
		}
		uid, err := p.Text()
		if err != nil || uid == "" {
			return nil, fmt.Errorf("event %d: UID %q: %v", i+1, p.Value, err)
		}
		if uids[uid] {
			return nil, fmt.Errorf("event %d: UID %q is in the feed twice", i+1, uid)
		}
		uids[uid] = true
		for _, name := range []string{"SUMMARY", "DESCRIPTION"} {
			for _, p := range ev.All(name) {
				if _, err := p.Text(); err != nil {
					return nil, fmt.Errorf("event %d: %s: %w", i+1, name, err)
				}
			}
		}
	}
	return cal, nil
}

// Must is c's only property name, read by value (Prop.Text or Prop.UTC),
// failing the test when there is not exactly one or it does not read.
func Must[T any](t testing.TB, c *Component, name string, value func(Prop) (T, error)) T {
	t.Helper()
	p, err := c.One(name)
	if err != nil {
		t.Fatal(err)
	}
	v, err := value(p)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
