// Package twilio is a phone.Phone on Twilio's REST API: SMS and voice
// calls. Like every vendor's adapter, it is apart from package phone,
// which holds the interface the workflows see.
package twilio

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/phone"
	"github.com/baton-oncall/baton/internal/retryafter"
)

// DefaultTwilioURL is Twilio's REST API, used when TWILIO_API_URL is unset.
const DefaultTwilioURL = "https://api.twilio.com"

const (
	// apiVersion is the only version of Twilio's Messages and Calls API.
	apiVersion = "2010-04-01"
	// maxPages bounds a look-up: recent messages and calls come first, so
	// five pages reach far enough back for a step of an escalation.
	maxPages = 5
	// maxAnswer bounds how much of an answer is read; a page of 50 records
	// is far smaller.
	maxAnswer = 4 << 20
)

// Twilio sends SMS and places calls through Twilio's REST API.
//
// Twilio takes no idempotency key on these endpoints, so both methods look
// before they write: they list what was sent to the number since `since`
// and send only when nothing there is theirs.
type Twilio struct {
	accountSID string
	authToken  string
	from       string
	base       string
	hc         *http.Client
}

var _ phone.Phone = (*Twilio)(nil)

// NewTwilio returns a Twilio client that sends from the number `from`.
// apiURL is the API's base (DefaultTwilioURL when empty). hc may be nil: the
// default client then gives up after 15 seconds, because Temporal retries
// and a hung request must not hold an activity slot.
func NewTwilio(accountSID, authToken, from, apiURL string, hc *http.Client) *Twilio {
	if apiURL == "" {
		apiURL = DefaultTwilioURL
	}
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	return &Twilio{
		accountSID: accountSID,
		authToken:  authToken,
		from:       from,
		base:       strings.TrimRight(apiURL, "/"),
		hc:         hc,
	}
}

// SMS implements phone.Phone. The body travels with a reference derived
// from the key, " [ref 1a2b3c]", which is how a later try recognises the
// message: Twilio keeps nothing else of ours on a message.
//
// A body longer than phone.MaxSMSBody is cut, so that Twilio never refuses
// it for its length (21617), which no retry could mend.
func (t *Twilio) SMS(ctx context.Context, to, body, key string, since time.Time) (string, error) {
	ref := "[ref " + Ref(key) + "]"
	if !since.IsZero() {
		q := t.between(to)
		q.Set("DateSent>", day(since))
		sid, found, err := t.find(ctx, "Messages.json", q, func(r record) bool {
			return strings.Contains(r.Body, ref) && r.createdSince(since)
		})
		if err != nil || found {
			return sid, err
		}
	}
	return t.create(ctx, "Messages.json", url.Values{
		"To":   {to},
		"From": {t.from},
		"Body": {phone.Cut(body, phone.MaxSMSBody) + " " + ref},
	})
}

// Call implements phone.Phone. A call's list entry shows nothing of its
// TwiML, so the key cannot travel with the call: on a retry, any call from
// Baton's number to `to` created since `since` counts as this one. The
// first try (a zero since) places the call without looking, so two steps
// that ring one person at the same moment (two Escalate presses) both
// ring.
//
// Twilio starts calls at the account's calls-per-second rate; a call still
// waiting has no start time, so the StartTime filter misses it. Queued calls
// are therefore looked for too, lest a retry ring twice.
func (t *Twilio) Call(ctx context.Context, to, say, answerURL, _ string, since time.Time) (string, error) {
	if !since.IsZero() {
		started := t.between(to)
		started.Set("StartTime>", day(since))
		queued := t.between(to)
		queued.Set("Status", "queued")
		for _, q := range []url.Values{started, queued} {
			sid, found, err := t.find(ctx, "Calls.json", q, func(r record) bool { return r.createdSince(since) })
			if err != nil || found {
				return sid, err
			}
		}
	}
	return t.create(ctx, "Calls.json", url.Values{
		"To":    {to},
		"From":  {t.from},
		"Twiml": {twiml(say, answerURL)},
	})
}

