// Package calendar writes iCalendar feeds (RFC 5545): who is on call, as
// events a calendar app subscribes to. It is pure: it formats what it is
// given and asks nothing.
//
// Every line ends in CRLF and is folded to at most 75 octets (never inside
// a UTF-8 character), TEXT values are escaped, and every instant is
// written in UTC ("20261102T080000Z"), so that the feed needs no
// VTIMEZONE and every app shows the shift in its own zone.
package calendar

import (
	"bytes"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// ProdID names the program that wrote the feed (PRODID, required).
const ProdID = "-//Baton//On-call calendar//EN"

// RefreshInterval is how often a subscribed app should fetch the feed
// again (REFRESH-INTERVAL of RFC 7986, and Outlook's X-PUBLISHED-TTL).
const RefreshInterval = "PT1H"

// maxLine is the longest line RFC 5545 allows, in octets, CRLF excluded.
const maxLine = 75

// utcLayout is the form of a DATE-TIME in UTC.
const utcLayout = "20060102T150405Z"

// Event is one stretch in the calendar: [Start, End).
type Event struct {
	// UID identifies the event across fetches: an app that fetches the
	// feed again updates the event with the same UID instead of adding a
	// second one. See UID.
	UID         string
	Summary     string
	Description string
	Start, End  time.Time
}

// UID is a stable event UID for a stretch of on-call: the team, the
// person, the start and, for an override, its ID, "@baton". Fetched
// again, the same stretch has the same UID even when its end moved (an
// override cut it short), so the app updates it in place.
func UID(team, person string, start time.Time, override string) string {
	parts := []string{team, person, start.UTC().Format(utcLayout)}
	if override != "" {
		parts = append(parts, override)
	}
	for i, p := range parts {
		// Escaped, "/" cannot occur inside a part: two different stretches
		// never share a UID.
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/") + "@baton"
}

// Feed is a VCALENDAR named name holding events, stamped now (DTSTAMP).
// Events are written in the order given; an empty Description is left
// out.
func Feed(name string, events []Event, now time.Time) []byte {
	var b bytes.Buffer
	line := func(nameAndParams, value string) { writeLine(&b, nameAndParams+":"+value) }
	stamp := now.UTC().Format(utcLayout)

	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", ProdID)
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	// NAME is RFC 7986's; X-WR-CALNAME is what Google Calendar, Outlook
	// and Apple Calendar read.
	line("NAME", Text(name))
	line("X-WR-CALNAME", Text(name))
	line("REFRESH-INTERVAL;VALUE=DURATION", RefreshInterval)
	line("X-PUBLISHED-TTL", RefreshInterval)
	for _, e := range events {
		line("BEGIN", "VEVENT")
		line("UID", Text(e.UID))
		line("DTSTAMP", stamp)
		line("DTSTART", e.Start.UTC().Format(utcLayout))
		line("DTEND", e.End.UTC().Format(utcLayout))
		line("SUMMARY", Text(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION", Text(e.Description))
		}
		// Being on call is not being busy: the stretch does not block
		// anyone's free/busy time.
		line("TRANSP", "TRANSPARENT")
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	return b.Bytes()
}

// Text escapes s as an iCalendar TEXT value: backslash, semicolon and
// comma get a backslash, a line break (CRLF, CR or LF) becomes \n, and
// other control characters, which TEXT cannot hold, are dropped (a tab
// stays).
func Text(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == ';' || c == ',':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\r':
			b.WriteString(`\n`)
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			// dropped
		default:
			b.WriteByte(c)
		}
	}
	return strings.ToValidUTF8(b.String(), "\uFFFD")
}

// writeLine writes one content line, folded: the first physical line
// holds up to 75 octets, each continuation a space and up to 74 more. A
// fold never splits a UTF-8 character or a TEXT escape.
func writeLine(b *bytes.Buffer, s string) {
	limit := maxLine
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		// Nor an escape: a fold there is allowed, but not every reader
		// unfolds before it unescapes.
		if n := backslashesBefore(s, cut); n%2 == 1 {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLine - 1
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}

// backslashesBefore counts the backslashes just before s[i].
func backslashesBefore(s string, i int) int {
	n := 0
	for i > 0 && s[i-1] == '\\' {
		n++
		i--
	}
	return n
}
