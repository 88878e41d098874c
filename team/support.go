package team

import (
	"regexp"
	"strings"
	"time"
)

// Support is how a team's support requests are opened and followed. Every
// field has a default, so a team file may leave it out.
type Support struct {
	// Reaction is the emoji, by name, that opens a support request when
	// someone adds it to a message in the support channel. Default
	// DefaultSupportReaction; colons around it are allowed (":ticket:").
	Reaction string `yaml:"reaction,omitempty" json:"reaction,omitempty"`
	// RespondWithin is how long a request may wait for someone to take it
	// before the person on call is reminded, in their working hours, as a
	// duration ("2h"). Default DefaultRespondWithin.
	RespondWithin string `yaml:"respond_within,omitempty" json:"respond_within,omitempty"`
}

// The support defaults.
const (
	DefaultSupportReaction = "ticket"
	DefaultRespondWithin   = 2 * time.Hour
)

// The bounds of support.respond_within: a reminder at most once a minute,
// and at least once a week.
const (
	minRespondWithin = time.Minute
	maxRespondWithin = 7 * 24 * time.Hour
)

// reactionName is an emoji's name as Slack's reaction events give it:
// lower-case letters, digits and _ + - ', and skin tones after "::"
// ("thumbsup::skin-tone-2").
var reactionName = regexp.MustCompile(`^[a-z0-9_+'-]+(::skin-tone-[2-6])?$`)

// channelRef is a channel as the team file gives one: a Slack ID, or a
// name after '#'.
var channelRef = regexp.MustCompile(`^(#[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{1,30})$`)

// SupportReaction is the reaction that opens a support request, without
// colons.
func (t Team) SupportReaction() string {
	if r := strings.Trim(strings.TrimSpace(t.Support.Reaction), ":"); r != "" {
		return r
	}
	return DefaultSupportReaction
}

// RespondWithin is how long a support request may wait for someone to
// take it before the person on call is reminded.
func (t Team) RespondWithin() time.Duration {
	if d, err := time.ParseDuration(t.Support.RespondWithin); err == nil && d >= minRespondWithin && d <= maxRespondWithin {
		return d
	}
	return DefaultRespondWithin
}

// AskChannel is where /baton ask posts a request: the support channel,
// else the team's channel.
func (t Team) AskChannel() string {
	if t.Slack.SupportChannel != "" {
		return t.Slack.SupportChannel
	}
	return t.Slack.Channel
}

// validateSupport checks the support channel and settings; bad reports a
// problem.
func (t Team) validateSupport(bad func(field, format string, args ...any)) {
	if ch := t.Slack.SupportChannel; ch != "" && !channelRef.MatchString(ch) {
		bad("slack.support_channel", "%q is not a channel ID (C0123ABCD) or #name", ch)
	}
	if r := t.Support.Reaction; r != "" && !reactionName.MatchString(strings.Trim(strings.TrimSpace(r), ":")) {
		bad("support.reaction", "%q is not an emoji's name such as %s (lower-case, without spaces)", r, DefaultSupportReaction)
	}
	if w := t.Support.RespondWithin; w != "" {
		if d, err := time.ParseDuration(w); err != nil || d < minRespondWithin || d > maxRespondWithin {
			bad("support.respond_within", "%q is not a duration between %s and %s, such as 2h", w, minRespondWithin, "168h")
		}
	}
}