// Ref is the reference an SMS for key carries: the first six hex digits of
// the key's SHA-256. Short enough not to clutter a text message, and a
// clash only matters between messages to one number on one day.
func Ref(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:3])
}

// twiml reads say aloud twice with a pause between, so that someone woken
// by the call still hears it whole; the call ends with the document. With
// an answerURL, both readings are inside a <Gather> of one key, which
// Twilio posts to that URL; a call nobody answers by key says goodbye.
// The document fits Twilio's phone.MaxTwiML characters: say is cut to fit
// (escaping counts, "&" takes five).
func twiml(say, answerURL string) string {
	doc := twimlDoc(say, answerURL)
	for over := phone.Length(doc) - phone.MaxTwiML; over > 0; over = phone.Length(doc) - phone.MaxTwiML {
		// say is in the document twice; cutting by half the excess and a
		// little more converges in a step or two, escapes and all.
		say = phone.Cut(say, max(0, phone.Length(say)-over/2-2))
		if say == "…" || say == "" {
			return twimlDoc("", answerURL)
		}
		doc = twimlDoc(say, answerURL)
	}
	return doc
}

func twimlDoc(say, answerURL string) string {
	s := "<Say>" + xmlText(say) + "</Say>"
	if answerURL == "" {
		return `<Response>` + s + `<Pause length="1"/>` + s + `</Response>`
	}
	return `<Response><Gather numDigits="1" method="POST" action="` + xmlText(answerURL) + `">` + s + `<Pause length="1"/>` + s +
		`</Gather><Say>No key was pressed. Goodbye.</Say></Response>`
}

func xmlText(s string) string {
	var esc strings.Builder
	// EscapeText fails only when the writer does; a Builder never does.
	_ = xml.EscapeText(&esc, []byte(s))
	return esc.String()
}

// between filters a list to what Baton's number sent to `to`.
func (t *Twilio) between(to string) url.Values {
	return url.Values{"To": {to}, "From": {t.from}}
}

// day is the date Twilio's date filters take: YYYY-MM-DD in UTC, where
// Twilio keeps its dates. The filter key carries the ">" and the query's
// "=" completes it, so DateSent> becomes "DateSent>=2010-08-16".
func day(t time.Time) string {
	return t.UTC().Format(time.DateOnly)
}

// record is a message or a call in one of Twilio's lists.
type record struct {
	SID         string `json:"sid"`
	Body        string `json:"body"`
	DateCreated string `json:"date_created"`
}

// createdSince reports whether the record was created at or after since.
// Twilio's dates count whole seconds, so since does too. A date that does
// not parse counts as old: a page sent twice is better than none.
func (r record) createdSince(since time.Time) bool {
	created, err := time.Parse(time.RFC1123Z, r.DateCreated)
	return err == nil && !created.Before(since.Truncate(time.Second))
}

// page is one page of Twilio's Messages or Calls list.
type page struct {
	Messages    []record `json:"messages"`
	Calls       []record `json:"calls"`
	NextPageURI string   `json:"next_page_uri"`
}

// find reads up to maxPages of a list, newest first, and returns the SID of
// the first record that matches.
func (t *Twilio) find(ctx context.Context, resource string, q url.Values, match func(record) bool) (string, bool, error) {
	op := "GET " + resource
	next := t.path(resource) + "?" + q.Encode()
	for range maxPages {
		var p page
		if err := t.do(ctx, op, q.Get("To"), next, nil, &p); err != nil {
			return "", false, err
		}
		for _, r := range append(p.Messages, p.Calls...) {
			if match(r) {
				return r.SID, true, nil
			}
		}
		if p.NextPageURI == "" {
			break
		}
		// A next page is a path on the same API. Anything else could send
		// the credentials elsewhere ("@host" after the base's host).
		if !strings.HasPrefix(p.NextPageURI, "/") {
			return "", false, fmt.Errorf("Twilio %s: next_page_uri is not a path", op)
		}
		next = p.NextPageURI
	}
	return "", false, nil
}

