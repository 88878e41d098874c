package team

import (
	"strings"
	"testing"
	"time"
)

// supportFile is goodFile with a support channel and settings.
var supportFile = strings.Replace(goodFile, "      user_group: data-oncall\n", "      user_group: data-oncall\n      support_channel: \"#data-help\"\n", 1) + `    support: {reaction: ":sos:", respond_within: 90m}
`

func TestSupportSettingsAndTheirDefaults(t *testing.T) {
	f, err := Parse([]byte(supportFile))
	if err != nil {
		t.Fatal(err)
	}
	tm := f.Teams[0]
	if got := tm.SupportReaction(); got != "sos" {
		t.Errorf("reaction %q, want sos (colons dropped)", got)
	}
	if got := tm.RespondWithin(); got != 90*time.Minute {
		t.Errorf("respond_within %s", got)
	}
	if got := tm.AskChannel(); got != "#data-help" {
		t.Errorf("/baton ask posts in %q, want the support channel", got)
	}

	f, err = Parse([]byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	tm = f.Teams[0]
	if tm.SupportReaction() != DefaultSupportReaction || tm.RespondWithin() != DefaultRespondWithin {
		t.Errorf("defaults: %q %s", tm.SupportReaction(), tm.RespondWithin())
	}
	if got := tm.AskChannel(); got != "#data-team" {
		t.Errorf("without a support channel /baton ask posts in %q, want the team's channel", got)
	}
}

func TestSupportSettingsAreChecked(t *testing.T) {
	for name, c := range map[string]struct{ from, to, want string }{
		"a channel that is neither":  {`"#data-help"`, "data-help", `slack.support_channel: "data-help" is not a channel ID (C0123ABCD) or #name`},
		"a channel by ID":            {`"#data-help"`, "C0HELP", ""},
		"a private channel by ID":    {`"#data-help"`, "G0HELP", ""},
		"a reaction with a space":    {`":sos:"`, `"s o s"`, `support.reaction: "s o s" is not an emoji's name`},
		"a reaction with a tone":     {`":sos:"`, `thumbsup::skin-tone-3`, ""},
		"a respond_within of 10s":    {"90m", "10s", `support.respond_within: "10s" is not a duration between 1m0s and 168h`},
		"a respond_within of a year": {"90m", "8760h", `support.respond_within: "8760h" is not a duration`},
		"a respond_within of words":  {"90m", "soon", `support.respond_within: "soon"`},
		"an unknown key":             {"respond_within:", "respond_whithin:", `unknown field "respond_whithin"`},
	} {
		_, err := Parse([]byte(strings.Replace(supportFile, c.from, c.to, 1)))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
}
