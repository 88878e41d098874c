// Package mrkdwn makes text from outside (alert fields, labels, notes,
// names typed in Slack) safe to show: as Slack mrkdwn, where it is data and
// never markup, and as plain text for SMS, calls and terminals. Mentions
// and links are built here from IDs and checked URLs only, so that a
// mention or a link in a post is always one Baton meant to make.
//
// It does no I/O, so that workflows may use it.
package mrkdwn

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Slack's documented limits, in characters.
const (
	// SectionLimit is the most text a Block Kit section may hold.
	SectionLimit = 3000
	// MessageLimit is the most text a message may hold.
	MessageLimit = 40000
)

// Clean is s as plain text with its control characters stripped: line
// breaks (CR LF, CR, U+2028, U+2029) become "\n", tabs become spaces, and
// other control characters, bidirectional overrides and invalid UTF-8 go,
// so that text cannot reorder, hide or break what is shown around it.
func Clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue
			}
			b.WriteByte('\n')
		case r == '\n' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || isBidiControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isBidiControl: the embeddings, overrides and isolates of Unicode's
// bidirectional algorithm, which can make text read other than it is.
func isBidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// OneLine is Clean(s) on one line: line breaks and runs of spaces become
// one space, and the ends are trimmed.
func OneLine(s string) string {
	return strings.Join(strings.Fields(Clean(s)), " ")
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape is Clean(s) as mrkdwn that shows s as it is: &, < and > become
// &amp;, &lt; and &gt;, as Slack documents, so that no mention, link or
// command can be made of it. Line breaks stay.
func Escape(s string) string {
	return escaper.Replace(Clean(s))
}

// Line is Escape(OneLine(s)): text from outside that must stay on its line.
func Line(s string) string {
	return escaper.Replace(OneLine(s))
}

// Quote shows s as a block quote, every line of it prefixed with "> ", so
// that no line of s can pass for one of Baton's own (a "*State:* resolved").
// Empty lines at the ends are dropped.
func Quote(s string) string {
	return quote(Escape(s))
}

// PlainQuote is Quote for plain text: the same "> " prefixes, nothing
// escaped.
func PlainQuote(s string) string {
	return quote(Clean(s))
}

func quote(s string) string {
	s = strings.Trim(s, "\n")
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return "> " + strings.ReplaceAll(s, "\n", "\n> ")
}

// User mentions a chat user by ID: a Slack user ID ("U0123"), or the
// console's, an email's local part. Anything else, which could end the
// mention early and start markup of its own, is shown as text, escaped.
func User(id string) string {
	if isUserID(id) {
		return "<@" + id + ">"
	}
	return Line(id)
}

func isUserID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '+') {
			return false
		}
	}
	return true
}

// Group mentions a user group, given by ID ("S0123") or by handle
// ("data-oncall", with or without "@"). A handle is written as
// "<!subteam^data-oncall>": the Slack adapter swaps it for the group's ID
// before it posts (Slack mentions a group by ID only), and the console
// shows "@data-oncall". A value that is neither is shown as text.
func Group(group string) string {
	g := strings.TrimPrefix(group, "@")
	if isID(g, 'S') || isHandle(g) {
		return "<!subteam^" + g + ">"
	}
	return Line(group)
}

// IsGroupID reports whether g is a user group's ID rather than a handle.
func IsGroupID(g string) bool { return isID(g, 'S') }

// isID reports whether s looks like a Slack ID of the given kind: the
// prefix letter, then upper-case letters and digits.
func isID(s string, prefix byte) bool {
	if len(s) < 3 || s[0] != prefix {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// isHandle: a user group handle as Slack allows it, letters, digits, '-',
// '_' and '.'.
func isHandle(s string) bool {
	if s == "" || len(s) > 80 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// maxURL bounds a link's URL; a longer one is not linked.
const maxURL = 1000

// Link links text to an http or https URL. A URL that is not one (another
// scheme, spaces, a "|" or ">" that would end Slack's link early, too long)
// is not linked: the text alone is shown.
func Link(rawURL, text string) string {
	if u := LinkURL(rawURL); u != "" {
		return "<" + u + "|" + Line(text) + ">"
	}
	return Line(text)
}

// LinkURL is the URL as Link writes it in mrkdwn, or "" when Link would
// not link it.
func LinkURL(rawURL string) string {
	if len(rawURL) > maxURL || strings.ContainsFunc(rawURL, func(r rune) bool {
		return r <= ' ' || r == '|' || r == '<' || r == '>' || r == '"' || unicode.IsControl(r) || unicode.IsSpace(r) || isBidiControl(r) || r == utf8.RuneError
	}) {
		return ""
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return strings.ReplaceAll(rawURL, "&", "&amp;")
}

// Code shows s on one line in a code span; a backtick in s, which would
// end the span, becomes a quote.
func Code(s string) string {
	return "`" + strings.ReplaceAll(Line(s), "`", "'") + "`"
}

// Cut shortens mrkdwn text to at most n characters (runes), tail included,
// and ends it with tail, which says that it was cut and where to read the
// rest. It never cuts inside an escape (&amp;) or a mention or link (<…>),
// which would show broken markup or let text become markup.
func Cut(s string, n int, tail string) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	head, _ := Split(s, n-utf8.RuneCountInString(tail))
	return head + tail
}

// Split splits mrkdwn text after at most n characters (runes), never
// inside an escape or a mention or link, nor inside a character; a line
// break before the limit is preferred, so that a line is not split when
// a whole one fits. head is empty only when n <= 0 or s is.
func Split(s string, n int) (head, rest string) {
	if n <= 0 {
		return "", s
	}
	end, count := 0, 0
	for end < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
		count++
	}
	if end == len(s) {
		return s, ""
	}
	cut := end
	if i := strings.LastIndexByte(s[:cut], '<'); i >= 0 && !strings.Contains(s[i:cut], ">") {
		cut = i
	}
	if i := strings.LastIndexByte(s[:cut], '&'); i >= 0 && !strings.Contains(s[i:cut], ";") {
		cut = i
	}
	if i := strings.LastIndexByte(s[:cut], '\n'); i > 0 {
		cut = i + 1
	}
	if cut == 0 {
		// One token longer than n: cutting it is the lesser harm, and
		// only a mention or link Baton built can be one.
		cut = end
	}
	return s[:cut], s[cut:]
}

// CutPlain shortens plain text to at most n characters (runes), tail
// included.
func CutPlain(s string, n int, tail string) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n-utf8.RuneCountInString(tail), 0)]) + tail
}

// Slack's mrkdwn for mentions and links, as plain text shows them.
var (
	mentionRE = regexp.MustCompile(`<(?:@|!subteam\^)([^>|]+)(?:\|[^>]*)?>`)
	linkRE    = regexp.MustCompile(`<([a-z]+://[^>|]+)\|([^>]+)>`)
	unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// Plain is mrkdwn as a terminal or a ticket shows it: "<@alice>" and
// "<!subteam^S0123>" become "@alice" and "@S0123", "<url|title>" becomes
// "title (url)", and escapes become the characters they stand for.
func Plain(s string) string {
	s = mentionRE.ReplaceAllString(s, "@$1")
	s = linkRE.ReplaceAllString(s, "$2 ($1)")
	return unescaper.Replace(s)
}