// create posts a new message or call and returns its SID.
func (t *Twilio) create(ctx context.Context, resource string, form url.Values) (string, error) {
	var r record
	if err := t.do(ctx, "POST "+resource, form.Get("To"), t.path(resource), form, &r); err != nil {
		return "", err
	}
	return r.SID, nil
}

func (t *Twilio) path(resource string) string {
	return "/" + apiVersion + "/Accounts/" + url.PathEscape(t.accountSID) + "/" + resource
}

// do sends one request, a POST of form or a GET when form is nil, and
// decodes a 2xx answer into out. op names the request in errors; the URL
// never does, as its query holds phone numbers. to is the number the
// request is about, to be masked where Twilio's answer quotes it.
func (t *Twilio) do(ctx context.Context, op, to, pathQuery string, form url.Values, out any) error {
	method, body := http.MethodGet, io.Reader(nil)
	if form != nil {
		method, body = http.MethodPost, strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, t.base+pathQuery, body)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("Twilio %s: cannot build the request: check TWILIO_API_URL", op), "TwilioBadURL", nil)
	}
	req.SetBasicAuth(t.accountSID, t.authToken)
	req.Header.Set("Accept", "application/json")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		return networkError(op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return networkError(op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return t.classify(op, to, resp, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("Twilio %s: reading the answer: %w", op, err)
	}
	return nil
}

// networkError keeps Temporal retrying with backoff, and drops the request
// URL that net/http puts in its errors.
func networkError(op string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("Twilio %s: %w", op, err)
}

// twilioError is the body of Twilio's error answers.
type twilioError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
}

// classify turns an error answer into one Temporal retries rightly: 429
// waits for Retry-After, 5xx backs off, and every other refusal fails the
// activity at once, since sending the same request again cannot help.
// Twilio's message often quotes the number, so numbers in it are masked.
func (t *Twilio) classify(op, to string, resp *http.Response, data []byte) error {
	var te twilioError
	_ = json.Unmarshal(data, &te) // An HTML page from a proxy leaves it empty.
	msg := fmt.Sprintf("Twilio %s: HTTP %d", op, resp.StatusCode)
	if te.Code != 0 {
		msg += fmt.Sprintf(" (code %d)", te.Code)
	}
	if te.Message != "" {
		msg += ": " + t.redact(te.Message, to)
	}
	switch status := resp.StatusCode; {
	case status == http.StatusTooManyRequests:
		if d, ok := retryafter.Parse(resp.Header.Get("Retry-After")); ok {
			return temporal.NewApplicationErrorWithOptions(msg, "TwilioRateLimited",
				temporal.ApplicationErrorOptions{NextRetryDelay: d})
		}
		return errors.New(msg)
	case status >= 500:
		return errors.New(msg)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return temporal.NewNonRetryableApplicationError(
			msg+": check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN", "TwilioUnauthorized", nil)
	default:
		if te.MoreInfo != "" {
			msg += " (see " + te.MoreInfo + ")"
		}
		return temporal.NewNonRetryableApplicationError(msg, "TwilioError", nil)
	}
}

// numberRE finds what looks like a phone number in Twilio's messages: a run
// of digits, perhaps with a "+" and separators, long enough to identify one.
var numberRE = regexp.MustCompile(`\+?[0-9][0-9 ().-]{4,}[0-9]`)

// redact masks phone numbers in a message from Twilio: the recipient's and
// Baton's own, however they are written, and every run of digits that could
// be one. The auth token is taken out too, though Twilio is not known to
// quote it.
func (t *Twilio) redact(s, to string) string {
	if t.authToken != "" {
		s = strings.ReplaceAll(s, t.authToken, "…")
	}
	for _, n := range []string{to, t.from} {
		if n != "" {
			s = strings.ReplaceAll(s, n, phone.Mask(n))
		}
	}
	return numberRE.ReplaceAllStringFunc(s, phone.Mask)
}
