package main

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/baton-oncall/baton/activities/phone/twilio"
	"github.com/baton-oncall/baton/internal/localphone"
)

// phone answers the console phone's SMS (kind "reply") and calls ("key")
// as the person would from their phone: it sends the gateway the request
// Twilio would, signed the way Twilio signs it.
func (a *app) phone(ctx context.Context, kind string, args []string) error {
	fs := a.flags("phone "+kind, "Answers an SMS (reply) or a call (key) of the console phone, as Twilio would send the answer.")
	from := fs.String("from", "", "reply: the person answering, by ID (looked up in the worker's team file) or E.164 number")
	callURL := fs.String("url", "", "key: the call's answer URL, as the console printed it")
	devDir := fs.String("dev-dir", ".baton-dev", "the dev stack's data directory, where it leaves the gateway's address and token")
	if err := parseWithArgs(fs, args); err != nil {
		return err
	}
	words := strings.Join(fs.Args(), " ")
	lp, err := a.localPhone(*devDir)
	if err != nil {
		return err
	}
	var target string
	form := url.Values{"AccountSid": {"AC-local"}}
	switch {
	case kind == "reply" && (*from == "" || words == ""):
		return exitError{code: exitUsage, msg: "phone reply: give --from PERSON and the reply, such as 1 or 1 K3F"}
	case kind == "reply":
		number, err := a.phoneNumber(*from)
		if err != nil {
			return err
		}
		target = lp.URL + "/twilio/sms"
		form.Set("From", number)
		form.Set("Body", words)
		form.Set("MessageSid", fmt.Sprintf("SM-local-%d", a.now().UnixNano()))
	case *callURL == "" || words == "":
		return exitError{code: exitUsage, msg: "phone key: give --url (the call's answer URL) and the key, such as 1"}
	default:
		if !strings.HasPrefix(*callURL, lp.URL+"/") {
			return fmt.Errorf("phone key: %s is not an answer URL of the gateway at %s", *callURL, lp.URL)
		}
		target = *callURL
		form.Set("Digits", words)
		form.Set("CallSid", fmt.Sprintf("CA-local-%d", a.now().UnixNano()))
	}
	answer, err := postSigned(ctx, target, lp.Token, form)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, answer)
	return nil
}

// localPhone is where to send answers and what to sign them with: the
// Twilio settings when they are set, else what the dev stack left.
func (a *app) localPhone(devDir string) (localphone.Gateway, error) {
	if a.cfg.PublicURL != "" && a.cfg.TwilioAuthToken != "" {
		return localphone.Gateway{URL: a.cfg.PublicURL, Token: a.cfg.TwilioAuthToken}, nil
	}
	g, err := localphone.Read(devDir)
	if errors.Is(err, localphone.ErrNoStack) {
		return g, fmt.Errorf("phone: %w: start one with go run ./deploy/dev (or give its -data-dir as --dev-dir), or set BATON_PUBLIC_URL and TWILIO_AUTH_TOKEN", err)
	}
	if err != nil {
		return g, fmt.Errorf("phone: %w", err)
	}
	return g, nil
}

// phoneNumber is the number of a person of the team file, or the number
// given.
func (a *app) phoneNumber(who string) (string, error) {
	if strings.HasPrefix(who, "+") {
		return who, nil
	}
	teams, err := a.loadTeams()
	if err != nil {
		return "", err
	}
	for _, t := range teams.Teams {
		if p, ok := t.Person(who); ok && p.Phone != "" {
			return p.Phone, nil
		}
	}
	return "", exitError{code: exitUsage, msg: fmt.Sprintf("phone reply: the worker's team file has nobody with the ID %q and a phone number", who)}
}

// postSigned posts a form as Twilio does, with X-Twilio-Signature, and
// returns the text of the TwiML answer.
func postSigned(ctx context.Context, target, token string, form url.Values) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilio.Signature(token, target, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("phone: the gateway at %s: %w", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("phone: the gateway answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	var twiml struct {
		Message string `xml:"Message"`
		Say     string `xml:"Say"`
	}
	if err := xml.Unmarshal(body, &twiml); err != nil {
		return "", fmt.Errorf("phone: the gateway's answer is not TwiML: %w", err)
	}
	return twiml.Message + twiml.Say, nil
}
